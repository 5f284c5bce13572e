/**
 * `.env` files (../shared/spec/child.md): read literally with dotenv's parser (no `$` expansion,
 * so `pa$$word` survives); written atomically, sorted by key, mode 0600, each value quoted so that
 * dotenv reads it back byte-identical.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'dotenv';
import { DaemonError, errnoCode, writeFileAtomic } from '../../shared/index.js';

/** Names dotenv can read back (its LINE pattern's key part). */
const ENV_NAME = /^[\w.-]+$/;

export type EnvFileRead = { kind: 'ok'; values: Record<string, string> } | { kind: 'missing' };

export function parseEnvText(text: string): Record<string, string> {
  return { ...parse(text) };
}

export async function readEnvFile(path: string): Promise<EnvFileRead> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') return { kind: 'missing' };
    if (code === 'EACCES' || code === 'EPERM') {
      throw new DaemonError('permission_denied', `cannot read ${path}: permission denied`, {
        cause: error,
      });
    }
    // EISDIR, ELOOP...: a wrong processes[].secrets.env_file, not a bug.
    throw new DaemonError(
      'hook_failed',
      `cannot read ${path} (processes[].secrets.env_file): ${code ?? String(error)}`,
      { cause: error },
    );
  }
  return { kind: 'ok', values: parseEnvText(text) };
}

/**
 * The written form of one value, or undefined when dotenv's parser cannot give this value back.
 * - single quotes keep everything literally except `'` itself; newlines are fine;
 * - backticks likewise, for values that contain `'`;
 * - double quotes turn `\n` / `\r` escapes into line breaks, so they carry CR (which the parser
 *   otherwise normalises away) as long as the value has no `"` and no literal `\n` / `\r`;
 * - bare, for a one-line value with all three quote kinds but no `#` and no edge whitespace.
 * What is left (all three quote kinds plus a line break, `#` or edge spaces) has no form.
 */
export function quoteEnvValue(value: string): string | undefined {
  if (!value.includes('\r')) {
    if (!value.includes("'")) return `'${value}'`;
    if (!value.includes('`')) return `\`${value}\``;
  }
  if (!value.includes('"') && !/\\[nr]/.test(value)) {
    return `"${value.replace(/\r/g, '\\r').replace(/\n/g, '\\n')}"`;
  }
  if (/^[^\s'"`#][^#\r\n]*$/.test(value) && !/\s$/.test(value)) return value;
  return undefined;
}

export interface FormattedEnvFile {
  text: string;
  /** Names left out because dotenv could not read them back (never their values). */
  skipped: string[];
}

export function formatEnvFile(
  values: Readonly<Record<string, string>>,
  headerLines: readonly string[],
): FormattedEnvFile {
  const lines = headerLines.map((line) => `# ${line.replace(/[\r\n]+/g, ' ')}`);
  const skipped: string[] = [];
  for (const name of Object.keys(values).sort()) {
    const quoted = ENV_NAME.test(name) ? quoteEnvValue(values[name]!) : undefined;
    if (quoted === undefined) skipped.push(name);
    else lines.push(`${name}=${quoted}`);
  }
  return { text: `${lines.join('\n')}\n`, skipped };
}

export async function writeEnvFile(
  path: string,
  values: Readonly<Record<string, string>>,
  headerLines: readonly string[],
): Promise<FormattedEnvFile> {
  const formatted = formatEnvFile(values, headerLines);
  try {
    await writeFileAtomic(path, formatted.text, 0o600);
  } catch (error) {
    const code = errnoCode(error);
    throw new DaemonError(
      code === 'EACCES' || code === 'EPERM' ? 'permission_denied' : 'hook_failed',
      `cannot write ${path} (processes[].secrets.env_file): ${code ?? String(error)}`,
      { cause: error },
    );
  }
  return formatted;
}
