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

describe('DaemonSelfSampler', () => {
  it("reads the daemon's own memory and handles, and its CPU from the second sample on", () => {
    const sampler = new DaemonSelfSampler();
    try {
      const first = sampler.sample(Date.now(), 1.5);
      expect(first.cpuPercent).toBeNull();
      expect(first.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
      expect(first.heapUsedBytes).toBeGreaterThan(1024 * 1024);
      expect(first.handles).toBe(process.getActiveResourcesInfo().length);
      expect(first.tickMs).toBe(1.5);
      // Burn 150 ms of this process's CPU: the next sample shows it as a share of the wall time.
      const started = Date.now();
      const cpu = () => process.cpuUsage().user + process.cpuUsage().system;
      const target = cpu() + 150_000;
      while (cpu() < target);
      const second = sampler.sample(Math.max(Date.now(), started + 1), 0);
      expect(second.cpuPercent).toBeGreaterThan(5);
      expect(second.cpuPercent).toBeLessThanOrEqual(100 * 1.5); // one core, plus GC threads
    } finally {
      sampler.stop();
    }
  });

  it('reports a blocked event loop as lag beyond the monitor resolution', async () => {
    const sampler = new DaemonSelfSampler();
    try {
      await new Promise((resolve) => setTimeout(resolve, 350)); // a few idle wake-ups
      const idle = sampler.sample(Date.now(), 0);
      expect(idle.eventLoopLagMs).toBeLessThan(50);
      const until = Date.now() + 400;
      while (Date.now() < until); // block the loop
      await new Promise((resolve) => setTimeout(resolve, 250));
      const blocked = sampler.sample(Date.now(), 0);
      expect(blocked.eventLoopLagMaxMs).toBeGreaterThan(200);
    } finally {
      sampler.stop();
    }
  });
});
