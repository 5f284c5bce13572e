/**
 * Turns zod issues into ConfigIssues with messages an operator can act on: unknown keys get the
 * closest known key, type errors say what was expected and what was found.
 */
import type { z } from 'zod';
import type { ConfigIssue, KeyPath } from './issues.js';
import { closestKey } from './suggest.js';

type Schema = z.ZodType;

interface ZodDef {
  type: string;
  shape?: Record<string, Schema>;
  element?: Schema;
  innerType?: Schema;
  in?: Schema;
  out?: Schema;
  options?: Schema[];
  valueType?: Schema;
}

function defOf(schema: Schema): ZodDef {
  return (schema as unknown as { _zod: { def: ZodDef } })._zod.def;
}

/** The object keys the schema accepts at path (through optional/default/array wrappers). */
export function knownKeysAt(schema: Schema, path: KeyPath): string[] {
  let node: Schema | undefined = schema;
  for (const part of [...path, undefined]) {
    node = node && unwrap(node);
    if (!node) return [];
    const def = defOf(node);
    if (part === undefined) return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
    if (def.type === 'object' && def.shape && typeof part === 'string') node = def.shape[part];
    else if (def.type === 'array' && typeof part === 'number') node = def.element;
    else if (def.type === 'record') node = def.valueType;
    else return [];
  }
  return [];
}

function unwrap(schema: Schema): Schema {
  let node = schema;
  for (;;) {
    const def = defOf(node);
    if (
      def.innerType &&
      ['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(
        def.type,
      )
    ) {
      node = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      node = def.in;
    } else {
      return node;
    }
  }
}

const describe = (value: unknown): string =>
  value === undefined
    ? 'nothing'
    : value === null
      ? 'null'
      : Array.isArray(value)
        ? 'a list'
        : typeof value === 'object'
          ? 'a mapping'
          : `${typeof value} ${JSON.stringify(value)}`;

export function fromZodIssues(
  schema: Schema,
  zodIssues: readonly z.core.$ZodIssue[],
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of zodIssues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = knownKeysAt(schema, path);
        for (const key of issue.keys) {
          const suggestion = closestKey(key, known);
          out.push({
            path: [...path, key],
            isKey: true,
            message: `unknown key "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
          });
        }
        break;
      }
      case 'invalid_type': {
        const input = (issue as { input?: unknown }).input;
        out.push({
          path,
          message:
            input === undefined
              ? `required key is missing`
              : `expected ${article(issue.expected)}, got ${describe(input)}`,
        });
        break;
      }
      case 'invalid_value': {
        const input = (issue as { input?: unknown }).input;
        const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
        out.push({
          path,
          message: `invalid value ${JSON.stringify(input)} (expected one of ${allowed})`,
        });
        break;
      }
      case 'invalid_format': {
        const input = (issue as { input?: unknown }).input;
        const what =
          issue.format === 'regex'
            ? issue.message
            : `expected ${issue.format === 'url' ? 'a URL' : `a valid ${issue.format}`}`;
        out.push({ path, message: `invalid value ${JSON.stringify(input)}: ${what}` });
        break;
      }
      default: {
        const input = (issue as { input?: unknown }).input;
        const echo =
          input !== undefined && issue.code !== 'custom' && !isObjectLike(input)
            ? ` (got ${JSON.stringify(input)})`
            : '';
        out.push({ path, message: `${issue.message}${echo}` });
      }
    }
  }
  return out;
}

function article(expected: string): string {
  if (expected === 'object') return 'a mapping';
  if (expected === 'array') return 'a list';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function isObjectLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}
