/**
 * The daemon's own figures (RSS, heap, CPU, event loop, active handles), read in-process with no
 * I/O and no timer of their own: users can see the manager is not the next leaking daemon.
 *
 * The event loop is described by two figures that cost nothing between ticks: its lag, how late
 * the sampling timer fired (the service measures it), and its utilization, the share of the
 * interval it was busy (perf_hooks' eventLoopUtilization). Not monitorEventLoopDelay: on Node 20
 * it did not record a 400 ms block of the loop at all (measured), and its timer wakes the daemon
 * 100 times a second at the default resolution.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { DaemonSample } from './types.js';

/** Listing the active handles builds an array of them all (a few per instance): not each tick. */
const HANDLES_EVERY = 10;

export class DaemonSelfSampler {
  private previousCpu: NodeJS.CpuUsage | undefined;
  private previousAt: number | undefined;
  private previousLoop: EventLoopUtilization = performance.eventLoopUtilization();
  private handles = 0;
  private samples = 0;

  /** `lagMs`: how late the sampling timer fired; `tickMs`: how long the previous tick took. */
  sample(at: number, tickMs: number, lagMs = 0): DaemonSample {
    const cpu = process.cpuUsage();
    const cpuPercent =
      this.previousCpu && this.previousAt !== undefined && at > this.previousAt
        ? cpuPercentBetween(this.previousCpu, cpu, at - this.previousAt)
        : null;
    this.previousCpu = cpu;
    this.previousAt = at;
    const loop = performance.eventLoopUtilization();
    const utilization = performance.eventLoopUtilization(loop, this.previousLoop).utilization;
    this.previousLoop = loop;
    if (this.samples++ % HANDLES_EVERY === 0) {
      this.handles = process.getActiveResourcesInfo().length;
    }
    const memory = process.memoryUsage();
    return {
      at,
      cpuPercent,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      eventLoopLagMs: round3(Math.max(0, lagMs)),
      eventLoopUtilization: Math.round(utilization * 10_000) / 10_000,
      handles: this.handles,
      tickMs: round3(tickMs),
    };
  }
}

/** CPU % of one core between two process.cpuUsage() readings (microseconds) over elapsedMs. */
export function cpuPercentBetween(
  before: NodeJS.CpuUsage,
  after: NodeJS.CpuUsage,
  elapsedMs: number,
): number {
  const usedMicros = Math.max(0, after.user + after.system - (before.user + before.system));
  return round3((usedMicros / 1000 / elapsedMs) * 100);
}

function round3(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : 0;
}
