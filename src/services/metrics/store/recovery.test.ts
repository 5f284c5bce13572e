import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { instancesOf, storedRows, tickAt } from '../../../../test/helpers/store-ticks.js';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { FakeClock } from '../../../shared/index.js';
import { openMetricsStore } from './metrics-store.js';

const T0 = Date.UTC(2026, 0, 1, 12, 30, 15);
const STAMP = '20260101T123015Z';

function setup() {
  const dir = tempDir('metrics-recovery-');
  const file = join(dir, 'metrics.db');
  const clock = new FakeClock(T0);
  const warnings: string[] = [];
  const open = (path = file) => {
    const store = openMetricsStore({
      file: path,
      retentionMs: 7 * 86_400_000,
      maxSizeBytes: 1024 ** 3,
      clock,
      onWarning: (message) => warnings.push(message),
    });
    onTestFinished(() => store.close());
    return store;
  };
  return { dir, file, clock, warnings, open };
}

/** The store answers with what it was given: a fresh database works. */
function expectWorking(store: ReturnType<ReturnType<typeof setup>['open']>, at: number) {
  store.write(tickAt(at, { instances: instancesOf('api', 2, { cpuPercent: 42 }) }));
  const points = store.queryInstances('api', { from: at, to: at + 1, stepMs: 1000 });
  expect(points.map((point) => [point.index, point.cpuPercent])).toEqual([
    [0, 42],
    [1, 42],
  ]);
}

/**
 * Corrupts the open database from a second connection: points instance_raw's b-tree at the
 * host table's pages, which SQLite then reports as SQLITE_CORRUPT on use.
 */
function corruptInstanceTable(file: string) {
  const other = new Database(file);
  try {
    other.unsafeMode(true);
    other.pragma('writable_schema = ON');
    const hostRoot = other
      .prepare("SELECT rootpage FROM sqlite_master WHERE name = 'host_raw'")
      .pluck()
      .get();
    other
      .prepare("UPDATE sqlite_master SET rootpage = ? WHERE name = 'instance_raw'")
      .run(hostRoot);
    const version = other.pragma('schema_version', { simple: true }) as number;
    other.pragma(`schema_version = ${version + 1}`);
  } finally {
    other.close();
  }
}

