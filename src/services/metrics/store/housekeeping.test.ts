import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { instancesOf, tickAt } from '../../../../test/helpers/store-ticks.js';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { FakeClock } from '../../../shared/index.js';
import { openMetricsStore } from './metrics-store.js';

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function setup(maxSizeBytes = 1024 ** 3) {
  const clock = new FakeClock(T0);
  const file = join(tempDir('metrics-housekeeping-'), 'metrics.db');
  const warnings: string[] = [];
  const store = openMetricsStore({
    file,
    retentionMs: 7 * DAY,
    maxSizeBytes,
    clock,
    onWarning: (message) => warnings.push(message),
  });
  onTestFinished(() => store.close());
  const writeAt = async (at: number, instances = 1) => {
    await clock.advance(at - clock.now());
    store.write(tickAt(at, { instances: instancesOf('api', instances) }));
  };
  /** The timestamps of a table, read beside the store's own connection. */
  const timestamps = (table: string): number[] => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare(`SELECT ts FROM ${table} ORDER BY ts`).pluck().all() as number[];
    } finally {
      db.close();
    }
  };
  return { store, file, warnings, writeAt, timestamps };
}

describe('retention', () => {
  it('deletes raw rows after 1 h, minute rows after 48 h and hour rows after the retention', async () => {
    const { writeAt, timestamps } = setup();
    await writeAt(T0);
    await writeAt(T0 + MINUTE); // completes minute 0
    await writeAt(T0 + 61 * MINUTE); // completes minute 1 and hour 0; raw before T0+1min goes
    expect(timestamps('instance_raw')).toEqual([T0 + MINUTE, T0 + 61 * MINUTE]);
    expect(timestamps('host_raw')).toEqual([T0 + MINUTE, T0 + 61 * MINUTE]);
    expect(timestamps('instance_1m')).toEqual([T0, T0 + MINUTE]);
    expect(timestamps('instance_1h')).toEqual([T0]);

    await writeAt(T0 + 48 * HOUR + 2 * MINUTE); // minute rows before T0+2min go
    expect(timestamps('instance_raw')).toEqual([T0 + 48 * HOUR + 2 * MINUTE]);
    expect(timestamps('instance_1m')).toEqual([T0 + 61 * MINUTE]);
    expect(timestamps('host_1m')).toEqual([T0 + 61 * MINUTE]);
    expect(timestamps('instance_1h')).toEqual([T0, T0 + HOUR]);

    await writeAt(T0 + 7 * DAY + 2 * HOUR); // hour rows before T0+2h go
    expect(timestamps('instance_1h')).toEqual([T0 + 48 * HOUR]);
    expect(timestamps('host_1h')).toEqual([T0 + 48 * HOUR]);
    // The minute completed by this tick (T0+48h+2min) is itself past the 48 h at once.
    expect(timestamps('instance_1m')).toEqual([]);
  });

  it('prunes at most once a minute', async () => {
    const { writeAt, timestamps } = setup();
    await writeAt(T0);
    await writeAt(T0 + HOUR - 30_000); // housekeeping ran at T0 and now
    await writeAt(T0 + HOUR + 20_000); // T0 is past retention, but the last run was 50 s ago
    expect(timestamps('instance_raw')).toContain(T0);
    await writeAt(T0 + HOUR + 31_000);
    expect(timestamps('instance_raw')).not.toContain(T0);
  });
});

describe('size limit', () => {
  it('deletes the oldest raw rows until the database fits, then shrinks the file', async () => {
    const maxSizeBytes = 256 * 1024;
    const { store, file, warnings, writeAt, timestamps } = setup(maxSizeBytes);
    const last = T0 + 6 * MINUTE; // a housekeeping moment: the check runs after this tick
    for (let at = T0; at <= last; at += 1000) await writeAt(at, 50);

    const trims = warnings.filter((message) => message.includes('over its limit'));
    expect(trims.length).toBeGreaterThan(0);
    expect(trims[0]).toMatch(
      /over its limit of 256KiB \(metrics\.max_size\): deleted raw samples before 2026-01-01T00:0/,
    );
    expect(store.usedBytes()).toBeLessThanOrEqual(maxSizeBytes);
    expect(statSync(file).size).toBeLessThanOrEqual(maxSizeBytes);
    expect(timestamps('host_raw')[0]).toBeGreaterThan(T0 + MINUTE);
    // The newest tick and the 1-minute rows are still there.
    expect(store.queryInstances('api', { from: last, to: last + 1, stepMs: 1000 })).toHaveLength(
      50,
    );
    expect(timestamps('host_1m')).toEqual([0, 1, 2, 3, 4, 5].map((m) => T0 + m * MINUTE));
  });

  it('goes on to the minute and hour rows when deleting raw rows is not enough', async () => {
    const { warnings, writeAt, timestamps, store } = setup(1);
    await writeAt(T0);
    await writeAt(T0 + MINUTE);
    await writeAt(T0 + HOUR); // completes minute 1 and hour 0, then trims every tier
    const lastTrim = warnings.filter((message) => message.includes('over its limit')).at(-1);
    expect(lastTrim).toMatch(
      /deleted raw samples before .*, 1-minute rollups before .*, 1-hour rollups before /,
    );
    expect(timestamps('instance_raw')).toEqual([]);
    expect(timestamps('instance_1m')).toEqual([]);
    expect(timestamps('instance_1h')).toEqual([]);
    // The store goes on writing.
    await writeAt(T0 + HOUR + 1000);
    expect(store.queryHost({ from: T0 + HOUR, to: T0 + 2 * HOUR, stepMs: 1000 })).toHaveLength(1);
  });
});
