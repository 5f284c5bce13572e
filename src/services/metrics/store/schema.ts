/**
 * Pragmas and tables of the metrics database. `user_version` holds SCHEMA_VERSION; a file with a
 * newer version was written by a newer gowinproc and is moved aside rather than misread.
 */
import type { Database } from 'better-sqlite3';
import { HOST_COLUMNS, INSTANCE_COLUMNS, storedColumnNames } from './columns.js';
import type { TierName } from './tiers.js';

export const SCHEMA_VERSION = 1;
/**
 * How long opening waits for another program's lock (a backup, an sqlite3 shell) before moving
 * the file aside: long enough for a brief lock, short enough not to hold up the daemon's start.
 */
export const OPEN_BUSY_TIMEOUT_MS = 2000;
/** How long a tick's write waits for a lock before the tick is dropped: the next one comes soon. */
export const WRITE_BUSY_TIMEOUT_MS = 200;
const TIER_NAMES: readonly TierName[] = ['raw', '1m', '1h'];

/** Thrown when the file's user_version is newer than this code understands. */
export class NewerSchemaError extends Error {
  constructor(readonly version: number) {
    super(`schema version ${version} is newer than ${SCHEMA_VERSION}`);
  }
}

export function instanceTable(tier: TierName): string {
  return `instance_${tier}`;
}

export function hostTable(tier: TierName): string {
  return `host_${tier}`;
}

function valueColumnsDdl(names: string[]): string {
  return names.map((name) => `${name} REAL`).join(', ');
}

function tablesDdl(): string {
  const tables = TIER_NAMES.flatMap((tier) => {
    const isRollup = tier !== 'raw';
    const instanceValues = valueColumnsDdl(storedColumnNames(INSTANCE_COLUMNS, isRollup));
    const hostValues = valueColumnsDdl(storedColumnNames(HOST_COLUMNS, isRollup));
    return [
      // Keyed by (ts, series): one tick's rows land side by side in a few pages (about 40 KB of
      // writes a tick at 200 instances, against 1.35 MB with (series, ts), which touches one leaf
      // page per series), and retention deletes are one range. A query reads every series in
      // its time range (about 30 ms for an hour of 200 raw series), which a chart can afford.
      `CREATE TABLE IF NOT EXISTS ${instanceTable(tier)} (ts INTEGER NOT NULL, series INTEGER NOT NULL, ${instanceValues}, PRIMARY KEY (ts, series)) WITHOUT ROWID;`,
      `CREATE TABLE IF NOT EXISTS ${hostTable(tier)} (ts INTEGER PRIMARY KEY, ${hostValues});`,
    ];
  });
  return [
    'CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, process TEXT NOT NULL, idx INTEGER NOT NULL, UNIQUE (process, idx));',
    ...tables,
  ].join('\n');
}

/**
 * Sets the pragmas and creates the tables (idempotent). auto_vacuum only takes effect before the
 * first table exists, so it comes first. Throws NewerSchemaError, or SQLite's own error for a
 * corrupt, foreign or locked file. The connection's busy timeout is the opener's to set.
 */
export function prepareDatabase(db: Database): void {
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw new NewerSchemaError(version);
  if (version === SCHEMA_VERSION) return;
  db.transaction(() => {
    db.exec(tablesDdl());
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}
