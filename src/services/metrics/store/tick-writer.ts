/**
 * Writes ticks into one open database: the raw rows of every instance and of the host, and the
 * 1-minute and 1-hour rows of any bucket the tick completes, in one transaction with statements
 * prepared once. Series ids are cached in memory (process -> index -> id).
 */
import type { Database, Statement } from 'better-sqlite3';
import type { MetricsTick } from '../types.js';
import { finiteOrNull, HOST_COLUMNS, INSTANCE_COLUMNS, storedColumnNames } from './columns.js';
import { Rollup, type BucketAccumulator } from './rollup.js';
import { hostTable, instanceTable } from './schema.js';
import { HOUR_MS, MINUTE_MS, type TierName } from './tiers.js';

type Params = (number | null)[];

function insertSql(table: string, keys: string[], values: string[]): string {
  const columns = [...keys, ...values];
  return `INSERT OR REPLACE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
}

function paramsFor(keys: number, values: string[]): Params {
  return new Array<number | null>(keys + values.length).fill(null);
}

interface RollupTarget {
  rollup: Rollup;
  insertInstance: Statement<[Params]>;
  insertHost: Statement<[Params]>;
}

export class TickWriter {
  private readonly seriesIds = new Map<string, number[]>();
  private readonly insertSeries: Statement<[string, number]>;
  private readonly insertRawInstance: Statement<[Params]>;
  private readonly insertRawHost: Statement<[Params]>;
  private readonly rollups: RollupTarget[];
  private readonly instanceKeepsMax = INSTANCE_COLUMNS.map((column) => column.keepsMax);
  private readonly hostKeepsMax = HOST_COLUMNS.map((column) => column.keepsMax);
  /** Parameter arrays reused by every tick: [series, ts, ...values] and [ts, ...values]. */
  private readonly rawInstanceParams = paramsFor(2, storedColumnNames(INSTANCE_COLUMNS, false));
  private readonly rawHostParams = paramsFor(1, storedColumnNames(HOST_COLUMNS, false));
  private readonly rollupInstanceParams = paramsFor(2, storedColumnNames(INSTANCE_COLUMNS, true));
  private readonly rollupHostParams = paramsFor(1, storedColumnNames(HOST_COLUMNS, true));
  private readonly writeInTransaction: (tick: MetricsTick) => void;

  constructor(private readonly db: Database) {
    this.insertSeries = db.prepare('INSERT INTO series (process, idx) VALUES (?, ?)');
    const rawInstance = storedColumnNames(INSTANCE_COLUMNS, false);
    const rawHost = storedColumnNames(HOST_COLUMNS, false);
    this.insertRawInstance = db.prepare<[Params]>(
      insertSql(instanceTable('raw'), ['series', 'ts'], rawInstance),
    );
    this.insertRawHost = db.prepare<[Params]>(insertSql(hostTable('raw'), ['ts'], rawHost));
    const rollupTarget = (tier: TierName, bucketMs: number): RollupTarget => ({
      rollup: new Rollup(bucketMs, INSTANCE_COLUMNS.length, HOST_COLUMNS.length),
      insertInstance: db.prepare<[Params]>(
        insertSql(instanceTable(tier), ['series', 'ts'], storedColumnNames(INSTANCE_COLUMNS, true)),
      ),
      insertHost: db.prepare<[Params]>(
        insertSql(hostTable(tier), ['ts'], storedColumnNames(HOST_COLUMNS, true)),
      ),
    });
    this.rollups = [rollupTarget('1m', MINUTE_MS), rollupTarget('1h', HOUR_MS)];
    this.writeInTransaction = db.transaction((tick: MetricsTick) => this.writeRows(tick));
    this.loadSeries();
  }

  /** Writes one tick in one transaction; throws SQLite's error (the caller decides). */
  write(tick: MetricsTick): void {
    try {
      this.writeInTransaction(tick);
    } catch (error) {
      // A rolled-back transaction may have taken series ids the cache now holds.
      this.loadSeries();
      throw error;
    }
  }

  private loadSeries(): void {
    this.seriesIds.clear();
    const rows = this.db.prepare('SELECT id, process, idx FROM series').all() as {
      id: number;
      process: string;
      idx: number;
    }[];
    for (const row of rows) this.remember(row.process, row.idx, row.id);
  }

  private remember(process: string, index: number, id: number): void {
    let ids = this.seriesIds.get(process);
    if (ids === undefined) {
      ids = [];
      this.seriesIds.set(process, ids);
    }
    ids[index] = id;
  }

  private seriesId(process: string, index: number): number {
    const known = this.seriesIds.get(process)?.[index];
    if (known !== undefined) return known;
    const id = Number(this.insertSeries.run(process, index).lastInsertRowid);
    this.remember(process, index, id);
    return id;
  }

  private writeRows(tick: MetricsTick): void {
    const ts = tick.at;
    for (const target of this.rollups) this.startBucket(target, ts);
    const params = this.rawInstanceParams;
    params[1] = ts;
    for (const sample of tick.instances) {
      const series = this.seriesId(sample.process, sample.index);
      params[0] = series;
      for (let i = 0; i < INSTANCE_COLUMNS.length; i++) {
        params[2 + i] = finiteOrNull(INSTANCE_COLUMNS[i]!.read(sample));
      }
      this.insertRawInstance.run(params);
      for (const target of this.rollups) target.rollup.forSeries(series).add(params, 2);
    }
    const host = this.rawHostParams;
    host[0] = ts;
    for (let i = 0; i < HOST_COLUMNS.length; i++) {
      host[1 + i] = finiteOrNull(HOST_COLUMNS[i]!.read(tick));
    }
    this.insertRawHost.run(host);
    for (const target of this.rollups) target.rollup.host.add(host, 1);
  }

  /** When `ts` falls outside the bucket being filled, writes the completed bucket first. */
  private startBucket(target: RollupTarget, ts: number): void {
    const { rollup } = target;
    const bucket = rollup.bucketOf(ts);
    if (rollup.bucketStart !== null && rollup.bucketStart !== bucket) {
      this.flush(target, rollup.bucketStart);
      rollup.reset();
    }
    rollup.bucketStart = bucket;
  }

  private flush(target: RollupTarget, bucketStart: number): void {
    const params = this.rollupInstanceParams;
    params[1] = bucketStart;
    for (const [series, accumulator] of target.rollup.filledSeries()) {
      params[0] = series;
      accumulator.fillRow(params, 2, this.instanceKeepsMax);
      target.insertInstance.run(params);
    }
    if (target.rollup.host.ticks > 0) this.flushHost(target, target.rollup.host, bucketStart);
  }

  private flushHost(target: RollupTarget, host: BucketAccumulator, bucketStart: number): void {
    const params = this.rollupHostParams;
    params[0] = bucketStart;
    host.fillRow(params, 1, this.hostKeepsMax);
    target.insertHost.run(params);
  }
}
