import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { instancesOf, tickAt } from '../../../../test/helpers/store-ticks.js';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';
import { FakeClock } from '../../../shared/index.js';
import { openMetricsStore } from './metrics-store.js';

const T0 = Date.UTC(2026, 0, 1, 12, 30, 15);
const STAMP = '20260101T123015Z';

function setup() {
  const dir = tempDir('metrics-move-aside-');
  const file = join(dir, 'metrics.db');
  const clock = new FakeClock(T0);
  const warnings: string[] = [];
  const open = () => {
    const store = openMetricsStore({
      file,
      retentionMs: 7 * 86_400_000,
      maxSizeBytes: 1024 ** 3,
      clock,
      onWarning: (message) => warnings.push(message),
    });
    onTestFinished(() => store.close());
    return store;
  };
  /** The moved-aside files in the directory (side files included), sorted. */
  const movedAside = () =>
    readdirSync(dir)
      .filter((name) => /\.(corrupt|locked|newer-schema)-/.test(name))
      .sort();
  return { dir, file, clock, warnings, open, movedAside };
}

describe('moved-aside files', () => {
  it('keeps the newest 3 moved-aside databases and deletes older ones with their side files', () => {
    const { dir, file, warnings, open, movedAside } = setup();
    const older = [
      'metrics.db.corrupt-20251231T000000Z',
      'metrics.db.locked-20251231T000001Z',
      'metrics.db.newer-schema-20251231T000002Z',
      'metrics.db.corrupt-20251231T000002Z-2', // a second move in that same second
    ];
    const sideFiles = [
      `${older[0]}-wal`,
      `${older[0]}-shm`,
      `${older[1]}-journal`,
      `${older[3]}-wal`,
    ];
    // Files that only look alike are not the store's to delete.
    const others = [
      'metrics.db.corrupt-notes',
      'other.db.corrupt-20251230T000000Z',
      'metrics.db.corrupt-20251230T000000Z.txt',
    ];
    for (const name of [...older, ...sideFiles, ...others]) writeFileSync(join(dir, name), name);
    writeFileSync(file, 'not a database');

    open();
    expect(movedAside()).toEqual(
      [`metrics.db.corrupt-${STAMP}`, older[2], older[3], `${older[3]}-wal`, ...others].sort(),
    );
    const deleted = `${join(dir, older[0]!)}, ${join(dir, older[1]!)}`;
    expect(warnings).toEqual([
      `metrics database ${file} is corrupt or not a database (file is not a database); moved it to ${file}.corrupt-${STAMP} and started a fresh one; deleted the older moved-aside ${deleted} (the newest 3 are kept)`,
    ]);
  });

  it('does not grow without bound when the database keeps getting corrupted', async () => {
    const { file, clock, warnings, open, movedAside } = setup();
    for (let n = 0; n < 6; n++) {
      writeFileSync(file, `not a database, number ${n}`);
      open().close();
      await clock.advance(1000);
    }
    expect(movedAside()).toEqual([
      'metrics.db.corrupt-20260101T123018Z',
      'metrics.db.corrupt-20260101T123019Z',
      'metrics.db.corrupt-20260101T123020Z',
    ]);
    expect(warnings.slice(0, 3).join('\n')).not.toMatch(/deleted/);
    expect(warnings[3]).toMatch(/; deleted the older moved-aside \S+\.corrupt-20260101T123015Z \(/);
  });

  it('never deletes the copy it just moved, even when a clock set back names it oldest', () => {
    const { dir, file, warnings, open, movedAside } = setup();
    const later = ['20270101T000000Z', '20270101T000001Z', '20270101T000002Z'];
    for (const stamp of later) writeFileSync(join(dir, `metrics.db.corrupt-${stamp}`), stamp);
    writeFileSync(file, 'not a database');
    open();
    expect(movedAside()).toEqual([
      `metrics.db.corrupt-${STAMP}`,
      'metrics.db.corrupt-20270101T000001Z',
      'metrics.db.corrupt-20270101T000002Z',
    ]);
    expect(warnings[0]).toMatch(/deleted the older moved-aside \S+\.corrupt-20270101T000000Z \(/);
  });
});

/**
 * Holds an exclusive lock on the database given as its second argument (better-sqlite3's path
 * first), says "locked", and commits after the given number of ms.
 */
const HOLD_LOCK = `
const [Database, file, holdMs] = [require(process.argv[1]), process.argv[2], Number(process.argv[3])];
const db = new Database(file);
db.pragma('journal_mode = DELETE');
db.exec('BEGIN EXCLUSIVE');
process.stdout.write('locked\\n');
setTimeout(() => { db.exec('COMMIT'); db.close(); }, holdMs);
`;

describe('opening a database another program locks for a moment', () => {
  it('waits for the lock instead of moving the history aside', async () => {
    const { file, warnings, open, movedAside } = setup();
    const first = open();
    first.write(tickAt(T0, { instances: instancesOf('api', 1, { cpuPercent: 7 }) }));
    first.close();

    const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    const holder = spawn(process.execPath, ['-e', HOLD_LOCK, betterSqlite, file, '800'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => {
      if (holder.exitCode === null) holder.kill();
    });
    let output = '';
    holder.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    holder.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(
      () => output.includes('locked') || `the lock holder said ${JSON.stringify(output)}`,
    );

    const startedAt = Date.now();
    const store = open();
    expect(warnings).toEqual([]);
    expect(movedAside()).toEqual([]);
    // The open did wait on the lock (opening an unlocked file takes milliseconds).
    expect(Date.now() - startedAt).toBeGreaterThan(300);
    expect(existsSync(file)).toBe(true);
    const points = store.queryInstances('api', { from: T0, to: T0 + 1, stepMs: 1000 });
    expect(points.map((point) => point.cpuPercent)).toEqual([7]);
    expectWorking(store);
  });
});

/** The reopened store goes on writing (with the short write timeout, the lock being gone). */
function expectWorking(store: ReturnType<typeof openMetricsStore>) {
  store.write(tickAt(T0 + 1000, { instances: instancesOf('api', 1, { cpuPercent: 8 }) }));
  const points = store.queryInstances('api', { from: T0, to: T0 + 2000, stepMs: 1000 });
  expect(points.map((point) => point.cpuPercent)).toEqual([7, 8]);
}
