/**
 * The SQLite metrics store (better-sqlite3, synchronous). Every tick is one transaction: raw rows
 * plus the 1-minute and 1-hour rows of buckets the tick completes (see rollup.ts). The buckets
 * still filling are not written at close: the next open rebuilds them from the stored rows before
 * its first tick (rollup-restore.ts). Once a minute, after a write, rows past their tier's
 * retention are deleted and the size limit is enforced.
 *
 * write() never throws: metrics are not worth refusing to supervise. A corrupt database is moved
 * aside and the tick retried once on a fresh one; any other failure drops the tick and warns (at
 * most once a minute). Queries recover from corruption the same way and then answer [].
 */
import type { Database } from 'better-sqlite3';
import { DaemonError, formatSize, systemClock, type Clock } from '../../../shared/index.js';
import type { HostPoint, InstancePoint, MetricsStore, MetricsTick, RangeQuery } from '../types.js';
import { Housekeeping, type TrimResult } from './housekeeping.js';
import {
  isCorruption,
  moveAsideCause,
  openMetricsDatabase,
  replaceBadFile,
} from './open-database.js';
import { RangeReader } from './range-reader.js';
import { TickWriter } from './tick-writer.js';
import { finestTierCovering, pickTier, planTiers, type Tier, type TierName } from './tiers.js';

export interface MetricsStoreOptions {
  /** The database file (its directory is created), or ':memory:' (metrics.store: memory). */
  file: string;
  /** metrics.retention: how long the 1-hour tier keeps data (the finer tiers keep less). */
  retentionMs: number;
  /** metrics.max_size: bytes of pages in use plus the WAL. */
  maxSizeBytes: number;
  /** The sampling interval, i.e. the raw tier's resolution. Default 1000. */
  rawResolutionMs?: number;
  clock?: Clock;
  /** Moved-aside files, size trims and dropped ticks; the messages carry no secrets. */
  onWarning?: (message: string) => void;
}

const HOUSEKEEPING_EVERY_MS = 60_000;
const WRITE_WARNING_EVERY_MS = 60_000;
const TIER_LABELS: Record<TierName, string> = {
  raw: 'raw samples',
  '1m': '1-minute rollups',
  '1h': '1-hour rollups',
};

/** Everything bound to one open database; replaced as a whole when the file is moved aside. */
interface Session {
  db: Database;
  writer: TickWriter;
  reader: RangeReader;
  housekeeping: Housekeeping;
}

function sessionBuilder(rawResolutionMs: number): (db: Database) => Session {
  return (db) => ({
    db,
    writer: new TickWriter(db, rawResolutionMs),
    reader: new RangeReader(db),
    housekeeping: new Housekeeping(db),
  });
}

function validateRange(range: RangeQuery): void {
  if (!Number.isSafeInteger(range.stepMs) || range.stepMs <= 0) {
    throw new DaemonError(
      'invalid_argument',
      `step must be a positive whole number of ms, got ${range.stepMs}`,
    );
  }
  if (!Number.isFinite(range.from) || !Number.isFinite(range.to) || range.from > range.to) {
    throw new DaemonError(
      'invalid_argument',
      `range from ${range.from} to ${range.to} is not a time range`,
    );
  }
}

