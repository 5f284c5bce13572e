/**
 * Keeps two documents honest (STYLE.md §12, ARCHITECTURE.md §Errors):
 * - docs/configuration.md documents exactly the key paths the config schema accepts;
 * - docs/errors.md lists exactly the codes of ERROR_CODES, each with its HTTP status and sentence.
 *
 * Conventions the documents follow so that this test can read them:
 * - configuration.md: every table whose header's first cell is `Key` is a reference table; each of
 *   its rows starts with one backticked key path (`server.port`, `processes[].health_check.timeout`,
 *   `load_balancers[].routes[].weights`). Other tables (aliases, units...) are not read.
 * - errors.md: the table whose header's first cell is `Code` has the columns
 *   Code | HTTP | gRPC | Meaning | What to do (found by their header names); Meaning is the
 *   sentence ERROR_CODES gives the code, gRPC the canonical name of GRPC_CODE's status.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Code } from '@connectrpc/connect';
import { GRPC_CODE } from '../../src/api/grpc/grpc-status.js';
import { HTTP_STATUS } from '../../src/api/rest/error-status.js';
import { configSchema } from '../../src/config/index.js';
import { ERROR_CODES } from '../../src/shared/index.js';
import { ROOT } from '../helpers/paths.js';

interface ZodDef {
  type: string;
  shape?: Record<string, unknown>;
  element?: unknown;
  innerType?: unknown;
  in?: unknown;
  out?: unknown;
}

function defOf(schema: unknown): ZodDef {
  return (schema as { _zod: { def: ZodDef } })._zod.def;
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch']);
/** Value types documented as one key: scalars, and field types built as `z.unknown().transform()`. */
const LEAVES = new Set(['string', 'number', 'boolean', 'enum', 'literal', 'unknown', 'transform']);

/** The schema under its wrappers; a pipe is its input, unless that input is opaque (a transform). */
function unwrap(schema: unknown): ZodDef {
  let def = defOf(schema);
  for (;;) {
    if (WRAPPERS.has(def.type) && def.innerType) {
      def = defOf(def.innerType);
    } else if (def.type === 'pipe') {
      const input = unwrap(def.in);
      const output = unwrap(def.out);
      def =
        ['unknown', 'transform', 'any'].includes(input.type) && isStructural(output)
          ? output
          : input;
    } else {
      return def;
    }
  }
}

function isStructural(def: ZodDef): boolean {
  return def.type === 'object' || def.type === 'array' || def.type === 'record';
}

interface SchemaPaths {
  /** Keys that hold a value (scalars, lists of scalars, records such as `env`): each must be documented. */
  leaves: Set<string>;
  /** Every key path, sections and lists of sections included: a documented path must be one of these. */
  all: Set<string>;
}

/** Every key path of the schema: `section.key`, `processes[].key`, `load_balancers[].routes[].key`. */
function schemaKeyPaths(schema: unknown): SchemaPaths {
  const leaves = new Set<string>();
  const all = new Set<string>();
  const walk = (node: unknown, path: string): void => {
    const def = unwrap(node);
    if (path !== '') all.add(path);
    if (def.type === 'object' && def.shape) {
      for (const [key, child] of Object.entries(def.shape)) {
        walk(child, path === '' ? key : `${path}.${key}`);
      }
      return;
    }
    if (def.type === 'array') {
      const element = unwrap(def.element);
      if (element.type === 'object') walk(def.element, `${path}[]`);
      else if (LEAVES.has(element.type))
        leaves.add(path); // a list of scalars is one key
      else throw new Error(`${path}: teach docs-sync about arrays of ${element.type}`);
      return;
    }
    if (def.type === 'record' || LEAVES.has(def.type)) {
      leaves.add(path); // record keys (env names, process names in weights) are user data
      return;
    }
    throw new Error(`${path || '(root)'}: teach docs-sync about zod type "${def.type}"`);
  };
  walk(schema, '');
  return { leaves, all };
}

