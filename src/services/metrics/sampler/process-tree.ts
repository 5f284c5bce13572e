/**
 * From a flat process list to per-root trees (pure), shared by every OS reader: each reader
 * lists (pid, ppid) pairs its own way and knows how to read one process's counters.
 */
import type { ProcessCounters } from '../types.js';

/** Parent pid → child pids, built once per tick from the whole process list. */
export type ChildrenIndex = Map<number, number[]>;

export function childrenIndex(
  processes: Iterable<{ readonly pid: number; readonly ppid: number }>,
): ChildrenIndex {
  const index: ChildrenIndex = new Map();
  for (const { pid, ppid } of processes) {
    if (pid === ppid) continue; // Windows' System Idle Process is its own parent
    const siblings = index.get(ppid);
    if (siblings === undefined) index.set(ppid, [pid]);
    else siblings.push(pid);
  }
  return index;
}

/**
 * The counters of `root` and of every descendant, root first (breadth first). `read` returns a
 * process's counters, or undefined when it is gone (or a zombie); a root that cannot be read
 * yields undefined. A child is kept only if it started no earlier than its parent: on Windows a
 * parent pid is never updated, so a process whose parent died can name a newer, unrelated
 * process that reused that pid; a real child cannot predate its parent on any OS.
 */
export function walkTree(
  root: number,
  children: ChildrenIndex,
  read: (pid: number) => ProcessCounters | undefined,
): ProcessCounters[] | undefined {
  const rootCounters = read(root);
  if (rootCounters === undefined) return undefined;
  const members = [rootCounters];
  // Most trees are a lone process: the cycle guard is only built when there are children.
  let visited: Set<number> | undefined;
  for (let next = 0; next < members.length; next++) {
    const parent = members[next]!;
    const kids = children.get(parent.pid);
    if (kids === undefined) continue;
    visited ??= new Set<number>([root]);
    for (const pid of kids) {
      if (visited.has(pid)) continue;
      visited.add(pid);
      const counters = read(pid);
      if (counters !== undefined && counters.startTime >= parent.startTime) members.push(counters);
    }
  }
  return members;
}

/** A synchronous reading as ProcessTreeReader's promise: its result, or its error as a rejection. */
export function readingAsPromise<T>(read: () => T): Promise<T> {
  try {
    return Promise.resolve(read());
  } catch (error) {
    return Promise.reject(error as Error);
  }
}
