/**
 * Reading a config file: YAML (with line numbers kept) -> ${VAR} expansion -> the original
 * gowinproc's aliases -> GOWINPROC_* overrides -> schema -> cross-key checks. Every problem is
 * collected and reported at once, each naming the file, line, key path and bad value.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { DaemonError, errnoCode } from '../shared/index.js';
import { applyAliases, type Origin } from './aliases.js';
import { applyEnvOverrides } from './env-overrides.js';
import { expandValue, isPlainObject, type Environment } from './expand.js';
import { finalizeConfig } from './finalize.js';
import {
  formatKeyPath,
  formatProblem,
  type ConfigIssue,
  type ConfigProblem,
  type KeyPath,
} from './issues.js';
import { YamlLocator } from './locate.js';
import { configSchema } from './schema.js';
import { isSecretPath } from './secret-paths.js';
import type { Config, PathsConfig } from './types.js';
import { fromZodIssues } from './zod-issues.js';

export interface LoadConfigOptions {
  /** Environment for ${VAR} expansion and GOWINPROC_* overrides (default: process.env). */
  env?: Environment;
  /** Directory relative paths resolve against (default: the file's directory). */
  baseDir?: string;
  /** Absolute directories that replace `paths.*` (the CLI's --data, --logs ... flags). */
  paths?: Partial<PathsConfig>;
}

export async function loadConfigFile(
  file: string,
  options: LoadConfigOptions = {},
): Promise<Config> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason =
      errnoCode(error) === 'ENOENT'
        ? 'does not exist'
        : `cannot be read (${errnoCode(error) ?? String(error)})`;
    throw new DaemonError('config_not_found', `config file ${path} ${reason}`, {
      details: { file: path },
    });
  }
  return parseConfig(text, path, options);
}

/** Parses config text; `file` names it in messages and anchors relative paths. */
export function parseConfig(text: string, file: string, options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const locator = new YamlLocator(doc, lines);

  const syntax: ConfigProblem[] = doc.errors.map((error) => ({
    file,
    // prettyErrors is off (it would quote the source, secrets included), so linePos is unset.
    line: error.linePos?.[0]?.line ?? lines.linePos(error.pos[0]).line,
    key: '(yaml)',
    message: error.message.split('\n')[0] ?? error.message,
  }));
  if (syntax.length > 0) throw configError(file, syntax);

  const raw: unknown = doc.toJS() ?? {};
  if (!isPlainObject(raw)) {
    throw configError(file, [
      {
        file,
        line: 1,
        key: '(root)',
        message: 'the file must be a YAML mapping of sections (server, processes, ...)',
      },
    ]);
  }

  const expanded = expandValue(raw, env) as Record<string, unknown>;
  const aliased = applyAliases(expanded);
  // An environment override wins over the file, so its origin comes first among equals.
  const origins: Origin[] = [...applyEnvOverrides(aliased.value, env), ...aliased.origins];
  const issues: ConfigIssue[] = [...aliased.issues];

  const parsed = configSchema.safeParse(aliased.value, { reportInput: true });
  if (!parsed.success) {
    issues.push(...fromZodIssues(configSchema, parsed.error.issues));
  } else {
    const final = finalizeConfig(parsed.data, {
      baseDir: options.baseDir ?? dirname(file),
      source: file,
      paths: options.paths,
    });
    issues.push(...final.issues);
    if (issues.length === 0) return final.config;
  }
  throw configError(
    file,
    issues.map((issue) => locate(issue, file, origins, locator)),
  );
}

function locate(
  issue: ConfigIssue,
  file: string,
  origins: Origin[],
  locator: YamlLocator,
): ConfigProblem {
  const origin = origins
    .filter((o) => isPrefix(o.canonical, issue.path))
    .sort((a, b) => b.canonical.length - a.canonical.length)[0];
  const sourcePath: KeyPath = origin
    ? [...origin.source, ...issue.path.slice(origin.canonical.length)]
    : issue.path;
  const message = isSecretPath(issue.path)
    ? 'invalid value (not shown: this key holds a secret)'
    : issue.message;
  if (origin?.envVar) {
    return {
      file,
      key: formatKeyPath(issue.path),
      message: `${message} (from environment variable ${origin.envVar})`,
    };
  }
  return {
    file,
    line: locator.lineOf(sourcePath, issue.isKey ?? false),
    key: formatKeyPath(sourcePath),
    message,
  };
}

function isPrefix(prefix: KeyPath, path: KeyPath): boolean {
  return prefix.length <= path.length && prefix.every((part, i) => part === path[i]);
}

function configError(file: string, problems: ConfigProblem[]): DaemonError {
  const sorted = [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const count = sorted.length === 1 ? '1 problem' : `${sorted.length} problems`;
  return new DaemonError(
    'config_invalid',
    `${file}: ${count}:\n${sorted.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    {
      details: { file, problems: sorted },
    },
  );
}