describe('opening a bad file', () => {
  it('moves a file of random bytes aside and starts a fresh database', () => {
    const { file, warnings, open } = setup();
    const garbage = randomBytes(10_000);
    writeFileSync(file, garbage);
    const store = open();
    const moved = `${file}.corrupt-${STAMP}`;
    expect(warnings).toEqual([
      `metrics database ${file} is corrupt or not a database (file is not a database); moved it to ${moved} and started a fresh one`,
    ]);
    expect(readFileSync(moved).equals(garbage)).toBe(true);
    expectWorking(store, T0);
  });

  it('moves a database truncated mid-file aside', () => {
    const { file, warnings, open } = setup();
    const first = open();
    for (let i = 0; i < 120; i++) {
      first.write(tickAt(T0 + i * 1000, { instances: instancesOf('api', 20) }));
    }
    first.close();
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(64 * 1024);
    truncateSync(file, Math.floor(size / 2 / 4096) * 4096 + 100);

    const store = open();
    expect(warnings).toEqual([
      expect.stringMatching(
        /is corrupt or not a database \(database disk image is malformed\); moved it to .*\.corrupt-/,
      ),
    ]);
    expect(existsSync(`${file}.corrupt-${STAMP}`)).toBe(true);
    expect(store.queryInstances('api', { from: T0, to: T0 + 120_000, stepMs: 1000 })).toEqual([]);
    expectWorking(store, T0 + 200_000);
  });

  it('moves aside a database another connection keeps locked past the busy timeout', () => {
    const { file, warnings, open } = setup();
    const other = new Database(file);
    onTestFinished(() => {
      other.close();
    });
    other.pragma('journal_mode = DELETE');
    other.exec('CREATE TABLE theirs (x); BEGIN EXCLUSIVE; INSERT INTO theirs VALUES (1);');

    const store = open();
    expect(warnings).toEqual([
      expect.stringMatching(
        /stayed locked by another program for over 2000ms \(database is locked\); moved it to .*metrics\.db\.locked-20260101T123015Z/,
      ),
    ]);
    expectWorking(store, T0);
    // Its rollback journal moved along: left beside the fresh database, SQLite would replay it.
    const moved = `${file}.locked-${STAMP}`;
    expect(existsSync(`${moved}-journal`)).toBe(true);
    expect(existsSync(`${file}-journal`)).toBe(false);
  });

  it('moves aside a database written by a newer schema version', () => {
    const { file, warnings, open } = setup();
    const newer = new Database(file);
    newer.pragma('user_version = 99');
    newer.close();
    const store = open();
    expect(warnings).toEqual([
      expect.stringMatching(
        /was written by a newer gowinproc \(schema version 99 is newer than 1\); moved it to .*\.newer-schema-/,
      ),
    ]);
    expectWorking(store, T0);
  });

  it('numbers a second move within the same second instead of overwriting the first', () => {
    const { file, warnings, open } = setup();
    writeFileSync(file, 'not a database, first');
    open().close();
    writeFileSync(file, 'not a database, second'); // replaces the fresh database
    open();
    expect(readFileSync(`${file}.corrupt-${STAMP}`, 'utf8')).toBe('not a database, first');
    expect(readFileSync(`${file}.corrupt-${STAMP}-2`, 'utf8')).toBe('not a database, second');
    expect(warnings).toHaveLength(2);
  });

  it('keeps metrics in memory when the file cannot be created at all', () => {
    const { dir, warnings, open } = setup();
    writeFileSync(join(dir, 'plain-file'), '');
    const store = open(join(dir, 'plain-file', 'metrics.db'));
    expect(warnings).toEqual([
      expect.stringMatching(
        /cannot be opened .*; metrics history is kept in memory until the daemon restarts/,
      ),
    ]);
    expectWorking(store, T0);
  });
});

describe('corruption found while running', () => {
  it('moves the database aside and retries the tick once on a fresh one', () => {
    const { file, warnings, open } = setup();
    const store = open();
    store.write(tickAt(T0, { instances: instancesOf('api', 2) }));
    corruptInstanceTable(file);

    expect(() => expectWorking(store, T0 + 1000)).not.toThrow();
    expect(warnings).toEqual([
      expect.stringMatching(
        /is corrupt or not a database \(database disk image is malformed\); moved it to .*\.corrupt-/,
      ),
    ]);
    expect(existsSync(`${file}.corrupt-${STAMP}`)).toBe(true);
    // The fresh database holds only the retried tick.
    expect(store.queryHost({ from: T0, to: T0 + 2000, stepMs: 1000 }).map((p) => p.at)).toEqual([
      T0 + 1000,
    ]);
    // Its rollups start from nothing: the minute's row is the retried tick's alone.
    store.write(tickAt(T0 + 60_000, { instances: instancesOf('api', 2) }));
    expect(storedRows(file, 'SELECT ts, cpu FROM instance_1m ORDER BY series')).toEqual([
      { ts: T0 - 15_000, cpu: 42 },
      { ts: T0 - 15_000, cpu: 42 },
    ]);
  });

  it('answers a query that finds corruption with nothing, and goes on with a fresh database', () => {
    const { file, warnings, open } = setup();
    const store = open();
    store.write(tickAt(T0, { instances: instancesOf('api', 2) }));
    corruptInstanceTable(file);

    expect(store.queryInstances('api', { from: T0, to: T0 + 1000, stepMs: 1000 })).toEqual([]);
    expect(warnings).toHaveLength(1);
    expectWorking(store, T0 + 1000);
  });
});
