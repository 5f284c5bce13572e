/**
 * Process trees on Windows: one Toolhelp snapshot per tick gives every process's parent and
 * thread count; each member of a requested tree is then opened and queried (times, memory, I/O,
 * handles). No process is spawned. The Win32 calls sit behind Win32ProcessApi, so this logic is
 * tested on Linux with a scripted API; only windows-ffi.ts touches the real one.
 */
import type { ProcessCounters, ProcessTreeReader } from '../types.js';
import { childrenIndex, readingAsPromise, walkTree } from './process-tree.js';
import { win32Counters, type Win32ProcessApi, type Win32ProcessEntry } from './windows-counters.js';

export class WindowsProcessTreeReader implements ProcessTreeReader {
  constructor(private readonly api: Win32ProcessApi) {}

  readTrees(roots: readonly number[]): Promise<Map<number, ProcessCounters[]>> {
    return readingAsPromise(() => this.readTreesNow(roots));
  }

  readTreesNow(roots: readonly number[]): Map<number, ProcessCounters[]> {
    const entries = this.api.listProcesses();
    const byPid = new Map<number, Win32ProcessEntry>();
    for (const entry of entries) byPid.set(entry.pid, entry);
    const children = childrenIndex(entries);
    const read = (pid: number): ProcessCounters | undefined => {
      const entry = byPid.get(pid);
      if (entry === undefined) return undefined; // not in the snapshot: exited
      const query = this.api.queryProcess(pid);
      return query === undefined ? undefined : win32Counters(entry, query);
    };
    const trees = new Map<number, ProcessCounters[]>();
    for (const root of roots) {
      // walkTree drops children whose creation time predates their parent's: Windows never
      // updates a parent pid, so an orphan can name a newer process that reused the pid.
      const members = walkTree(root, children, read);
      if (members !== undefined) trees.set(root, members);
    }
    return trees;
  }

  close(): void {
    // Handles are opened and closed within each tick: nothing to release.
  }
}
