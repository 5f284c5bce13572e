/**
 * Writes ticks into one open database: the raw rows of every instance and of the host, and the
 * 1-minute and 1-hour rows of any bucket the tick completes, in one transaction with statements
 * prepared once. Series ids are cached in memory (process -> index -> id).
 *
 * The rollups change only after the transaction commits: inside it, a completed bucket is read
 * (not reset) and the tick's values are set aside; afterwards the bucket is reset and the values
 * added. A tick whose transaction rolls back thus leaves the rollups as they were. Before the
 * first tick, the rollups are rebuilt from the database (rollup-restore.ts).
 */
import type { Database, Statement } from 'better-sqlite3';
import type { MetricsTick } from '../types.js';
import { finiteOrNull, HOST_COLUMNS, INSTANCE_COLUMNS, storedColumnNames } from './columns.js';
import { Rollup, type BucketAccumulator } from './rollup.js';
import { RollupRestorer } from './rollup-restore.js';
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
  private readonly minute: RollupTarget;
  private readonly hour: RollupTarget;
  private readonly rollups: RollupTarget[];
  private readonly restorer: RollupRestorer;
  /** Whether the rollups hold what the database holds (rebuilt once, before the first tick). */
  private isRestored = false;
  private readonly instanceKeepsMax = INSTANCE_COLUMNS.map((column) => column.keepsMax);
  private readonly hostKeepsMax = HOST_COLUMNS.map((column) => column.keepsMax);
  /** Parameter arrays reused by every tick: [series, ts, ...values] and [ts, ...values]. */
  private readonly rawInstanceParams = paramsFor(2, storedColumnNames(INSTANCE_COLUMNS, false));
  private readonly rawHostParams = paramsFor(1, storedColumnNames(HOST_COLUMNS, false));
  private readonly rollupInstanceParams = paramsFor(2, storedColumnNames(INSTANCE_COLUMNS, true));
  private readonly rollupHostParams = paramsFor(1, storedColumnNames(HOST_COLUMNS, true));
  /** The written tick's instances, added to the rollups once it commits: ids and values. */
  private readonly pendingSeries: number[] = [];
  private readonly pendingValues: (number | null)[] = [];
  private pendingCount = 0;
  private readonly writeInTransaction: (tick: MetricsTick) => void;

  /** `rawResolutionMs`: the sampling interval (see RollupRestorer). */
  constructor(
    private readonly db: Database,
    rawResolutionMs: number,
  ) {
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
    this.minute = rollupTarget('1m', MINUTE_MS);
    this.hour = rollupTarget('1h', HOUR_MS);
    this.rollups = [this.minute, this.hour];
    this.restorer = new RollupRestorer(db, rawResolutionMs);
    this.writeInTransaction = db.transaction((tick: MetricsTick) => this.writeRows(tick));
    this.loadSeries();
  }

  /** Writes one tick in one transaction; throws SQLite's error (the caller decides). */
  write(tick: MetricsTick): void {
    if (!this.isRestored) {
      this.restorer.restore(this.minute.rollup, this.hour.rollup, tick.at);
      this.isRestored = true;
    }
    try {
      this.writeInTransaction(tick);
    } catch (error) {
      // A rolled-back transaction may have taken series ids the cache now holds.
      try {
        this.loadSeries();
      } catch {
        // the write's own error is the one to report (and to recover from when it is corruption)
      }
      throw error;
    }
    this.accumulate(tick.at);
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

  /** Inside the transaction: reads the rollups but leaves them alone (see accumulate). */
  private writeRows(tick: MetricsTick): void {
    const ts = tick.at;
    for (const target of this.rollups) this.flushCompleted(target, ts);
    const params = this.rawInstanceParams;
    const columns = INSTANCE_COLUMNS.length;
    params[1] = ts;
    this.pendingCount = 0;
    for (const sample of tick.instances) {
      const series = this.seriesId(sample.process, sample.index);
      params[0] = series;
      const pendingAt = this.pendingCount * columns;
      for (let i = 0; i < columns; i++) {
        const value = finiteOrNull(INSTANCE_COLUMNS[i]!.read(sample));
        params[2 + i] = value;
        this.pendingValues[pendingAt + i] = value;
      }
      this.insertRawInstance.run(params);
      this.pendingSeries[this.pendingCount++] = series;
    }
    const host = this.rawHostParams;
    host[0] = ts;
    for (let i = 0; i < HOST_COLUMNS.length; i++) {
      host[1 + i] = finiteOrNull(HOST_COLUMNS[i]!.read(tick));
    }
    this.insertRawHost.run(host);
  }

  /** When `ts` falls outside the bucket being filled, writes the completed bucket's rows. */
  private flushCompleted(target: RollupTarget, ts: number): void {
    const start = target.rollup.bucketStart;
    if (start !== null && start !== target.rollup.bucketOf(ts)) this.flush(target, start);
  }

  /** After the commit: moves on to the tick's buckets and adds its values to them. */
  private accumulate(ts: number): void {
    const columns = INSTANCE_COLUMNS.length;
    for (const { rollup } of this.rollups) {
      if (rollup.bucketStart !== rollup.bucketOf(ts)) rollup.beginBucket(ts);
      for (let n = 0; n < this.pendingCount; n++) {
        rollup.forSeries(this.pendingSeries[n]!).add(this.pendingValues, n * columns);
      }
      rollup.host.add(this.rawHostParams, 1);
    }
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
