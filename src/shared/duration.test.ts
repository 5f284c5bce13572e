import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['1h30m', 5_400_000],
    ['1m30s500ms', 90_500],
    ['1.5s', 1500],
    ['0.5m', 30_000],
    ['  10s  ', 10_000],
    ['0s', 0],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('rounds fractional milliseconds', () => {
    expect(parseDuration('1.4ms')).toBe(1);
    expect(parseDuration('1.6ms')).toBe(2);
  });

  it.each([
    '',
    '10',
    '1.5',
    's',
    '10x',
    '-5s',
    '5 s',
    '1h 30m',
    'ten seconds',
    '5S',
    '.5s',
    '1e3ms',
  ])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [1500, '1500ms'],
    [1, '1ms'],
    [1000, '1s'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
    [86_400_000, '1d'],
    [90_061_000, '1d1h1m1s'],
    [7 * 86_400_000, '7d'],
  ])('writes %d ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips every whole number of milliseconds', () => {
    fc.assert(
      fc.property(fc.nat({ max: 400 * 86_400_000 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });

  it('round-trips whole seconds through the unit form', () => {
    fc.assert(
      fc.property(fc.nat({ max: 100_000_000 }), (seconds) => {
        const text = formatDuration(seconds * 1000);
        expect(text).toMatch(/^(?:\d+[dhms])+$/);
        expect(parseDuration(text)).toBe(seconds * 1000);
      }),
    );
  });

  it('formats a parsed duration to its canonical form, which parses to the same value', () => {
    const units = fc.constantFrom('ms', 's', 'm', 'h', 'd');
    const part = fc.tuple(fc.nat({ max: 1000 }), units).map(([n, unit]) => `${n}${unit}`);
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => {
        const text = parts.join('');
        const ms = parseDuration(text);
        expect(ms).toBeDefined();
        const canonical = formatDuration(ms!);
        expect(parseDuration(canonical)).toBe(ms);
        expect(formatDuration(parseDuration(canonical)!)).toBe(canonical);
      }),
    );
  });
});
