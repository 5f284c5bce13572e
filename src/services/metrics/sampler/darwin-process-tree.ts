/**
 * Process trees on macOS and other POSIX systems without /proc: ONE `ps` per tick lists every
 * process (run with execFile, no shell), and the trees are built from that list.
 */
import { execFile } from 'node:child_process';
import { DaemonError } from '../../../shared/index.js';
import type { ProcessCounters, ProcessTreeReader } from '../types.js';
import { PS_ARGS, parsePsOutput } from './darwin-ps-parse.js';
import { childrenIndex, walkTree } from './process-tree.js';

const PS_TIMEOUT_MS = 10_000;

/** Runs `ps` with PS_ARGS and resolves its stdout. Injected so tests never run ps. */
export type RunPs = () => Promise<string>;

export const runPs: RunPs = () =>
  new Promise((resolve, reject) => {
    execFile(
      'ps',
      [...PS_ARGS],
      // C locale: lstart's month and day names in English, whatever the user's locale. A ps that
      // hangs is killed: the sampling loop waits for each tick before scheduling the next.
      {
        env: { ...process.env, LC_ALL: 'C' },
        maxBuffer: 32 * 1024 * 1024,
        timeout: PS_TIMEOUT_MS,
        windowsHide: true,
      },
      (error, stdout) => {
        if (error)
          reject(new DaemonError('internal', `ps failed: ${error.message}`, { cause: error }));
        else resolve(stdout);
      },
    );
  });

export class PsProcessTreeReader implements ProcessTreeReader {
  constructor(private readonly run: RunPs = runPs) {}

  async readTrees(roots: readonly number[]): Promise<Map<number, ProcessCounters[]>> {
    return treesFromList(parsePsOutput(await this.run()), roots);
  }

  close(): void {
    // Nothing is held between ticks.
  }
}

/** The trees of `roots` within a full process list (roots absent from the list are left out). */
export function treesFromList(
  processes: readonly ProcessCounters[],
  roots: readonly number[],
): Map<number, ProcessCounters[]> {
  const byPid = new Map<number, ProcessCounters>();
  for (const counters of processes) byPid.set(counters.pid, counters);
  const children = childrenIndex(processes);
  const read = (pid: number): ProcessCounters | undefined => byPid.get(pid);
  const trees = new Map<number, ProcessCounters[]>();
  for (const root of roots) {
    const members = walkTree(root, children, read);
    if (members !== undefined) trees.set(root, members);
  }
  return trees;
}
