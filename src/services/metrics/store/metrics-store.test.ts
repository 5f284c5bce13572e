import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { instancesOf, tickAt, type TickValues } from '../../../../test/helpers/store-ticks.js';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { FakeClock } from '../../../shared/index.js';
import { openMetricsStore, type MetricsStoreOptions } from './metrics-store.js';

const T0 = Date.UTC(2026, 0, 1); // on an hour boundary
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function setup(overrides: Partial<MetricsStoreOptions> = {}) {
  const clock = new FakeClock(T0);
  const file = join(tempDir('metrics-store-'), 'metrics.db');
  const warnings: string[] = [];
  const options: MetricsStoreOptions = {
    file,
    retentionMs: 7 * DAY,
    maxSizeBytes: 1024 ** 3,
    clock,
    onWarning: (message) => warnings.push(message),
    ...overrides,
  };
  const open = () => {
    const store = openMetricsStore(options);
    onTestFinished(() => store.close());
    return store;
  };
  const store = open();
  /** Moves the clock to `at` and writes a tick there. */
  const writeAt = async (at: number, values: TickValues) => {
    await clock.advance(at - clock.now());
    store.write(tickAt(at, values));
  };
  return { clock, file, warnings, store, open, writeAt };
}

/** Reads a table's column straight from the file, beside the store's own connection. */
function peek(file: string, sql: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).pluck().all();
  } finally {
    db.close();
  }
}

describe('write and read back', () => {
  it('returns every instance of a process per tick with exact values, ordered by (at, index)', async () => {
    const { store, writeAt } = setup();
    await writeAt(T0, {
      instances: [
        {
          process: 'api',
          index: 0,
          cpuPercent: 12.5,
          rssBytes: 1000,
          diskReadBps: 1,
          diskWriteBps: 2,
          handles: 7,
          threads: 3,
        },
        {
          process: 'api',
          index: 1,
          cpuPercent: null,
          rssBytes: 2000,
          diskReadBps: null,
          diskWriteBps: null,
          handles: null,
          threads: null,
        },
        { process: 'web', index: 0, cpuPercent: 99 },
      ],
    });
    await writeAt(T0 + 1000, {
      instances: [
        { process: 'api', index: 1, cpuPercent: 50, rssBytes: 4000 },
        { process: 'api', index: 0, cpuPercent: 37.5, rssBytes: 3000, handles: 9, threads: 5 },
      ],
    });

    const points = store.queryInstances('api', { from: T0, to: T0 + 2000, stepMs: 1000 });
    expect(points).toEqual([
      {
        at: T0,
        index: 0,
        cpuPercent: 12.5,
        cpuPercentMax: 12.5,
        rssBytes: 1000,
        rssBytesMax: 1000,
        diskReadBps: 1,
        diskWriteBps: 2,
        handles: 7,
        threads: 3,
      },
      {
        at: T0,
        index: 1,
        cpuPercent: null,
        cpuPercentMax: null,
        rssBytes: 2000,
        rssBytesMax: 2000,
        diskReadBps: null,
        diskWriteBps: null,
        handles: null,
        threads: null,
      },
      expect.objectContaining({ at: T0 + 1000, index: 0, cpuPercent: 37.5, rssBytes: 3000 }),
      expect.objectContaining({ at: T0 + 1000, index: 1, cpuPercent: 50, rssBytes: 4000 }),
    ]);

    // A 2 s step: averages over the bucket's non-null values, maxima of CPU and RSS.
    const coarse = store.queryInstances('api', { from: T0, to: T0 + 2000, stepMs: 2000 });
    expect(coarse).toEqual([
      expect.objectContaining({
        at: T0,
        index: 0,
        cpuPercent: 25,
        cpuPercentMax: 37.5,
        rssBytes: 2000,
        rssBytesMax: 3000,
        handles: 8,
        threads: 4,
      }),
      expect.objectContaining({
        at: T0,
        index: 1,
        cpuPercent: 50,
        cpuPercentMax: 50,
        rssBytes: 3000,
        rssBytesMax: 4000,
      }),
    ]);

    expect(
      store.queryInstances('api', { from: T0, to: T0 + 2000, stepMs: 1000 }, 1).map((p) => p.at),
    ).toEqual([T0, T0 + 1000]);
    expect(store.queryInstances('api', { from: T0, to: T0 + 1000, stepMs: 1000 })).toHaveLength(2);
    expect(store.queryInstances('nope', { from: T0, to: T0 + 2000, stepMs: 1000 })).toEqual([]);
  });

  it('returns the host and daemon series', async () => {
    const { store, writeAt } = setup();
    // Every figure the first point is compared with, set here rather than left to defaults.
    const host = {
      load1: 0.5,
      memoryTotalBytes: 8_000_000_000,
      diskReadBps: 100,
      diskWriteBps: 200,
      diskFreeBytes: 200_000_000_000,
      diskTotalBytes: 500_000_000_000,
      networkRxBps: 300,
      networkTxBps: 400,
    };
    const daemon = { cpuPercent: 0.5, eventLoopLagMs: 1.5 };
    await writeAt(T0, {
      host: { ...host, cpuPercent: 10, memoryUsedBytes: 100 },
      daemon: { ...daemon, rssBytes: 7 },
    });
    await writeAt(T0 + 1000, {
      host: { ...host, cpuPercent: null, memoryUsedBytes: 300 },
      daemon: { ...daemon, rssBytes: 9 },
    });
    expect(store.queryHost({ from: T0, to: T0 + 2000, stepMs: 1000 })[0]).toEqual({
      at: T0,
      cpuPercent: 10,
      cpuPercentMax: 10,
      load1: 0.5,
      memoryUsedBytes: 100,
      memoryUsedBytesMax: 100,
      memoryTotalBytes: 8_000_000_000,
      diskReadBps: 100,
      diskWriteBps: 200,
      diskFreeBytes: 200_000_000_000,
      diskTotalBytes: 500_000_000_000,
      networkRxBps: 300,
      networkTxBps: 400,
      daemonCpuPercent: 0.5,
      daemonRssBytes: 7,
      daemonEventLoopLagMs: 1.5,
    });
    expect(store.queryHost({ from: T0, to: T0 + 2000, stepMs: 2000 })).toEqual([
      expect.objectContaining({
        at: T0,
        cpuPercent: 10,
        cpuPercentMax: 10,
        memoryUsedBytes: 200,
        memoryUsedBytesMax: 300,
        daemonRssBytes: 8,
      }),
    ]);
  });

  it('stores NaN and infinite figures as "not measured"', async () => {
    const { store, writeAt } = setup();
    await writeAt(T0, {
      instances: [{ process: 'api', index: 0, cpuPercent: Number.NaN, diskReadBps: Infinity }],
    });
    const [point] = store.queryInstances('api', { from: T0, to: T0 + 1000, stepMs: 1000 });
    expect(point).toMatchObject({ cpuPercent: null, cpuPercentMax: null, diskReadBps: null });
  });

  it('refuses a step that is not a positive whole number of ms', () => {
    const { store } = setup();
    expect(() => store.queryHost({ from: T0, to: T0 + 1, stepMs: 0 })).toThrow(/step/);
    expect(() => store.queryInstances('api', { from: T0, to: T0 + 1, stepMs: 1.5 })).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
  });
});