function describeTrim(trimmed: TrimResult): string {
  return (Object.entries(trimmed) as [TierName, number][])
    .map(([tier, before]) => `${TIER_LABELS[tier]} before ${new Date(before).toISOString()}`)
    .join(', ');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)}MiB`;
}

export class SqliteMetricsStore implements MetricsStore {
  private session: Session | null;
  private readonly tiers: readonly Tier[];
  private readonly buildSession: (db: Database) => Session;
  private readonly clock: Clock;
  private readonly warn: (message: string) => void;
  private lastHousekeepingAt = -Infinity;
  private lastWriteWarningAt = -Infinity;
  private droppedTicks = 0;

  constructor(private readonly options: MetricsStoreOptions) {
    this.clock = options.clock ?? systemClock;
    this.warn = options.onWarning ?? (() => {});
    const rawResolutionMs = options.rawResolutionMs ?? 1000;
    this.tiers = planTiers(options.retentionMs, rawResolutionMs);
    this.buildSession = sessionBuilder(rawResolutionMs);
    this.session = openMetricsDatabase(
      options.file,
      this.buildSession,
      () => this.clock.now(),
      this.warn,
    );
  }

  write(tick: MetricsTick): void {
    if (this.session === null) return;
    try {
      this.writeOrRecover(tick);
    } catch (error) {
      this.warnDroppedTick(error);
    }
    this.housekeepAtMostOnceAMinute();
  }

  queryInstances(process: string, range: RangeQuery, index?: number): InstancePoint[] {
    validateRange(range);
    const tier = pickTier(this.tiers, range, this.clock.now());
    return this.read((session) => session.reader.instances(tier.name, process, range, index));
  }

  queryHost(range: RangeQuery): HostPoint[] {
    validateRange(range);
    const tier = pickTier(this.tiers, range, this.clock.now());
    return this.read((session) => session.reader.host(tier.name, range));
  }

  resolutionFor(from: number, now: number): number {
    return finestTierCovering(this.tiers, from, now).resolutionMs;
  }

  /** Bytes the database uses now (pages in use plus the WAL); 0 once closed. */
  usedBytes(): number {
    return this.session?.housekeeping.usedBytes() ?? 0;
  }

  /**
   * Closes the database. The minute and hour still filling are not written: the next open
   * rebuilds them from their stored raw rows (rollup-restore.ts), so nothing is lost.
   */
  close(): void {
    const session = this.session;
    this.session = null;
    session?.db.close();
  }

  private writeOrRecover(tick: MetricsTick): void {
    try {
      this.session!.writer.write(tick);
    } catch (error) {
      if (!isCorruption(error)) throw error;
      this.recover(error);
      this.session?.writer.write(tick);
    }
  }

  private read<T>(query: (session: Session) => T[]): T[] {
    if (this.session === null) return [];
    try {
      return query(this.session);
    } catch (error) {
      if (!isCorruption(error)) {
        throw new DaemonError('internal', `metrics query failed: ${messageOf(error)}`, {
          cause: error,
        });
      }
      this.recover(error);
      return [];
    }
  }

  /**
   * Replaces the corrupt database by a fresh one (in memory when the file cannot be replaced);
   * the buckets still filling stay with the moved file, and the fresh one's rollups start empty.
   * Should even that fail, the store stops storing.
   */
  private recover(error: unknown): void {
    try {
      this.session?.db.close();
    } catch {
      // A corrupt database may refuse a clean close; it is moved aside either way.
    }
    this.session = null;
    try {
      this.session = replaceBadFile(
        this.options.file,
        moveAsideCause(error) ?? 'corrupt',
        error,
        this.buildSession,
        () => this.clock.now(),
        this.warn,
      );
    } catch (openError) {
      this.warn(
        `metrics database ${this.options.file} is no longer stored: ${messageOf(openError)}`,
      );
    }
  }

  private housekeepAtMostOnceAMinute(): void {
    const now = this.clock.now();
    // A clock set back runs housekeeping at once instead of waiting for it to catch up.
    if (now >= this.lastHousekeepingAt && now - this.lastHousekeepingAt < HOUSEKEEPING_EVERY_MS) {
      return;
    }
    this.lastHousekeepingAt = now;
    const session = this.session;
    if (session === null) return;
    try {
      session.housekeeping.prune(this.tiers, now);
      const usedBefore = session.housekeeping.usedBytes();
      const trimmed = session.housekeeping.trimToSize(this.tiers, this.options.maxSizeBytes);
      if (Object.keys(trimmed).length > 0) {
        this.warn(
          `metrics database ${this.options.file} used ${mebibytes(usedBefore)}, over its limit of ${formatSize(this.options.maxSizeBytes)} (metrics.max_size): deleted ${describeTrim(trimmed)}`,
        );
      }
    } catch (error) {
      if (isCorruption(error)) this.recover(error);
      else this.warn(`metrics database housekeeping failed: ${messageOf(error)}`);
    }
  }

  private warnDroppedTick(error: unknown): void {
    this.droppedTicks++;
    const now = this.clock.now();
    if (now >= this.lastWriteWarningAt && now - this.lastWriteWarningAt < WRITE_WARNING_EVERY_MS) {
      return;
    }
    this.lastWriteWarningAt = now;
    this.warn(
      `metrics database ${this.options.file}: could not write a tick (${messageOf(error)}); ${this.droppedTicks} tick(s) dropped since the last warning`,
    );
    this.droppedTicks = 0;
  }
}

/** Opens (or creates) the store; never throws for a bad file (see open-database.ts). */
export function openMetricsStore(options: MetricsStoreOptions): SqliteMetricsStore {
  return new SqliteMetricsStore(options);
}
