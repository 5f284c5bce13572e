/**
 * One tick's instance samples from the trees the OS reader returned: rates against each
 * instance's previous reading (kept per instance id and pid, so a restarted instance starts a new
 * series of rates instead of comparing two different processes).
 */
import { treeUsage, type TreeReading } from './sampler/index.js';
import type { InstanceSample, ProcessCounters } from './types.js';

/** An instance with a running OS process, as the supervisor knows it. */
export interface SampleTarget {
  process: string;
  instance: string;
  index: number;
  pid: number;
  /** When its OS process started (Unix ms), for the uptime. */
  startedAt: number;
  restarts: number;
}

export type PreviousReadings = Map<string, TreeReading>;

function readingKey(target: Pick<SampleTarget, 'instance' | 'pid'>): string {
  return `${target.instance}\u0000${target.pid}`;
}

/**
 * Samples of the targets whose process still exists, and the readings to compare with at the
 * next tick (only those of this tick: instances that stopped are forgotten).
 */
export function sampleInstances(
  targets: readonly SampleTarget[],
  trees: ReadonlyMap<number, ProcessCounters[]>,
  previous: PreviousReadings,
  at: number,
): { samples: InstanceSample[]; readings: PreviousReadings } {
  const samples: InstanceSample[] = [];
  const readings: PreviousReadings = new Map();
  for (const target of targets) {
    const members = trees.get(target.pid);
    if (!members || members.length === 0) continue;
    const key = readingKey(target);
    const reading: TreeReading = { at, members };
    const usage = treeUsage(previous.get(key), reading);
    readings.set(key, reading);
    samples.push({
      process: target.process,
      instance: target.instance,
      index: target.index,
      pid: target.pid,
      at,
      cpuPercent: usage.cpuPercent,
      rssBytes: usage.rssBytes,
      diskReadBps: usage.diskReadBps,
      diskWriteBps: usage.diskWriteBps,
      networkRxBps: null,
      networkTxBps: null,
      handles: usage.handles,
      threads: usage.threads,
      processes: usage.processes,
      uptimeSeconds: Math.max(0, Math.floor((at - target.startedAt) / 1000)),
      restarts: target.restarts,
    });
  }
  return { samples, readings };
}