/** Splits a Markdown table row into cells, keeping `|` inside backticks or escaped as `\|`. */
function tableCells(line: string): string[] {
  const body = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  const cells: string[] = [];
  let current = '';
  let inCode = false;
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (char === '\\' && body[i + 1] === '|') {
      current += '|';
      i++;
    } else if (char === '`') {
      inCode = !inCode;
      current += char;
    } else if (char === '|' && !inCode) {
      cells.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  cells.push(current.trim());
  return cells;
}

interface TableRow {
  line: number;
  cells: string[];
  /** The cell under each header name of its table. */
  byHeader: Record<string, string>;
}

/** The body rows of every table whose header's first cell is `header`, with their line numbers. */
function tableRows(markdown: string, header: string): TableRow[] {
  const lines = markdown.split('\n');
  const rows: TableRow[] = [];
  for (let i = 0; i < lines.length; i++) {
    const isHeader =
      lines[i]!.trim().startsWith('|') &&
      tableCells(lines[i]!)[0] === header &&
      /^\s*\|?\s*:?-{3,}/.test(lines[i + 1] ?? '');
    if (!isHeader) continue;
    const headers = tableCells(lines[i]!);
    for (i += 2; i < lines.length && lines[i]!.trim().startsWith('|'); i++) {
      const cells = tableCells(lines[i]!);
      const byHeader = Object.fromEntries(headers.map((name, n) => [name, cells[n] ?? '']));
      rows.push({ line: i + 1, cells, byHeader });
    }
  }
  return rows;
}

const readDoc = (name: string): string => readFileSync(join(ROOT, 'docs', name), 'utf8');
const BACKTICKED = /^`([^`]+)`$/;

describe('docs/configuration.md', () => {
  const schema = schemaKeyPaths(configSchema);
  const rows = tableRows(readDoc('configuration.md'), 'Key');

  it('has reference tables (header "Key") whose first cells are single backticked key paths', () => {
    expect(rows.length).toBeGreaterThan(50);
    const malformed = rows
      .filter((row) => !BACKTICKED.test(row.cells[0] ?? ''))
      .map((row) => `line ${row.line}: ${row.cells[0]}`);
    expect(malformed).toEqual([]);
  });

  const documented = rows
    .map((row) => ({ line: row.line, path: BACKTICKED.exec(row.cells[0] ?? '')?.[1] }))
    .filter((row): row is { line: number; path: string } => row.path !== undefined);

  it('documents every key the schema accepts', () => {
    const paths = new Set(documented.map((row) => row.path));
    const missing = [...schema.leaves].filter((path) => !paths.has(path)).sort();
    expect(missing, 'add a row for each of these keys').toEqual([]);
  });

  it('documents no key the schema does not accept', () => {
    const unknown = documented
      .filter((row) => !schema.all.has(row.path))
      .map((row) => `line ${row.line}: ${row.path}`);
    expect(unknown, 'these keys are not in configSchema').toEqual([]);
  });

  it('documents each key once', () => {
    const seen = new Map<string, number>();
    const duplicates: string[] = [];
    for (const row of documented) {
      const first = seen.get(row.path);
      if (first === undefined) seen.set(row.path, row.line);
      else duplicates.push(`${row.path} (lines ${first} and ${row.line})`);
    }
    expect(duplicates).toEqual([]);
  });
});

describe('docs/errors.md', () => {
  const rows = tableRows(readDoc('errors.md'), 'Code').map((row) => ({
    line: row.line,
    code: BACKTICKED.exec(row.cells[0] ?? '')?.[1] ?? `(not a backticked code: ${row.cells[0]})`,
    status: row.byHeader['HTTP'] ?? '',
    grpc: row.byHeader['gRPC'] ?? '',
    meaning: row.byHeader['Meaning'] ?? '',
  }));
  const codes = Object.keys(ERROR_CODES) as Array<keyof typeof ERROR_CODES>;

  it('lists exactly the codes of ERROR_CODES, once each', () => {
    expect([...rows.map((row) => row.code)].sort()).toEqual([...codes].sort());
  });

  it('gives each code the HTTP status of HTTP_STATUS', () => {
    const wrong = rows
      .filter((row) => row.code in HTTP_STATUS)
      .filter((row) => row.status !== String(HTTP_STATUS[row.code as keyof typeof HTTP_STATUS]))
      .map(
        (row) =>
          `line ${row.line}: ${row.code} says ${row.status}, HTTP_STATUS says ${HTTP_STATUS[row.code as keyof typeof HTTP_STATUS]}`,
      );
    expect(wrong).toEqual([]);
  });

  it('gives each code the gRPC status of GRPC_CODE, by its canonical name', () => {
    // Code.NotFound -> NOT_FOUND; Code.Canceled is spelled CANCELLED by gRPC.
    const canonical = (code: Code): string =>
      code === Code.Canceled
        ? 'CANCELLED'
        : Code[code].replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
    const wrong = rows
      .filter((row) => row.code in GRPC_CODE)
      .filter((row) => row.grpc !== canonical(GRPC_CODE[row.code as keyof typeof GRPC_CODE]))
      .map(
        (row) =>
          `line ${row.line}: ${row.code} says ${row.grpc}, GRPC_CODE says ${canonical(GRPC_CODE[row.code as keyof typeof GRPC_CODE])}`,
      );
    expect(wrong).toEqual([]);
  });

  it('gives each code the sentence ERROR_CODES has for it', () => {
    const wrong = rows
      .filter((row) => row.code in ERROR_CODES)
      .filter((row) => row.meaning !== ERROR_CODES[row.code as keyof typeof ERROR_CODES])
      .map((row) => `line ${row.line}: ${row.code}`);
    expect(wrong).toEqual([]);
  });
});

describe('the key-path walker', () => {
  it('sees sections, lists of sections, records and field types', () => {
    const { leaves, all } = schemaKeyPaths(configSchema);
    expect(leaves).toContain('processes[].health_check.start_period');
    expect(leaves).toContain('load_balancers[].routes[].weights');
    expect(leaves).toContain('processes[].env');
    expect(leaves).toContain('processes[].args');
    expect(leaves).toContain('server.port');
    expect(leaves).not.toContain('processes[].env.KEY');
    expect(all).toContain('server.auth.api_keys');
    expect(all).toContain('processes[].restart.backoff');
    expect(leaves).not.toContain('processes[].restart.backoff');
  });
});
