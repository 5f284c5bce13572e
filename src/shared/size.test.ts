import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSize, parseSize } from './size.js';

describe('parseSize', () => {
  it.each<[string | number, number]>([
    [0, 0],
    [1024, 1024],
    ['512', 512],
    ['512b', 512],
    ['512B', 512],
    ['1KB', 1000],
    ['1kb', 1000],
    ['10MB', 10_000_000],
    ['2GB', 2_000_000_000],
    ['1TB', 1e12],
    ['1KiB', 1024],
    ['10MiB', 10 * 1024 ** 2],
    ['1GiB', 1024 ** 3],
    ['1TiB', 1024 ** 4],
    ['1K', 1024],
    ['10M', 10 * 1024 ** 2],
    ['1G', 1024 ** 3],
    ['1T', 1024 ** 4],
    ['1.5K', 1536],
    ['10 MB', 10_000_000],
    ['  5k  ', 5120],
    ['0.5b', 1],
  ])('reads %j as %d bytes', (value, bytes) => {
    expect(parseSize(value)).toBe(bytes);
  });

  it.each<string | number>(['', 'MB', '10XB', '-1MB', '1.5.5K', 'ten', -1, 1.5, Number.NaN])(
    'rejects %j',
    (value) => {
      expect(parseSize(value)).toBeUndefined();
    },
  );
});

describe('formatSize', () => {
  it.each([
    [0, '0B'],
    [1, '1B'],
    [1000, '1KB'],
    [1024, '1KiB'],
    [1536, '1536B'],
    [10_485_760, '10MiB'],
    [1024 ** 3, '1GiB'],
    [1024 ** 4, '1TiB'],
    [1024 ** 5, '1024TiB'],
  ])('writes %d as %j', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });

  it('round-trips through parseSize', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 50 }), (bytes) => {
        expect(parseSize(formatSize(bytes))).toBe(bytes);
      }),
    );
  });
});
