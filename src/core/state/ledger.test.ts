import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { FakeClock } from '../../shared/index.js';
import { Ledger, type LedgerData, type ProcessRecord } from './ledger.js';

const T0 = Date.UTC(2026, 0, 1);

function record(desired: number, pids: number[] = []): ProcessRecord {
  return {
    desired,
    configuredInstances: desired,
    instances: pids.map((pid, index) => ({
      id: `api-${index}`,
      index,
      port: 5000 + index,
      identity: { pid, startTime: `boot:${pid}`, command: 'svc --port' },
      startedAt: T0,
      version: 'v1.0.0',
    })),
  };
}

function rig(delayMs?: number) {
  const dir = tempDir();
  const clock = new FakeClock(T0);
  let current: Record<string, ProcessRecord> = { api: record(1, [100]) };
  let snapshots = 0;
  const ledger = new Ledger(
    dir,
    clock,
    () => {
      snapshots++;
      return current;
    },
    ...(delayMs === undefined ? [] : [delayMs]),
  );
  return {
    dir,
    clock,
    ledger,
    set: (next: Record<string, ProcessRecord>) => {
      current = next;
    },
    snapshots: () => snapshots,
    onDisk: () => JSON.parse(readFileSync(ledger.path, 'utf8')) as LedgerData,
  };
}

describe('Ledger', () => {
  it('lives at <data>/state.json', () => {
    const r = rig();
    expect(r.ledger.path).toBe(join(r.dir, 'state.json'));
  });

  it('reads "missing" when there is no state file', async () => {
    expect(await rig().ledger.read()).toEqual({ kind: 'missing' });
  });

  it('flush writes the snapshot with version, pid and time; read gives it back', async () => {
    const r = rig();
    await r.clock.advance(1234);
    await r.ledger.flush();
    const expected: LedgerData = {
      version: 1,
      daemonPid: process.pid,
      updatedAt: T0 + 1234,
      processes: { api: record(1, [100]) },
    };
    expect(r.onDisk()).toEqual(expected);
    expect(await r.ledger.read()).toEqual({ kind: 'ok', data: expected });
    if (process.platform !== 'win32') expect(statSync(r.ledger.path).mode & 0o777).toBe(0o600);
  });

  it('flush replaces the file atomically, leaving no temp file behind', async () => {
    const r = rig();
    await r.ledger.flush();
    r.set({ api: record(3, [100, 101, 102]), worker: record(0) });
    await r.ledger.flush();
    expect(readdirSync(r.dir)).toEqual(['state.json']);
    expect(r.onDisk().processes).toEqual({ api: record(3, [100, 101, 102]), worker: record(0) });
  });

  it('readers never see a half-written file while flushes run', async () => {
    const r = rig();
    const big = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`p${i}`, record(3, [i * 3, i * 3 + 1, i * 3 + 2])]),
    );
    r.set(big);
    await r.ledger.flush();
    let flushing = true;
    const writes = (async () => {
      for (let i = 0; i < 20; i++) await r.ledger.flush();
      flushing = false;
    })();
    let reads = 0;
    while (flushing) {
      const data = JSON.parse(readFileSync(r.ledger.path, 'utf8')) as LedgerData; // throws if torn
      expect(Object.keys(data.processes)).toHaveLength(200);
      reads++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await writes;
    expect(reads).toBeGreaterThan(0);
  });

  it('schedule coalesces a burst of changes into one write after the delay', async () => {
    const r = rig(50);
    r.ledger.schedule();
    r.set({ api: record(2, [100, 101]) });
    r.ledger.schedule();
    r.set({ api: record(3, [100, 101, 102]) });
    r.ledger.schedule();
    expect(r.clock.pendingTimers).toBe(1);
    await r.clock.advance(49);
    expect(existsSync(r.ledger.path)).toBe(false);
    expect(r.snapshots()).toBe(0);
    await r.clock.advance(1);
    await waitFor(() => existsSync(r.ledger.path) || 'state.json not written yet');
    expect(r.snapshots()).toBe(1);
    await waitFor(() => r.onDisk().processes.api?.desired === 3 || 'latest snapshot not on disk');
    expect(r.onDisk().updatedAt).toBe(T0 + 50);
  });

  it('schedules again after a scheduled write has run', async () => {
    const r = rig(50);
    r.ledger.schedule();
    await r.clock.advance(50);
    r.set({ api: record(5) });
    r.ledger.schedule();
    expect(r.clock.pendingTimers).toBe(1);
    await r.clock.advance(50);
    expect(r.snapshots()).toBe(2);
    await waitFor(() => r.onDisk().processes.api?.desired === 5 || 'second write not on disk');
  });

  it('flush cancels a pending scheduled write', async () => {
    const r = rig(50);
    r.ledger.schedule();
    await r.ledger.flush();
    expect(r.clock.pendingTimers).toBe(0);
    await r.clock.advance(100);
    expect(r.snapshots()).toBe(1);
  });

  it('writes in order: the last flush wins', async () => {
    const r = rig();
    const flushes = [1, 2, 3, 4, 5].map((desired) => {
      r.set({ api: record(desired) });
      return r.ledger.flush();
    });
    await Promise.all(flushes);
    expect(r.onDisk().processes.api?.desired).toBe(5);
  });

  it('moves a corrupt state.json aside and reports it', async () => {
    const r = rig();
    writeFileSync(r.ledger.path, '{"version": 1, "processes": {');
    await r.clock.advance(777);
    const result = await r.ledger.read();
    const movedTo = `${r.ledger.path}.corrupt-${T0 + 777}`;
    expect(result).toEqual({ kind: 'corrupt', movedTo, reason: expect.any(String) });
    expect(existsSync(r.ledger.path)).toBe(false);
    expect(readFileSync(movedTo, 'utf8')).toBe('{"version": 1, "processes": {');
    expect(await r.ledger.read()).toEqual({ kind: 'missing' });
  });

  it.each([
    ['an unknown version', '{"version": 2, "processes": {}}'],
    ['no processes', '{"version": 1}'],
    ['null processes', '{"version": 1, "processes": null}'],
    ['JSON null', 'null'],
    ['an empty file', ''],
  ])('treats %s as corrupt', async (_what, text) => {
    const r = rig();
    writeFileSync(r.ledger.path, text);
    const result = await r.ledger.read();
    expect(result.kind).toBe('corrupt');
    expect(existsSync(r.ledger.path)).toBe(false);
  });

  it('says why a well-formed file of the wrong format is corrupt', async () => {
    const r = rig();
    writeFileSync(r.ledger.path, '{"version": 2, "processes": {}}');
    expect(await r.ledger.read()).toMatchObject({ kind: 'corrupt', reason: 'unknown format' });
  });
});
