import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  storedRows,
  tickAt,
  type InstanceValues,
  type TickValues,
} from '../../../../test/helpers/store-ticks.js';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { FakeClock } from '../../../shared/index.js';
import { openMetricsStore, type SqliteMetricsStore } from './metrics-store.js';

const H10 = Date.UTC(2026, 0, 1, 10);
const MINUTE = 60_000;
const HOUR = 3_600_000;

function setup(rawResolutionMs?: number) {
  const clock = new FakeClock(H10);
  const file = join(tempDir('metrics-continuity-'), 'metrics.db');
  const warnings: string[] = [];
  const open = (): SqliteMetricsStore => {
    const store = openMetricsStore({
      file,
      retentionMs: 7 * 24 * HOUR,
      maxSizeBytes: 1024 ** 3,
      clock,
      onWarning: (message) => warnings.push(message),
      ...(rawResolutionMs === undefined ? {} : { rawResolutionMs }),
    });
    onTestFinished(() => store.close());
    return store;
  };
  const writeAt = async (store: SqliteMetricsStore, at: number, values: TickValues) => {
    await clock.advance(at - clock.now());
    store.write(tickAt(at, values));
  };
  return { file, warnings, open, writeAt };
}

/**
 * The i-th tick: api-0 throughout, with null CPU every 10th tick and null handles every 3rd;
 * api-1 only in the first 30 minutes; a host CPU that is sometimes null. Every figure is a
 * multiple of 0.25, so sums are exact whatever order they are added in (the restore sums with
 * SQLite's SUM, which compensates rounding errors: in general the two agree to rounding only).
 */
function tickValues(i: number): TickValues {
  const instances: InstanceValues[] = [
    {
      process: 'api',
      index: 0,
      cpuPercent: i % 10 === 0 ? null : (i % 8) * 0.5,
      rssBytes: 1_000_000 + (i % 13) * 1024,
      handles: i % 3 === 0 ? null : i,
    },
  ];
  if (i < 120) {
    instances.push({ process: 'api', index: 1, cpuPercent: 2 + (i % 4), rssBytes: 5000 + i });
  }
  return {
    instances,
    host: { cpuPercent: i % 6 === 0 ? null : i % 9, memoryUsedBytes: 1000 + i },
    daemon: { cpuPercent: 0.5, eventLoopLagMs: 0.25 },
  };
}

/** Every 15 s from 10:00:00 to 11:00:30. */
const EVERY_15S = Array.from({ length: 243 }, (_, i) => H10 + i * 15_000);

interface RunOptions {
  /** Close and reopen the store after the ticks of these indexes. */
  restartsAfter?: number[];
  values?: (i: number) => TickValues;
  rawResolutionMs?: number;
  /** Called with the file while the store is closed. */
  whileStopped?: (file: string) => void;
}

/** Writes a tick at each of `times`, and returns the rollup rows it left. */
async function run(times: number[], options: RunOptions = {}) {
  const { restartsAfter = [], values = tickValues } = options;
  const { file, warnings, open, writeAt } = setup(options.rawResolutionMs);
  let store = open();
  for (const [i, at] of times.entries()) {
    await writeAt(store, at, values(i));
    if (restartsAfter.includes(i)) {
      store.close();
      options.whileStopped?.(file);
      store = open();
    }
  }
  expect(warnings).toEqual([]);
  const rollups = Object.fromEntries(
    ['instance_1m', 'host_1m', 'instance_1h', 'host_1h'].map((table) => [
      table,
      storedRows(
        file,
        `SELECT * FROM ${table} ORDER BY ${table.startsWith('instance') ? 'ts, series' : 'ts'}`,
      ),
    ]),
  );
  return { file, rollups };
}

