import { describe, expect, it } from 'vitest';
import { BucketAccumulator, Rollup } from './rollup.js';

describe('BucketAccumulator', () => {
  it('averages over non-null values and keeps the maximum', () => {
    const accumulator = new BucketAccumulator(3);
    accumulator.add([99, 10, null, 1], 1);
    accumulator.add([99, 20, null, null], 1);
    accumulator.add([99, 60, null, 4], 1);
    expect(accumulator.ticks).toBe(3);
    expect(accumulator.average(0)).toBe(30);
    expect(accumulator.maximum(0)).toBe(60);
    expect(accumulator.average(1)).toBeNull();
    expect(accumulator.maximum(1)).toBeNull();
    expect(accumulator.average(2)).toBe(2.5);
    expect(accumulator.maximum(2)).toBe(4);
  });

  it('keeps negative maxima and forgets everything on reset', () => {
    const accumulator = new BucketAccumulator(1);
    accumulator.add([-5], 0);
    accumulator.add([-3], 0);
    expect(accumulator.maximum(0)).toBe(-3);
    accumulator.reset();
    expect(accumulator.ticks).toBe(0);
    expect(accumulator.average(0)).toBeNull();
    accumulator.add([7], 0);
    expect([accumulator.average(0), accumulator.maximum(0)]).toEqual([7, 7]);
  });

  it('merges aggregates of many rows as if the rows had been added one by one', () => {
    const added = new BucketAccumulator(2);
    added.add([4, null], 0);
    added.add([8, null], 0);
    added.add([-1, 3], 0);
    const merged = new BucketAccumulator(2);
    merged.add([-1, 3], 0);
    // [ticks, then sum, count, max per column], the second column never measured.
    merged.merge(['x', 2, 12, 2, 8, null, 0, null] as unknown as (number | null)[], 1);
    expect(merged.ticks).toBe(added.ticks);
    for (const column of [0, 1]) {
      expect(merged.average(column)).toBe(added.average(column));
      expect(merged.maximum(column)).toBe(added.maximum(column));
    }
  });

  it('fills a row in table order: average, then maximum where kept', () => {
    const accumulator = new BucketAccumulator(3);
    accumulator.add([1, 2, 3], 0);
    accumulator.add([3, 4, null], 0);
    const row: (number | null)[] = ['x', 'y'] as unknown as (number | null)[];
    accumulator.fillRow(row, 2, [true, false, true]);
    expect(row).toEqual(['x', 'y', 2, 3, 3, 3, 3]);
  });
});

describe('Rollup', () => {
  it('finds the bucket start of a time', () => {
    const rollup = new Rollup(60_000, 1, 1);
    expect(rollup.bucketOf(Date.UTC(2026, 0, 1, 10, 5, 59, 999))).toBe(Date.UTC(2026, 0, 1, 10, 5));
    expect(rollup.bucketOf(Date.UTC(2026, 0, 1, 10, 6))).toBe(Date.UTC(2026, 0, 1, 10, 6));
  });

  it('lists only the series that received ticks since the last reset', () => {
    const rollup = new Rollup(60_000, 1, 1);
    rollup.forSeries(1).add([1], 0);
    rollup.forSeries(2).add([2], 0);
    rollup.reset();
    rollup.forSeries(2).add([5], 0);
    expect([...rollup.filledSeries()].map(([id, acc]) => [id, acc.average(0)])).toEqual([[2, 5]]);
  });
});
