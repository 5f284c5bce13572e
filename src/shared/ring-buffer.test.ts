import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RingBuffer } from './ring-buffer.js';

describe('RingBuffer', () => {
  it('keeps items oldest first while under capacity', () => {
    const buffer = new RingBuffer<number>(3);
    buffer.push(1);
    buffer.push(2);
    expect(buffer.toArray()).toEqual([1, 2]);
    expect(buffer.length).toBe(2);
  });

  it('drops the oldest items past capacity', () => {
    const buffer = new RingBuffer<string>(3);
    for (const item of ['a', 'b', 'c', 'd', 'e']) buffer.push(item);
    expect(buffer.toArray()).toEqual(['c', 'd', 'e']);
    expect(buffer.length).toBe(3);
    expect(buffer.capacity).toBe(3);
  });

  it('returns a copy, so callers cannot change the buffer', () => {
    const buffer = new RingBuffer<number>(2);
    buffer.push(1);
    const copy = buffer.toArray();
    copy.push(99);
    expect(buffer.toArray()).toEqual([1]);
  });

  it('clear() empties it and it fills again', () => {
    const buffer = new RingBuffer<number>(2);
    buffer.push(1);
    buffer.push(2);
    buffer.clear();
    expect(buffer.length).toBe(0);
    expect(buffer.toArray()).toEqual([]);
    buffer.push(3);
    expect(buffer.toArray()).toEqual([3]);
  });

  it('always holds the last min(capacity, pushed) items', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer()), (capacity, items) => {
        const buffer = new RingBuffer<number>(capacity);
        for (const item of items) buffer.push(item);
        expect(buffer.toArray()).toEqual(items.slice(-capacity));
      }),
    );
  });
});
