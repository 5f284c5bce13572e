/**
 * The `gowinproc` executable: the CLI, with `run` wired to the daemon (the composition root is
 * the only place that knows both).
 */
import { runCli } from '../cli/index.js';
import { DaemonError } from '../shared/index.js';
import { startDaemon } from './daemon.js';
import { VERSION } from './version.js';

async function runDaemonInForeground(options: {
  configPath: string;
  paths: Record<string, string>;
}): Promise<number> {
  try {
    const daemon = await startDaemon({
      configPath: options.configPath,
      paths: options.paths,
      console: process.stdout,
    });
    return await daemon.done;
  } catch (error) {
    process.stderr.write(`error: ${DaemonError.from(error).message}\n`);
    return 1;
  }
}

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  version: VERSION,
  runDaemon: runDaemonInForeground,
});
// Open handles (an adopted child's pipes, timers) must not keep a finished command alive.
process.stdout.write('', () => process.exit(code));
