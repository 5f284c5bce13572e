/**
 * Keeping the database within its retention and its size limit. Every table is keyed by time
 * first, so a delete of what is older than a cutoff is one range of the primary key.
 */
import { statSync } from 'node:fs';
import type { Database, Statement } from 'better-sqlite3';
import { hostTable, instanceTable } from './schema.js';
import type { Tier, TierName } from './tiers.js';

interface TierStatements {
  deleteInstance: Statement<[number]>;
  deleteHost: Statement<[number]>;
  oldestInstance: Statement<[], number | null>;
  newestInstance: Statement<[], number | null>;
  oldestHost: Statement<[], number | null>;
  newestHost: Statement<[], number | null>;
}

/** What one size trim deleted: per tier, the time before which rows are gone. */
export type TrimResult = Partial<Record<TierName, number>>;

/** Trimming deletes a tier's oldest quarter at a time, so it overshoots the limit by little. */
const TRIM_FRACTION = 4;

export class Housekeeping {
  private readonly statements: Record<TierName, TierStatements>;
  /** The WAL's path; null for an in-memory database. */
  private readonly walFile: string | null;

  constructor(private readonly db: Database) {
    this.walFile = db.memory ? null : `${db.name}-wal`;
    const prepareTier = (tier: TierName): TierStatements => {
      const instance = instanceTable(tier);
      const host = hostTable(tier);
      const scalar = <P extends unknown[]>(sql: string) =>
        db.prepare<P, number | null>(sql).pluck();
      return {
        deleteInstance: db.prepare(`DELETE FROM ${instance} WHERE ts < ?`),
        deleteHost: db.prepare(`DELETE FROM ${host} WHERE ts < ?`),
        oldestInstance: scalar<[]>(`SELECT MIN(ts) FROM ${instance}`),
        newestInstance: scalar<[]>(`SELECT MAX(ts) FROM ${instance}`),
        oldestHost: scalar<[]>(`SELECT MIN(ts) FROM ${host}`),
        newestHost: scalar<[]>(`SELECT MAX(ts) FROM ${host}`),
      };
    };
    this.statements = { raw: prepareTier('raw'), '1m': prepareTier('1m'), '1h': prepareTier('1h') };
  }

  /** Deletes every row older than its tier's retention (relative to `now`). */
  prune(tiers: readonly Tier[], now: number): void {
    this.db.transaction(() => {
      for (const tier of tiers) this.deleteBefore(tier.name, now - tier.retentionMs);
    })();
  }

  /**
   * Bytes the database needs: its pages minus the free ones, plus the WAL file. Free pages are
   * reused by new rows, so they do not count against the limit.
   */
  usedBytes(): number {
    return this.pagesInUseBytes() + this.walBytes();
  }

  private pagesInUseBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  private walBytes(): number {
    if (this.walFile === null) return 0;
    return statSync(this.walFile, { throwIfNoEntry: false })?.size ?? 0;
  }

  /**
   * When over `maxBytes`: empties the WAL into the database first (it only shrinks that way),
   * then deletes the oldest part of the raw tier, then of 1 min, then of 1 h, until the pages in
   * use fit, and gives the freed pages back to the file system. The loop leaves the WAL out: the
   * deletes themselves grow it, and the final checkpoint empties it again. Returns what was
   * deleted (empty when nothing had to be).
   */
  trimToSize(tiers: readonly Tier[], maxBytes: number): TrimResult {
    const trimmed: TrimResult = {};
    if (this.usedBytes() <= maxBytes) return trimmed;
    this.checkpoint();
    for (const tier of tiers) {
      while (this.pagesInUseBytes() > maxBytes) {
        const cutoff = this.oldestPartCutoff(tier);
        if (cutoff === null) break;
        this.db.transaction(() => this.deleteBefore(tier.name, cutoff))();
        trimmed[tier.name] = cutoff;
      }
    }
    this.db.pragma('incremental_vacuum');
    this.checkpoint();
    return trimmed;
  }

  private checkpoint(): void {
    if (this.walFile !== null) this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** The time before which the tier's oldest quarter lies (at least one resolution step). */
  private oldestPartCutoff(tier: Tier): number | null {
    const statements = this.statements[tier.name];
    const oldest = Math.min(
      statements.oldestHost.get() ?? Infinity,
      statements.oldestInstance.get() ?? Infinity,
    );
    const newest = Math.max(
      statements.newestHost.get() ?? -Infinity,
      statements.newestInstance.get() ?? -Infinity,
    );
    if (oldest === Infinity) return null;
    const span = newest - oldest + tier.resolutionMs;
    return oldest + Math.max(tier.resolutionMs, Math.ceil(span / TRIM_FRACTION));
  }

  private deleteBefore(tier: TierName, cutoff: number): void {
    const statements = this.statements[tier];
    statements.deleteInstance.run(cutoff);
    statements.deleteHost.run(cutoff);
  }
}
