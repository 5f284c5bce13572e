/**
 * Rebuilding the in-memory rollups from the database, once before a writer's first tick: after a
 * daemon restart, the minute and hour the last stored tick fell into get back the sums, counts
 * and maxima they had, so their rows come out as if the daemon had not stopped (and a bucket the
 * restart left behind is still written, by the first tick after it). A fresh database (after a
 * recovery) has nothing to rebuild.
 *
 * The source is the raw tier: it keeps an hour, so it holds every tick of the current hour, and
 * it counts ticks and non-null values exactly. The 1-minute rows cannot stand in for it (they
 * keep averages, not counts), except for minutes whose raw rows a size trim (or a retention
 * under an hour) deleted: those are weighted as full minutes at the sampling interval.
 */
import type { Database, Statement } from 'better-sqlite3';
import { HOST_COLUMNS, INSTANCE_COLUMNS, type Column } from './columns.js';
import type { Rollup } from './rollup.js';
import { hostTable, instanceTable } from './schema.js';
import { MINUTE_MS, type TierName } from './tiers.js';

type AggregateRow = (number | null)[];

interface TierAggregates {
  /** Per series: [series, ticks, then sum, count, max per column] over a time range. */
  instances: Statement<unknown[], AggregateRow>;
  /** One row of [ticks, then sum, count, max per column] (ticks 0 when the range is empty). */
  host: Statement<unknown[], AggregateRow>;
}

/**
 * The aggregates BucketAccumulator.merge takes, per column. A 1-minute row stands for `@weight`
 * ticks: its average counts that many times, and its maximum is the column's `_max` when kept.
 */
function aggregatesSql<S>(columns: readonly Column<S>[], fromRollup: boolean): string {
  const weight = fromRollup ? ' * @weight' : '';
  const parts = [`COUNT(*)${weight}`];
  for (const { name, keepsMax } of columns) {
    const maximum = fromRollup && keepsMax ? `${name}_max` : name;
    parts.push(`SUM(${name})${weight}`, `COUNT(${name})${weight}`, `MAX(${maximum})`);
  }
  return parts.join(', ');
}

function prepareAggregates(db: Database, tier: TierName): TierAggregates {
  const fromRollup = tier !== 'raw';
  const range = 'WHERE ts >= @from AND ts < @to';
  const instances = `SELECT series, ${aggregatesSql(INSTANCE_COLUMNS, fromRollup)} FROM ${instanceTable(tier)} ${range} GROUP BY series`;
  const host = `SELECT ${aggregatesSql(HOST_COLUMNS, fromRollup)} FROM ${hostTable(tier)} ${range}`;
  return {
    instances: db.prepare<unknown[], AggregateRow>(instances).raw(),
    host: db.prepare<unknown[], AggregateRow>(host).raw(),
  };
}

export class RollupRestorer {
  private readonly raw: TierAggregates;
  private readonly minuteRows: TierAggregates;
  private readonly lastTickBefore: Statement<[number], number | null>;
  private readonly oldestTick: Statement<[], number | null>;

  /** `rawResolutionMs`: the sampling interval, which says how many ticks a full minute holds. */
  constructor(
    db: Database,
    private readonly rawResolutionMs: number,
  ) {
    this.raw = prepareAggregates(db, 'raw');
    this.minuteRows = prepareAggregates(db, '1m');
    // Every tick writes one host row, so the host table says when ticks were stored.
    const raw = hostTable('raw');
    this.lastTickBefore = db
      .prepare<[number], number | null>(`SELECT MAX(ts) FROM ${raw} WHERE ts < ?`)
      .pluck();
    this.oldestTick = db.prepare<[], number | null>(`SELECT MIN(ts) FROM ${raw}`).pluck();
  }

  /**
   * Refills `minute` and `hour` with what the stored ticks before `before` (the first new
   * tick's time) put into the buckets of the last of them. Rows at or after `before` (from a
   * clock that was ahead) are left out, as they were never part of this run's buckets.
   */
  restore(minute: Rollup, hour: Rollup, before: number): void {
    const last = this.lastTickBefore.get(before) ?? null;
    minute.beginBucket(last);
    hour.beginBucket(last);
    if (last === null) return;
    const minuteStart = minute.bucketStart!;
    const hourStart = hour.bucketStart!;
    this.mergeInto(minute, this.raw, { from: minuteStart, to: before });
    this.mergeInto(hour, this.raw, { from: hourStart, to: before });
    // Minutes of the hour that end at or before the oldest raw row have lost their raw rows.
    const oldest = this.oldestTick.get() ?? before;
    const trimmedUntil = Math.min(minuteStart, oldest - MINUTE_MS + 1);
    if (trimmedUntil > hourStart) {
      const weight = Math.max(1, Math.round(MINUTE_MS / this.rawResolutionMs));
      this.mergeInto(hour, this.minuteRows, { from: hourStart, to: trimmedUntil, weight });
    }
  }

  private mergeInto(rollup: Rollup, aggregates: TierAggregates, params: object): void {
    for (const row of aggregates.instances.iterate(params)) {
      rollup.forSeries(row[0]!).merge(row, 1);
    }
    const host = aggregates.host.get(params);
    if (host !== undefined) rollup.host.merge(host, 0);
  }
}
