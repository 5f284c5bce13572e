import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DaemonError } from '../../../shared/index.js';
import { RateWindow } from './rate-window.js';

describe('RateWindow', () => {
  it('is 0 with fewer than two samples', () => {
    const window = new RateWindow(10_000);
    expect(window.perSecond(0)).toBe(0);
    window.sample(100, 0);
    expect(window.perSecond(0)).toBe(0);
  });

  it('measures a steady counter exactly', () => {
    const window = new RateWindow(10_000);
    for (let t = 0; t <= 30_000; t += 1000) window.sample(t / 10, t); // 100 per second
    expect(window.perSecond(30_000)).toBeCloseTo(100);
  });

  it('only looks at the window: an old burst is forgotten', () => {
    const window = new RateWindow(5000);
    window.sample(0, 0);
    window.sample(10_000, 1000); // a burst of 10 000 in the first second
    for (let t = 2000; t <= 20_000; t += 1000) window.sample(10_000 + (t - 1000) / 100, t); // then 10/s
    expect(window.perSecond(20_000)).toBeCloseTo(10);
  });

  it('follows a step change within one window', () => {
    const window = new RateWindow(2000);
    let total = 0;
    let before = 0;
    for (let t = 0; t <= 10_000; t += 100) {
      window.sample(total, t);
      if (t === 4900) before = window.perSecond(t);
      total += t < 5000 ? 1 : 10; // 10/s, then 100/s
    }
    expect(before).toBeCloseTo(10, 0);
    expect(window.perSecond(10_000)).toBeCloseTo(100, 0);
  });

  it('samples one window apart still give a rate', () => {
    const window = new RateWindow(1000);
    window.sample(0, 0);
    window.sample(50, 1010);
    window.sample(100, 2020);
    expect(window.perSecond(2020)).toBeCloseTo((50 * 1000) / 1010);
  });

  it('is 0 when nothing was sampled within the window', () => {
    const window = new RateWindow(1000);
    window.sample(0, 0);
    window.sample(100, 500);
    expect(window.perSecond(1000)).toBeCloseTo(200);
    expect(window.perSecond(1501)).toBe(0);
  });

  it('starts over when the counter goes down (a reset) instead of going negative', () => {
    const window = new RateWindow(10_000);
    window.sample(1000, 0);
    window.sample(2000, 1000);
    window.sample(5, 2000);
    expect(window.perSecond(2000)).toBe(0);
    window.sample(25, 3000);
    expect(window.perSecond(3000)).toBeCloseTo(20);
  });

  it('sampling on every call costs no more memory and gives the same rate', () => {
    const window = new RateWindow(1000);
    let total = 0;
    for (let t = 0; t < 100_000; t += 0.5) window.sample(total++, t); // 2000 per second
    expect(window.perSecond(100_000 - 0.5)).toBeCloseTo(2000, 0);
    const slots = (window as unknown as { times: Float64Array }).times.length;
    expect(slots).toBeLessThanOrEqual(64);
  });

  it('property: a constant rate is measured as that rate whatever the sampling times', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 60_000 }),
        fc.double({ min: 0, max: 1000, noNaN: true }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 2, maxLength: 200 }),
        (windowMs, perSecond, gaps) => {
          const window = new RateWindow(windowMs);
          let t = 0;
          for (const gap of gaps) {
            window.sample((t * perSecond) / 1000, t);
            t += gap;
          }
          const last = t - gaps[gaps.length - 1]!;
          const rate = window.perSecond(last);
          return Math.abs(rate - perSecond) <= 1e-6 * Math.max(1, perSecond);
        },
      ),
    );
  });

  it('refuses a window that is not a positive number', () => {
    for (const bad of [0, -1, Number.NaN, Infinity]) {
      expect(() => new RateWindow(bad)).toThrow(DaemonError);
    }
  });
});