describe('rollups across a restart', () => {
  it('writes the hour and minute a restart split as an uninterrupted run does', async () => {
    const uninterrupted = await run(EVERY_15S);
    // 10:59:30 is tick 238: the restart splits minute 10:59 and hour 10.
    const restarted = await run(EVERY_15S, { restartsAfter: [238] });
    expect(restarted.rollups).toEqual(uninterrupted.rollups);

    const hour10 = storedRows(
      restarted.file,
      `SELECT series, cpu, cpu_max, rss_max, handles FROM instance_1h WHERE ts = ${H10} ORDER BY series`,
    );
    // api-0: ticks 0..239, CPU (i % 8) / 2 except every 10th: 384 over 216 values.
    expect(hour10).toEqual([
      { series: 1, cpu: 384 / 216, cpu_max: 3.5, rss_max: 1_000_000 + 12 * 1024, handles: 120 },
      { series: 2, cpu: 3.5, cpu_max: 5, rss_max: 5119, handles: 12 },
    ]);
    const minute1059 = storedRows(
      restarted.file,
      `SELECT cpu, cpu_max FROM instance_1m WHERE ts = ${H10 + 59 * MINUTE} AND series = 1`,
    );
    // Ticks 236..239, two of them before the restart: CPU 2, 2.5, 3 and 3.5.
    expect(minute1059).toEqual([{ cpu: 2.75, cpu_max: 3.5 }]);
    const hostHour = storedRows(restarted.file, `SELECT ts, mem_used, mem_used_max FROM host_1h`);
    expect(hostHour).toEqual([{ ts: H10, mem_used: 1000 + 239 / 2, mem_used_max: 1239 }]);
  });

  it('still writes the minute and hour the last tick before a restart fell into', async () => {
    const uninterrupted = await run(EVERY_15S);
    // The first tick after the restart (11:00:00) completes minute 10:59 and hour 10.
    expect((await run(EVERY_15S, { restartsAfter: [239] })).rollups).toEqual(uninterrupted.rollups);
    // Restarts every few ticks, some within a minute, change nothing either.
    const often = Array.from({ length: 30 }, (_, n) => n * 8 + 3);
    expect((await run(EVERY_15S, { restartsAfter: often })).rollups).toEqual(uninterrupted.rollups);
  });

  it('writes the minute left unfinished by a daemon stopped for a quarter of an hour', async () => {
    // Ticks until 10:30:15, then from 10:45:10: minute 10:30 gets its row at 10:45:10.
    const before = EVERY_15S.filter((at) => at <= H10 + 30 * MINUTE + 15_000);
    const after = Array.from({ length: 70 }, (_, n) => H10 + 45 * MINUTE + 10_000 + n * 15_000);
    const times = [...before, ...after];
    const uninterrupted = await run(times);
    const restarted = await run(times, { restartsAfter: [before.length - 1] });
    expect(restarted.rollups).toEqual(uninterrupted.rollups);
    const minutes = storedRows(restarted.file, 'SELECT ts FROM host_1m ORDER BY ts').map(
      (row) => (row as { ts: number }).ts,
    );
    expect(minutes).toContain(H10 + 30 * MINUTE);
  });

  it('uses the minute rows of the hour whose raw rows a size trim deleted', async () => {
    // No nulls, and a sampling interval of 15 s: each minute row stands for its 4 ticks exactly.
    const steady = (i: number): TickValues => ({
      instances: [{ process: 'api', index: 0, cpuPercent: (i % 8) * 0.5, rssBytes: 1000 + i }],
      host: { cpuPercent: i % 9, memoryUsedBytes: 1000 + i },
      daemon: { cpuPercent: 0.5, eventLoopLagMs: 0.25 },
    });
    const trimRawBefore = (file: string) => {
      const db = new Database(file);
      try {
        const cutoff = H10 + 20 * MINUTE;
        db.exec(
          `DELETE FROM instance_raw WHERE ts < ${cutoff}; DELETE FROM host_raw WHERE ts < ${cutoff};`,
        );
      } finally {
        db.close();
      }
    };
    const common = { values: steady, rawResolutionMs: 15_000 };
    const uninterrupted = await run(EVERY_15S, common);
    const trimmed = await run(EVERY_15S, {
      ...common,
      restartsAfter: [238],
      whileStopped: trimRawBefore,
    });
    expect(trimmed.rollups).toEqual(uninterrupted.rollups);
  });
});

describe('a tick whose transaction rolls back', () => {
  /** Makes every host_raw insert fail (it comes after the tick's instance rows), from outside. */
  function failHostInserts(file: string, fail: boolean) {
    const other = new Database(file);
    try {
      other.exec(
        fail
          ? "CREATE TRIGGER fail_tick BEFORE INSERT ON host_raw BEGIN SELECT RAISE(ABORT, 'forced failure'); END;"
          : 'DROP TRIGGER fail_tick;',
      );
    } finally {
      other.close();
    }
  }

  const api = (cpuPercent: number) => ({
    instances: [{ process: 'api', index: 0, cpuPercent, rssBytes: cpuPercent * 10 }],
  });

  it('adds nothing to the minute and hour being filled', async () => {
    const { file, warnings, open, writeAt } = setup();
    const store = open();
    await writeAt(store, H10, api(10));
    failHostInserts(file, true);
    await writeAt(store, H10 + 20_000, api(1000));
    failHostInserts(file, false);
    await writeAt(store, H10 + 40_000, api(30));
    await writeAt(store, H10 + HOUR, api(1)); // completes minute 10:00 and hour 10

    expect(warnings).toEqual([expect.stringMatching(/could not write a tick \(forced failure\)/)]);
    const sql = (table: string) => `SELECT ts, cpu, cpu_max, rss_max FROM ${table} ORDER BY ts`;
    const row = { ts: H10, cpu: 20, cpu_max: 30, rss_max: 300 };
    expect(storedRows(file, sql('instance_1m'))).toEqual([row]);
    expect(storedRows(file, sql('instance_1h'))).toEqual([row]);
  });

  it('keeps the completed minute it failed to write, for the next tick to write', async () => {
    const { file, open, writeAt } = setup();
    const store = open();
    await writeAt(store, H10, api(10));
    await writeAt(store, H10 + 30_000, api(20));
    failHostInserts(file, true);
    await writeAt(store, H10 + MINUTE, api(1000)); // would complete minute 10:00; rolled back
    failHostInserts(file, false);
    await writeAt(store, H10 + MINUTE + 1000, api(40));
    await writeAt(store, H10 + 2 * MINUTE, api(1));

    expect(storedRows(file, 'SELECT ts, cpu, cpu_max FROM instance_1m ORDER BY ts')).toEqual([
      { ts: H10, cpu: 15, cpu_max: 20 },
      { ts: H10 + MINUTE, cpu: 40, cpu_max: 40 },
    ]);
  });
});
