import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/wait-for.js';
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
  it("reads the daemon's own memory and handles, CPU from the second sample, and the loop lag net of its resolution", async () => {
    const sampler = new DaemonSelfSampler();
    try {
      const first = sampler.sample(Date.now(), 1.5);
      expect(first.cpuPercent).toBeNull();
      expect(first.rssBytes).toBeGreaterThan(1024 * 1024);
      expect(first.heapUsedBytes).toBeGreaterThan(0);
      expect(first.handles).toBeGreaterThanOrEqual(0);
      expect(first.tickMs).toBe(1.5);
      // Block the loop for 300 ms once: the max lag shows it, well above zero; idle it is near 0.
      const started = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 150));
      const until = Date.now() + 300;
      while (Date.now() < until);
      let second = sampler.sample(Date.now(), 0);
      await waitFor(() => {
        second = sampler.sample(Date.now(), 0);
        return second.cpuPercent !== null || 'no CPU figure';
      });
      expect(Date.now() - started).toBeGreaterThan(300);
      expect(second.cpuPercent).toBeGreaterThanOrEqual(0);
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
