/**
 * `gowinproc tray`: parses the options and finds what the tray shows besides the API (the gRPC
 * address and the logs folder, from the config file); the tray itself is injected by the
 * composition root (the CLI does not import src/tray).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfigFile } from '../config/index.js';
import { apiUrl, DaemonError } from '../shared/index.js';
import { resolveTarget, type TargetOptions } from './target.js';

export interface TrayRunOptions {
  baseUrl: string;
  apiKey: string | undefined;
  grpcAddress: string | undefined;
  logsDir: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  stderr: NodeJS.WritableStream;
}

/** Shows the tray until it is closed; resolves with the exit code. */
export type RunTray = (options: TrayRunOptions) => Promise<number>;

export interface TrayCommandDeps {
  withTarget(command: Command): Command;
  runTray: RunTray | undefined;
  env: Readonly<Record<string, string | undefined>>;
  stderr: NodeJS.WritableStream;
}

export function addTrayCommand(program: Command, deps: TrayCommandDeps): void {
  deps
    .withTarget(
      program
        .command('tray')
        .description(
          'show a system tray icon for the daemon: state, addresses, tunnel URL, dashboard, logs',
        ),
    )
    .option('--logs <dir>', "the daemon's logs folder (default: paths.logs of the config)")
    .action(async (options: TargetOptions & { logs?: string }, command: Command) => {
      const all = command.optsWithGlobals<TargetOptions & { logs?: string }>();
      const target = await resolveTarget(all, deps.env);
      const config = await trayConfig(all.config, deps.env);
      if (!deps.runTray)
        throw new DaemonError('not_implemented', 'this build of gowinproc has no system tray');
      process.exitCode = await deps.runTray({
        baseUrl: target.baseUrl,
        apiKey: target.apiKey,
        grpcAddress: config.grpcAddress,
        logsDir: options.logs === undefined ? config.logsDir : resolve(options.logs),
        env: deps.env,
        stderr: deps.stderr,
      });
    });
}

/** The gRPC address and logs folder a config file gives (the same file resolveTarget reads). */
export async function trayConfig(
  file: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ grpcAddress: string | undefined; logsDir: string | undefined }> {
  const path = file ?? (existsSync('config.yaml') ? 'config.yaml' : undefined);
  if (!path) return { grpcAddress: undefined, logsDir: undefined };
  const config = await loadConfigFile(path, { env });
  const port = config.server.grpc_port;
  return {
    // Port 0 lets the OS choose: only the daemon knows it then.
    grpcAddress: port === 0 ? undefined : new URL(apiUrl('http', config.server.host, port)).host,
    logsDir: config.paths.logs,
  };
}
