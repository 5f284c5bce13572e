import { describe, expect, it } from 'vitest';
import { formatCpu, formatMemory, formatUptime } from './format.js';

describe('CLI formatting', () => {
  it.each<[number | null | undefined, string]>([
    [null, '-'],
    [undefined, '-'],
    [0, '0.0%'],
    [49.96, '50.0%'],
    [180.25, '180.3%'],
  ])('cpu %s -> %s', (value, text) => expect(formatCpu(value)).toBe(text));

  it.each<[number | null | undefined, string]>([
    [undefined, '-'],
    [512, '512b'],
    [1536, '1.5kb'],
    [50 * 1024 * 1024, '50.0mb'],
    [3.25 * 1024 ** 3, '3.3gb'],
  ])('memory %s -> %s', (value, text) => expect(formatMemory(value)).toBe(text));

  it.each<[number | null, string]>([
    [null, '-'],
    [59, '59s'],
    [90, '1m30s'],
    [7200, '2h'],
    [90_000, '1d1h'],
  ])('uptime %s -> %s', (value, text) => expect(formatUptime(value)).toBe(text));
});
