/**
 * Moving a bad database file out of the way, and keeping what was moved from piling up: only the
 * newest few moved-aside copies are kept, so a file that keeps getting corrupted cannot fill the
 * data directory.
 */
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export type MoveAsideCause = 'corrupt' | 'locked' | 'newer-schema';

/** How many moved-aside databases are kept (the one just moved included). */
export const MOVED_ASIDE_KEPT = 3;

const SIDE_FILES = ['-wal', '-shm', '-journal'];

/** `20260101T000000Z`: sortable, and free of the colons Windows forbids in file names. */
function fileTimestamp(now: number): string {
  return new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

export interface MovedAside {
  /** The new path of the database file. */
  path: string;
  /** Older moved-aside databases deleted to keep MOVED_ASIDE_KEPT (their side files too). */
  deleted: string[];
}

/**
 * Renames `file` to `<file>.corrupt-<UTC time>` (or `.locked-`, `.newer-schema-`) and its side
 * files to the same name plus their suffix, so SQLite can still open the moved copy. A side file
 * that cannot be moved is deleted: a stale WAL beside a fresh database would be replayed into it.
 * Then deletes all but the newest MOVED_ASIDE_KEPT moved-aside copies.
 */
export function moveAside(file: string, cause: MoveAsideCause, now: number): MovedAside {
  const base = `${file}.${cause}-${fileTimestamp(now)}`;
  let target = base;
  for (let n = 2; existsSync(target); n++) target = `${base}-${n}`;
  renameSync(file, target);
  for (const suffix of SIDE_FILES) {
    if (!existsSync(file + suffix)) continue;
    try {
      renameSync(file + suffix, target + suffix);
    } catch {
      rmSync(file + suffix, { force: true });
    }
  }
  return { path: target, deleted: deleteOldCopies(file, target) };
}

interface MovedCopy {
  path: string;
  stamp: string;
  /** The `-n` of a second move within the same second; 1 for the first. */
  n: number;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The moved-aside databases of `file` (not their side files), oldest first by their names. */
function movedCopies(file: string): MovedCopy[] {
  const pattern = new RegExp(
    `^${escapeRegExp(basename(file))}\\.(?:corrupt|locked|newer-schema)-(\\d{8}T\\d{6}Z)(?:-(\\d+))?$`,
  );
  const copies: MovedCopy[] = [];
  for (const name of readdirSync(dirname(file))) {
    const match = pattern.exec(name);
    if (match === null) continue;
    copies.push({ path: join(dirname(file), name), stamp: match[1]!, n: Number(match[2] ?? 1) });
  }
  return copies.sort((a, b) => (a.stamp === b.stamp ? a.n - b.n : a.stamp < b.stamp ? -1 : 1));
}

/**
 * Deletes the oldest moved-aside copies beyond MOVED_ASIDE_KEPT, never `justMoved` (a clock set
 * back would name it older than the rest). Side files go first: a database left without its WAL
 * is still listed and retried next time, while a WAL left without its database would be kept
 * forever. Failures leave the file for the next move; the move itself has succeeded either way.
 */
function deleteOldCopies(file: string, justMoved: string): string[] {
  const deleted: string[] = [];
  try {
    const others = movedCopies(file).filter((copy) => copy.path !== justMoved);
    for (const copy of others.slice(0, Math.max(0, others.length - (MOVED_ASIDE_KEPT - 1)))) {
      try {
        for (const suffix of [...SIDE_FILES, '']) rmSync(copy.path + suffix, { force: true });
        deleted.push(copy.path);
      } catch {
        // Kept until the next move aside.
      }
    }
  } catch {
    // The directory cannot be listed: nothing is deleted.
  }
  return deleted;
}
