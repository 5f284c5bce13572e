import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './latency-histogram.js';

describe('LatencyHistogram', () => {
  it('has the documented Prometheus-style bounds and an empty snapshot', () => {
    expect(LatencyHistogram.BOUNDS_MS).toEqual([
      0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
    ]);
    const empty = new LatencyHistogram();
    expect(empty.snapshot()).toEqual({
      boundsMs: LatencyHistogram.BOUNDS_MS,
      counts: new Array(16).fill(0),
      count: 0,
      sumMs: 0,
    });
    expect(empty.quantile(0.5)).toBe(0);
  });

  it('puts a value in the first bucket whose bound is ≥ it (le), beyond the last in +Inf', () => {
    const histogram = new LatencyHistogram();
    for (const ms of [0, 0.25, 0.26, 1, 7, 10_000, 10_001, 1e9]) histogram.observe(ms);
    const { counts, count, sumMs } = histogram.snapshot();
    expect(counts[0]).toBe(2); // 0, 0.25
    expect(counts[1]).toBe(1); // 0.26
    expect(counts[2]).toBe(1); // 1
    expect(counts[5]).toBe(1); // 7 ≤ 10
    expect(counts[14]).toBe(1); // 10 000
    expect(counts[15]).toBe(2); // +Inf
    expect(count).toBe(8);
    expect(sumMs).toBeCloseTo(0.25 + 0.26 + 1 + 7 + 10_000 + 10_001 + 1e9);
  });

  it('counts a negative or non-finite duration as 0', () => {
    const histogram = new LatencyHistogram();
    for (const ms of [-5, Number.NaN, Infinity]) histogram.observe(ms);
    expect(histogram.snapshot()).toMatchObject({ count: 3, sumMs: 0 });
    expect(histogram.snapshot().counts[0]).toBe(3);
  });

  it('interpolates quantiles within the bucket, like histogram_quantile', () => {
    const histogram = new LatencyHistogram();
    // 100 values spread over (10, 25]: the bucket of 25.
    for (let i = 1; i <= 100; i++) histogram.observe(10 + (15 * i) / 100);
    expect(histogram.quantile(0.5)).toBeCloseTo(17.5);
    expect(histogram.quantile(0.9)).toBeCloseTo(23.5);
    expect(histogram.quantile(1)).toBeCloseTo(25);
  });

  it('spans buckets: the median of 1 ms and 100 ms calls in equal numbers is at the boundary', () => {
    const histogram = new LatencyHistogram();
    for (let i = 0; i < 50; i++) histogram.observe(1);
    for (let i = 0; i < 50; i++) histogram.observe(100);
    expect(histogram.quantile(0.5)).toBe(1);
    expect(histogram.quantile(0.51)).toBeGreaterThan(50);
    expect(histogram.quantile(0.99)).toBeLessThanOrEqual(100);
  });

  it('stays within the smallest and largest values seen', () => {
    const histogram = new LatencyHistogram();
    histogram.observe(3);
    expect(histogram.quantile(0)).toBe(3);
    expect(histogram.quantile(0.5)).toBe(3);
    expect(histogram.quantile(0.99)).toBe(3);
    const slow = new LatencyHistogram();
    slow.observe(20_000);
    slow.observe(60_000);
    expect(slow.quantile(0.99)).toBeLessThanOrEqual(60_000);
    expect(slow.quantile(0.99)).toBeGreaterThan(10_000);
  });

  it('clamps q to 0..1 and is monotonic in q', () => {
    const histogram = new LatencyHistogram();
    for (const ms of [0.1, 0.7, 3, 3, 40, 120, 800, 4000, 12_000]) histogram.observe(ms);
    expect(histogram.quantile(-1)).toBe(histogram.quantile(0));
    expect(histogram.quantile(2)).toBe(histogram.quantile(1));
    let previous = -Infinity;
    for (let q = 0; q <= 1; q += 0.01) {
      const value = histogram.quantile(q);
      expect(value).toBeGreaterThanOrEqual(previous);
      previous = value;
    }
  });

  it('snapshots are copies', () => {
    const histogram = new LatencyHistogram();
    histogram.observe(1);
    const before = histogram.snapshot();
    histogram.observe(1);
    expect(before.count).toBe(1);
    expect(before.counts[2]).toBe(1);
  });
});
