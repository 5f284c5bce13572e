/**
 * Field types shared by the schema: durations, sizes, ports, port ranges, and scalars that YAML
 * may write as numbers or booleans where we want strings (env values, args). Each produces its
 * own message that echoes the bad value.
 */
import { z } from 'zod';
import { parseDuration, parseSize } from '../shared/index.js';

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

/** A duration string (`500ms`, `30s`, `5m`, `1h`, `7d`) as milliseconds. */
export const duration = z.unknown().transform((value, ctx): number => {
  const ms = typeof value === 'string' ? parseDuration(value) : value === 0 ? 0 : undefined;
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `invalid duration ${show(value)} (write it with a unit, e.g. "500ms", "30s", "5m", "1h")`,
      input: value,
    });
    return z.NEVER;
  }
  return ms;
});

/** A size (`512MB`, `1GiB`, `150M`, or a number of bytes) in bytes. */
export const size = z.unknown().transform((value, ctx): number => {
  const bytes =
    typeof value === 'string' || typeof value === 'number' ? parseSize(value) : undefined;
  if (bytes === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `invalid size ${show(value)} (e.g. "10MB", "512MiB", "1GiB" or a number of bytes)`,
      input: value,
    });
    return z.NEVER;
  }
  return bytes;
});

/** A TCP port, 1-65535 (0 only where `allowZero`, meaning "pick a free one"). */
export function port(allowZero = false) {
  return z.unknown().transform((value, ctx): number => {
    const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < (allowZero ? 0 : 1) || n > 65535) {
      ctx.addIssue({
        code: 'custom',
        message: `invalid port ${show(value)} (expected an integer ${allowZero ? '0' : '1'}-65535)`,
        input: value,
      });
      return z.NEVER;
    }
    return n;
  });
}

/** `5001-5999` (or `{start, end}`) as an inclusive range. */
export const portRange = z.unknown().transform((value, ctx): { start: number; end: number } => {
  let start: unknown;
  let end: unknown;
  if (typeof value === 'string') {
    const match = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(value);
    if (match) [start, end] = [Number(match[1]), Number(match[2])];
  } else if (typeof value === 'object' && value !== null) {
    ({ start, end } = value as { start?: unknown; end?: unknown });
  }
  const valid = (n: unknown): n is number =>
    typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;
  if (!valid(start) || !valid(end) || start > end) {
    ctx.addIssue({
      code: 'custom',
      message: `invalid port range ${show(value)} (expected "FROM-TO" with 1 <= FROM <= TO <= 65535)`,
      input: value,
    });
    return z.NEVER;
  }
  return { start, end };
});

/** A string, also accepting a YAML number or boolean (`PORT: 9000`, `HEADLESS: false`). */
export const scalarString = z.unknown().transform((value, ctx): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  ctx.addIssue({
    code: 'custom',
    message: `expected a string, number or boolean, got ${value === null ? 'null' : typeof value}`,
    input: value,
  });
  return z.NEVER;
});

/** An integer within [min, max]. */
/** A number written as a YAML number or, from a ${VAR}, as a numeric string. */
function numeric(value: unknown): unknown {
  return typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
}

export function int(min: number, max = Number.MAX_SAFE_INTEGER) {
  return z.unknown().transform((raw, ctx): number => {
    const value = numeric(raw);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      ctx.addIssue({
        code: 'custom',
        message: `invalid value ${show(raw)} (expected an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`})`,
        input: raw,
      });
      return z.NEVER;
    }
    return value;
  });
}

/** A process or balancer name: letters, digits, `.`, `_`, `-`. */
export const NAME_PATTERN = /^(?!\.+$)[A-Za-z0-9._-]+$/; // not '.' or '..': names become directory names

export const SIGNALS = [
  'SIGTERM',
  'SIGINT',
  'SIGQUIT',
  'SIGHUP',
  'SIGKILL',
  'SIGUSR1',
  'SIGUSR2',
  'SIGWINCH',
] as const;

/** A number within [min, max] (exclusive of min when `exclusiveMin`). */
export function num(min: number, max = Number.MAX_VALUE, exclusiveMin = false) {
  return z.unknown().transform((raw, ctx): number => {
    const value = numeric(raw);
    const low = exclusiveMin
      ? typeof value === 'number' && value > min
      : typeof value === 'number' && value >= min;
    if (typeof value !== 'number' || !Number.isFinite(value) || !low || value > max) {
      const range =
        max === Number.MAX_VALUE ? `${exclusiveMin ? '>' : '>='} ${min}` : `from ${min} to ${max}`;
      ctx.addIssue({
        code: 'custom',
        message: `invalid value ${show(raw)} (expected a number ${range})`,
        input: raw,
      });
      return z.NEVER;
    }
    return value;
  });
}

/** true/false, also written as the strings "true"/"false" (what a ${VAR} gives). */
export const bool = z.unknown().transform((raw, ctx): boolean => {
  if (typeof raw === 'boolean') return raw;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  ctx.addIssue({
    code: 'custom',
    message: `invalid value ${show(raw)} (expected true or false)`,
    input: raw,
  });
  return z.NEVER;
});
