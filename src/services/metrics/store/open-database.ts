/**
 * Opening the metrics database so that it always succeeds: metrics are not worth refusing to
 * supervise. A corrupt, foreign, locked or too-new file is closed and moved aside (with its -wal,
 * -shm and -journal; see move-aside.ts), and a fresh database starts at the same path. Opening
 * waits OPEN_BUSY_TIMEOUT_MS for a lock before calling the file locked. When even that fails (the
 * directory is read-only, or Windows will not rename a file another process holds), the store
 * keeps its metrics in memory until the daemon restarts. Each of these says so through `warn`.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MOVED_ASIDE_KEPT, moveAside, type MoveAsideCause, type MovedAside } from './move-aside.js';
import {
  NewerSchemaError,
  OPEN_BUSY_TIMEOUT_MS,
  prepareDatabase,
  WRITE_BUSY_TIMEOUT_MS,
} from './schema.js';

export type { MoveAsideCause } from './move-aside.js';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sqliteCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** SQLITE_CORRUPT (and its extended codes) or SQLITE_NOTADB: the file cannot be trusted. */
export function isCorruption(error: unknown): boolean {
  const code = sqliteCode(error);
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
}

function isLock(error: unknown): boolean {
  const code = sqliteCode(error);
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/** Why an opening error means "move the file aside", or null when it does not. */
export function moveAsideCause(error: unknown): MoveAsideCause | null {
  if (error instanceof NewerSchemaError) return 'newer-schema';
  if (isCorruption(error)) return 'corrupt';
  if (isLock(error)) return 'locked';
  return null;
}

function describeCause(cause: MoveAsideCause): string {
  if (cause === 'corrupt') return 'is corrupt or not a database';
  if (cause === 'locked') {
    return `stayed locked by another program for over ${OPEN_BUSY_TIMEOUT_MS}ms`;
  }
  return 'was written by a newer gowinproc';
}

function describeDeleted(moved: MovedAside): string {
  if (moved.deleted.length === 0) return '';
  return `; deleted the older moved-aside ${moved.deleted.join(', ')} (the newest ${MOVED_ASIDE_KEPT} are kept)`;
}

/** Makes what the store keeps per database (statements, caches); may throw SQLite's errors. */
export type BuildSession<T> = (db: Database.Database) => T;

/**
 * Opens, prepares and builds with the long busy timeout (a lock held for a moment must not cost
 * the history), then leaves the connection with the short one that writes use.
 */
function openPrepared<T>(file: string, build: BuildSession<T>): T {
  const db = new Database(file, { timeout: OPEN_BUSY_TIMEOUT_MS });
  try {
    prepareDatabase(db);
    const session = build(db);
    db.pragma(`busy_timeout = ${WRITE_BUSY_TIMEOUT_MS}`);
    return session;
  } catch (error) {
    db.close();
    throw error;
  }
}

function openInMemory<T>(
  file: string,
  error: unknown,
  build: BuildSession<T>,
  warn: (message: string) => void,
): T {
  warn(
    `metrics database ${file} cannot be opened (${messageOf(error)}); metrics history is kept in memory until the daemon restarts`,
  );
  return openPrepared(':memory:', build);
}

/**
 * Opens (creating when missing) and prepares the database, then builds the session on it. A file
 * that is corrupt, locked or too new, here or while building, is moved aside for a fresh one.
 */
export function openMetricsDatabase<T>(
  file: string,
  build: BuildSession<T>,
  now: () => number,
  warn: (message: string) => void,
): T {
  if (file === ':memory:') return openPrepared(file, build);
  try {
    mkdirSync(dirname(file), { recursive: true });
    return openPrepared(file, build);
  } catch (error) {
    const cause = moveAsideCause(error);
    if (cause === null) return openInMemory(file, error, build, warn);
    return replaceBadFile(file, cause, error, build, now, warn);
  }
}

/**
 * Moves the file aside and opens a fresh one at the same path: at open, and when a write finds
 * the database corrupt. The caller has closed its connection to the file.
 */
export function replaceBadFile<T>(
  file: string,
  cause: MoveAsideCause,
  error: unknown,
  build: BuildSession<T>,
  now: () => number,
  warn: (message: string) => void,
): T {
  if (file === ':memory:') return openPrepared(file, build);
  let moved: MovedAside;
  try {
    moved = moveAside(file, cause, now());
  } catch (moveError) {
    return openInMemory(file, moveError, build, warn);
  }
  warn(
    `metrics database ${file} ${describeCause(cause)} (${messageOf(error)}); moved it to ${moved.path} and started a fresh one${describeDeleted(moved)}`,
  );
  try {
    return openPrepared(file, build);
  } catch (openError) {
    return openInMemory(file, openError, build, warn);
  }
}