describe('rollups', () => {
  it('writes 1-minute averages and maxima when a tick starts the next minute, nulls excluded', async () => {
    const { store, writeAt, clock } = setup();
    const api = (cpuPercent: number | null, rssBytes: number) => ({
      instances: [{ process: 'api', index: 0, cpuPercent, rssBytes }],
      host: { cpuPercent },
    });
    await writeAt(T0, api(10, 100));
    await writeAt(T0 + 20_000, api(20, 200));
    await writeAt(T0 + 40_000, api(null, 600));
    await writeAt(T0 + MINUTE, api(null, 1000));
    await writeAt(T0 + MINUTE + 30_000, api(null, 3000));
    await writeAt(T0 + 2 * MINUTE, api(5, 5)); // completes minute 1; minute 2 stays in memory

    await clock.advance(2 * HOUR); // the range now starts before raw's 1 h: the 1 min tier answers
    const range = { from: T0, to: T0 + 3 * MINUTE, stepMs: MINUTE };
    expect(store.queryInstances('api', range)).toEqual([
      expect.objectContaining({
        at: T0,
        cpuPercent: 15,
        cpuPercentMax: 20,
        rssBytes: 300,
        rssBytesMax: 600,
      }),
      expect.objectContaining({
        at: T0 + MINUTE,
        cpuPercent: null,
        cpuPercentMax: null,
        rssBytes: 2000,
        rssBytesMax: 3000,
      }),
    ]);
    expect(store.queryHost(range).map((p) => [p.at, p.cpuPercent, p.cpuPercentMax])).toEqual([
      [T0, 15, 20],
      [T0 + MINUTE, null, null],
    ]);
    // A 2-minute step over the 1-minute tier: AVG of the averages, MAX of the maxima.
    expect(store.queryInstances('api', { ...range, stepMs: 2 * MINUTE })).toEqual([
      expect.objectContaining({
        at: T0,
        cpuPercent: 15,
        cpuPercentMax: 20,
        rssBytes: 1150,
        rssBytesMax: 3000,
      }),
    ]);
  });

  it('writes 1-hour rows from the raw ticks of the hour, not from the minute rows', async () => {
    const { store, writeAt, clock } = setup();
    const api = (cpuPercent: number) => ({ instances: [{ process: 'api', index: 0, cpuPercent }] });
    // Three ticks in minute 0 and one in minute 45: the minute averages would weigh them 1:1.
    await writeAt(T0, api(10));
    await writeAt(T0 + 10_000, api(10));
    await writeAt(T0 + 20_000, api(10));
    await writeAt(T0 + 45 * MINUTE, api(50));
    await writeAt(T0 + HOUR, api(99)); // completes hour 0

    await clock.advance(3 * DAY); // older than the 1 min tier's 48 h: the 1 h tier answers
    expect(store.queryInstances('api', { from: T0, to: T0 + 2 * HOUR, stepMs: HOUR })).toEqual([
      expect.objectContaining({ at: T0, cpuPercent: 20, cpuPercentMax: 50 }),
    ]);
  });
});

