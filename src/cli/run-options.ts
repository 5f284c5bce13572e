/**
 * The options of `gowinproc run`, in one place: commander shows them in `--help`, and the
 * daemon's own fast path (src/daemon/main.ts) parses them with node:util, so the daemon process
 * never loads the rest of the CLI.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { PathsConfig } from '../config/index.js';
import { DaemonError } from '../shared/index.js';

export interface RunCommandOptions {
  configPath: string;
  paths: Partial<PathsConfig>;
}

export const PATH_FLAGS = ['certs', 'keys', 'data', 'binaries', 'logs'] as const;

export const RUN_OPTIONS: ReadonlyArray<{
  flags: string;
  description: string;
  defaultValue?: string;
}> = [
  { flags: '-c, --config <file>', description: 'config file', defaultValue: 'config.yaml' },
  { flags: '--certs <dir>', description: 'certificates directory (overrides paths.certs)' },
  { flags: '--keys <dir>', description: 'keys directory (overrides paths.keys)' },
  { flags: '--data <dir>', description: 'data directory: state, lock (overrides paths.data)' },
  {
    flags: '--binaries <dir>',
    description: 'installed releases directory (overrides paths.binaries)',
  },
  { flags: '--logs <dir>', description: 'logs directory (overrides paths.logs)' },
];

/** What `run` was asked to do, from parsed option values (relative dirs resolve against the cwd). */
export function runCommandOptions(
  values: { config?: string | undefined } & Partial<
    Record<(typeof PATH_FLAGS)[number], string | undefined>
  >,
): RunCommandOptions {
  const paths: Partial<PathsConfig> = {};
  for (const key of PATH_FLAGS) {
    const value = values[key];
    if (value !== undefined) paths[key] = resolve(value);
  }
  return { configPath: values.config ?? 'config.yaml', paths };
}

/** Parses `run`'s arguments (those after the word `run`) without commander. */
export function parseRunArgs(args: string[]): RunCommandOptions {
  try {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string', short: 'c' },
        ...Object.fromEntries(PATH_FLAGS.map((flag) => [flag, { type: 'string' as const }])),
      },
    });
    return runCommandOptions(values as Record<string, string | undefined>);
  } catch (error) {
    throw new DaemonError(
      'invalid_argument',
      `gowinproc run: ${(error as Error).message} (see gowinproc run --help)`,
    );
  }
}
