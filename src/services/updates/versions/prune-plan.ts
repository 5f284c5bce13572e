/**
 * Which installs prune may delete: everything still installed beyond the `keep` newest, except
 * the current and the previous version (a rollback target must stay runnable). Pure, so the
 * rules are checked with fast-check apart from the disk.
 */
import type { StoredProcessVersions, VersionRecord } from './version-file.js';

export function planPrune(entry: StoredProcessVersions, keep: number): VersionRecord[] {
  const installed = entry.history
    .filter((record) => record.removedAt === undefined)
    .sort((a, b) => b.installedAt - a.installedAt);
  const protectedVersions = new Set([entry.current, entry.previous]);
  const kept = installed.filter((record, i) => i < keep || protectedVersions.has(record.version));
  const keptDirs = new Set(kept.map((record) => record.dir));
  // Two versions sharing a directory should not happen; if it does, the kept one wins.
  return installed.filter((record) => !kept.includes(record) && !keptDirs.has(record.dir));
}