describe('tier selection', () => {
  it('reads 5 min and 1 h from raw, 24 h from 1 min rows and 7 d from 1 h rows', async () => {
    const { store, clock } = setup();
    for (let at = T0; at <= T0 + HOUR + 1000; at += 1000) {
      await clock.advance(at - clock.now());
      store.write(tickAt(at, { instances: instancesOf('api', 1) }));
    }
    const now = clock.now();
    const query = (span: number) =>
      store.queryInstances('api', { from: now - span, to: now + 1, stepMs: 1000 });

    expect(query(5 * MINUTE)).toHaveLength(5 * 60 + 1);
    expect(query(HOUR)).toHaveLength(3600 + 1);
    const day = query(DAY);
    expect(day).toHaveLength(60); // minutes 0..59; minute 60 is still in memory
    expect(day.every((point) => point.at % MINUTE === 0)).toBe(true);
    expect(query(7 * DAY).map((point) => point.at)).toEqual([T0]);

    expect(store.resolutionFor(now - 5 * MINUTE, now)).toBe(1000);
    expect(store.resolutionFor(now - DAY, now)).toBe(MINUTE);
    expect(store.resolutionFor(now - 7 * DAY, now)).toBe(HOUR);
  });

  it('gives the raw tier the configured sampling interval as its resolution', () => {
    const { store } = setup({ rawResolutionMs: 5000 });
    expect(store.resolutionFor(T0 - MINUTE, T0)).toBe(5000);
  });
});

describe('restarts', () => {
  it('keeps the series and their history across close and reopen', async () => {
    const { store, open, file, clock } = setup();
    store.write(tickAt(T0, { instances: instancesOf('api', 2, { cpuPercent: 1 }) }));
    store.close();

    await clock.advance(1000);
    const reopened = open();
    reopened.write(
      tickAt(T0 + 1000, {
        instances: [...instancesOf('api', 2, { cpuPercent: 2 }), { process: 'web', index: 0 }],
      }),
    );
    const points = reopened.queryInstances('api', { from: T0, to: T0 + 2000, stepMs: 1000 }, 1);
    expect(points.map((p) => [p.at, p.cpuPercent])).toEqual([
      [T0, 1],
      [T0 + 1000, 2],
    ]);
    expect(peek(file, "SELECT process || '-' || idx FROM series ORDER BY id")).toEqual([
      'api-0',
      'api-1',
      'web-0',
    ]);
  });
});

describe('write never throws', () => {
  it('ignores writes after close and answers queries with nothing', () => {
    const { store } = setup();
    store.close();
    expect(() => store.write(tickAt(T0, { instances: instancesOf('api', 1) }))).not.toThrow();
    expect(store.queryHost({ from: T0, to: T0 + 1000, stepMs: 1000 })).toEqual([]);
  });

  it('drops a tick it cannot write and warns at most once a minute', async () => {
    const { store, writeAt, warnings, file } = setup();
    const tick = { instances: instancesOf('api', 1) };
    await writeAt(T0, tick);
    const other = new Database(file);
    onTestFinished(() => {
      other.close();
    });
    other.exec('BEGIN IMMEDIATE'); // holds the write lock past the store's busy timeout

    await writeAt(T0 + 1000, tick);
    await writeAt(T0 + 2000, tick);
    other.exec('COMMIT');
    await writeAt(T0 + 3000, tick);
    other.exec('BEGIN IMMEDIATE');
    await writeAt(T0 + 61_000, tick);
    other.exec('COMMIT');

    const writeWarnings = warnings.filter((message) => message.includes('could not write'));
    expect(writeWarnings).toHaveLength(2);
    expect(writeWarnings[0]).toMatch(/database is locked.*1 tick\(s\) dropped/);
    expect(writeWarnings[1]).toMatch(/2 tick\(s\) dropped/);
    const stored = store.queryHost({ from: T0, to: T0 + 62_000, stepMs: 1000 });
    expect(stored.map((point) => point.at)).toEqual([T0, T0 + 3000]);
  });
});
