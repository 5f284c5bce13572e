/**
 * Range queries over one tier: rows bucketed by floor(ts / step) * step, averages averaged and
 * maxima maximised (SQL AVG and MAX skip NULLs, and give NULL when every value is NULL). The
 * statements are prepared once per tier.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { HostPoint, InstancePoint, RangeQuery } from '../types.js';
import { HOST_COLUMNS, INSTANCE_COLUMNS, type Column } from './columns.js';
import { hostTable, instanceTable } from './schema.js';
import type { TierName } from './tiers.js';

type Row = Record<string, number | null>;

interface RangeParams {
  step: number;
  from: number;
  to: number;
}

interface TierStatements {
  processSeries: Statement<[RangeParams & { process: string }], Row>;
  oneSeries: Statement<[RangeParams & { process: string; index: number }], Row>;
  host: Statement<[RangeParams], Row>;
}

function aggregates<S>(columns: readonly Column<S>[], isRollup: boolean): string {
  return columns
    .flatMap((column) => {
      const average = `AVG(t.${column.name}) AS ${column.name}`;
      if (!column.keepsMax) return [average];
      const source = isRollup ? `${column.name}_max` : column.name;
      return [average, `MAX(t.${source}) AS ${column.name}_max`];
    })
    .join(', ');
}

// ts % step is integer arithmetic (SQLite casts both operands), so the bucket is an integer.
const BUCKET = 't.ts - t.ts % @step';

function instanceSql(tier: TierName, oneIndex: boolean): string {
  return [
    `SELECT ${BUCKET} AS at, s.idx AS idx, ${aggregates(INSTANCE_COLUMNS, tier !== 'raw')}`,
    // Time range first (the primary key's prefix), then each row's series by its id.
    `FROM ${instanceTable(tier)} t CROSS JOIN series s ON s.id = t.series`,
    `WHERE s.process = @process${oneIndex ? ' AND s.idx = @index' : ''}`,
    'AND t.ts >= @from AND t.ts < @to',
    'GROUP BY at, idx ORDER BY at, idx',
  ].join(' ');
}

function hostSql(tier: TierName): string {
  return [
    `SELECT ${BUCKET} AS at, ${aggregates(HOST_COLUMNS, tier !== 'raw')}`,
    `FROM ${hostTable(tier)} t WHERE t.ts >= @from AND t.ts < @to`,
    'GROUP BY at ORDER BY at',
  ].join(' ');
}

function toInstancePoint(row: Row): InstancePoint {
  return {
    at: row['at']!,
    index: row['idx']!,
    cpuPercent: row['cpu'] ?? null,
    cpuPercentMax: row['cpu_max'] ?? null,
    rssBytes: row['rss'] ?? 0,
    rssBytesMax: row['rss_max'] ?? 0,
    diskReadBps: row['disk_read'] ?? null,
    diskWriteBps: row['disk_write'] ?? null,
    handles: row['handles'] ?? null,
    threads: row['threads'] ?? null,
  };
}

function toHostPoint(row: Row): HostPoint {
  return {
    at: row['at']!,
    cpuPercent: row['cpu'] ?? null,
    cpuPercentMax: row['cpu_max'] ?? null,
    load1: row['load1'] ?? null,
    memoryUsedBytes: row['mem_used'] ?? 0,
    memoryUsedBytesMax: row['mem_used_max'] ?? 0,
    memoryTotalBytes: row['mem_total'] ?? 0,
    diskReadBps: row['disk_read'] ?? null,
    diskWriteBps: row['disk_write'] ?? null,
    diskFreeBytes: row['disk_free'] ?? null,
    diskTotalBytes: row['disk_total'] ?? null,
    networkRxBps: row['net_rx'] ?? null,
    networkTxBps: row['net_tx'] ?? null,
    daemonCpuPercent: row['daemon_cpu'] ?? null,
    daemonRssBytes: row['daemon_rss'] ?? 0,
    daemonEventLoopLagMs: row['daemon_lag'] ?? 0,
  };
}

export class RangeReader {
  private readonly statements: Record<TierName, TierStatements>;

  constructor(db: Database) {
    const prepareTier = (tier: TierName): TierStatements => ({
      processSeries: db.prepare(instanceSql(tier, false)),
      oneSeries: db.prepare(instanceSql(tier, true)),
      host: db.prepare(hostSql(tier)),
    });
    this.statements = { raw: prepareTier('raw'), '1m': prepareTier('1m'), '1h': prepareTier('1h') };
  }

  instances(tier: TierName, process: string, range: RangeQuery, index?: number): InstancePoint[] {
    const params = { step: range.stepMs, from: range.from, to: range.to, process };
    const statements = this.statements[tier];
    const rows =
      index === undefined
        ? statements.processSeries.all(params)
        : statements.oneSeries.all({ ...params, index });
    return rows.map(toInstancePoint);
  }

  host(tier: TierName, range: RangeQuery): HostPoint[] {
    const params = { step: range.stepMs, from: range.from, to: range.to };
    return this.statements[tier].host.all(params).map(toHostPoint);
  }
}
