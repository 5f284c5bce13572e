import { describe, expect, it } from 'vitest';
import type { ProcessCounters } from '../types.js';
import { childrenIndex, walkTree } from './process-tree.js';

function proc(pid: number, ppid: number, startTime = pid): ProcessCounters {
  return {
    pid,
    ppid,
    startTime,
    cpuMs: 0,
    rssBytes: 0,
    readBytes: null,
    writeBytes: null,
    handles: null,
    threads: null,
  };
}

function walk(list: ProcessCounters[], root: number): number[] | undefined {
  const byPid = new Map(list.map((p) => [p.pid, p]));
  return walkTree(root, childrenIndex(list), (pid) => byPid.get(pid))?.map((p) => p.pid);
}

describe('walkTree', () => {
  it('lists the root first, then descendants breadth first', () => {
    const list = [proc(1, 0), proc(10, 1), proc(12, 10), proc(11, 10), proc(13, 12), proc(20, 1)];
    expect(walk(list, 10)).toEqual([10, 12, 11, 13]);
    expect(walk(list, 20)).toEqual([20]);
  });

  it('is undefined for a root that cannot be read', () => {
    expect(walk([proc(1, 0)], 42)).toBeUndefined();
  });

  it('skips a child whose read fails but not its siblings', () => {
    const list = [proc(10, 1), proc(11, 10), proc(12, 10)];
    const byPid = new Map(list.map((p) => [p.pid, p]));
    const tree = walkTree(10, childrenIndex(list), (pid) =>
      pid === 11 ? undefined : byPid.get(pid),
    );
    expect(tree?.map((p) => p.pid)).toEqual([10, 12]);
  });

  it('drops a "child" that started before its parent (a stale parent pid reused on Windows)', () => {
    // 30 started at t=5 under a parent that died; pid 10 was then reused by a process started
    // at t=50. 30 names 10 as its parent but is not its child.
    const list = [proc(10, 1, 50), proc(30, 10, 5), proc(31, 10, 60)];
    expect(walk(list, 10)).toEqual([10, 31]);
  });

  it('terminates on parent cycles and self-parented processes', () => {
    // Windows' System Idle Process (pid 0) is its own parent; equal start times allow a cycle.
    const list = [proc(0, 0, 0), proc(5, 6, 1), proc(6, 5, 1)];
    expect(walk(list, 0)).toEqual([0]);
    expect(walk(list, 5)).toEqual([5, 6]);
  });
});
