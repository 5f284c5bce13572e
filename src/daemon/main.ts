/**
 * The `gowinproc` executable: the CLI, with `run` wired to the daemon (the composition root is
 * the only place that knows both). `gowinproc run` takes a fast path that loads only the daemon
 * (and its option parser), not the CLI's commands: the daemon is long-lived and its memory counts.
 */
import { DaemonError } from '../shared/index.js';
import { startDaemon } from './daemon.js';
import { exitAfterRun, spawnDetached, thisProcessCommand } from './restart.js';
import type { RunCommandOptions } from '../cli/run-options.js';

async function runDaemonInForeground(options: RunCommandOptions): Promise<number> {
  try {
    const daemon = await startDaemon({
      configPath: options.configPath,
      paths: options.paths,
      console: process.stdout,
    });
    const exit = await daemon.done;
    return exitAfterRun(exit, {
      respawn: () =>
        spawnDetached(thisProcessCommand(), (error) =>
          process.stderr.write(`error: the new daemon process failed to start: ${error.message}\n`),
        ),
      stderr: process.stderr,
    });
  } catch (error) {
    process.stderr.write(`error: ${DaemonError.from(error).message}\n`);
    return 1;
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'run' && !rest.some((a) => a === '-h' || a === '--help')) {
    const { parseRunArgs } = await import('../cli/run-options.js');
    let options: RunCommandOptions;
    try {
      options = parseRunArgs(rest);
    } catch (error) {
      process.stderr.write(`error: ${DaemonError.from(error).message}\n`);
      return 2;
    }
    return runDaemonInForeground(options);
  }
  const [{ runCli }, { VERSION }] = await Promise.all([
    import('../cli/index.js'),
    import('./version.js'),
  ]);
  return runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    version: VERSION,
    runDaemon: runDaemonInForeground,
    runTray: async (options) => (await import('../tray/index.js')).runTray(options),
    generateKeys: async (request) =>
      (await import('../services/cloudflare/index.js')).generateClientKeys(request),
  });
}

const code = await main(process.argv.slice(2));
// Open handles (an adopted child's pipes, timers) must not keep a finished command alive.
process.stdout.write('', () => process.exit(code));
