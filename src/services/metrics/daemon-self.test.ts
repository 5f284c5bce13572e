import { describe, expect, it } from 'vitest';
import { cpuPercentBetween, DaemonSelfSampler } from './daemon-self.js';

describe('cpuPercentBetween', () => {
  it('is the CPU microseconds used over the wall milliseconds, as a percent of one core', () => {
    expect(
      cpuPercentBetween({ user: 1000, system: 0 }, { user: 251_000, system: 250_000 }, 1000),
    ).toBe(50);
    expect(cpuPercentBetween({ user: 10, system: 10 }, { user: 5, system: 5 }, 1000)).toBe(0);
  });
});

/** Keeps this process busy for `ms` of its own CPU time. */
function burn(ms: number): void {
  const cpu = () => process.cpuUsage().user + process.cpuUsage().system;
  const target = cpu() + ms * 1000;
  while (cpu() < target);
}

describe('DaemonSelfSampler', () => {
  it("reads the daemon's own memory and handles, and its CPU from the second sample on", () => {
    const sampler = new DaemonSelfSampler();
    const started = Date.now();
    const first = sampler.sample(started, 1.5, 2.25);
    expect(first.cpuPercent).toBeNull();
    expect(first.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(first.heapUsedBytes).toBeGreaterThan(1024 * 1024);
    expect(first.handles).toBe(process.getActiveResourcesInfo().length);
    expect(first.tickMs).toBe(1.5);
    expect(first.eventLoopLagMs).toBe(2.25);
    burn(150); // 150 ms of CPU: the next sample shows it as a share of the wall time
    const second = sampler.sample(Math.max(Date.now(), started + 1), 0);
    expect(second.cpuPercent).toBeGreaterThan(5);
    expect(second.cpuPercent).toBeLessThanOrEqual(150); // one core, plus GC threads
  });

  it('reports how busy the event loop was: near 1 while blocked, low while it waits', async () => {
    const sampler = new DaemonSelfSampler();
    sampler.sample(Date.now(), 0);
    burn(200); // the loop cannot run anything else meanwhile
    const busy = sampler.sample(Date.now(), 0);
    expect(busy.eventLoopUtilization).toBeGreaterThan(0.5);
    await new Promise((resolve) => setTimeout(resolve, 300)); // idle in the loop's poll phase
    const idle = sampler.sample(Date.now(), 0);
    expect(idle.eventLoopUtilization).toBeLessThan(busy.eventLoopUtilization);
    expect(idle.eventLoopUtilization).toBeGreaterThanOrEqual(0);
  });
});
