/**
 * What `gowinproc run` does once its daemon has stopped (the instances stopped, the API ports
 * closed, the lock released, the log closed): exit with the daemon's code or, after
 * POST /api/v1/restart, come back as restartMethod() decided.
 */
import { spawn } from 'node:child_process';
import type { DaemonExit } from './daemon.js';
import { SERVICE_MANAGER_RESTART_CODE } from './restart-method.js';

/** A command line that starts a process like this one. */
export interface ReplacementCommand {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface AfterRunDeps {
  /** Starts the replacement daemon, detached; throws when it cannot. */
  respawn: () => void;
  /** Where to say that the replacement could not be started (the daemon's log is closed). */
  stderr: NodeJS.WritableStream;
}

/** The process's exit code; starts the replacement daemon first when the daemon asked for one. */
export function exitAfterRun(exit: DaemonExit, deps: AfterRunDeps): number {
  if (exit.restart === 'service-manager')
    // A failed shutdown (1) is a failure too, after which the service manager restarts as well.
    return exit.code === 0 ? SERVICE_MANAGER_RESTART_CODE : exit.code;
  if (exit.restart === 'respawn') {
    try {
      deps.respawn();
    } catch (error) {
      deps.stderr.write(
        `error: could not start the new daemon process: ${(error as Error).message}\n`,
      );
      return 1;
    }
  }
  // After a respawn too, even after a failed shutdown: the replacement adopts what still runs.
  return exit.code;
}

/** This process's command line: the same Node.js, Node options, script and arguments. */
export function thisProcessCommand(): ReplacementCommand {
  return {
    file: process.execPath,
    args: [...process.execArgv, ...process.argv.slice(1)],
    cwd: process.cwd(),
    env: process.env,
  };
}

/**
 * Starts the command on its own, outliving this process: detached (its own process group on
 * POSIX, no console on Windows), no stdio (the daemon writes its own log file), not waited for.
 */
export function spawnDetached(command: ReplacementCommand, onError: (error: Error) => void): void {
  const child = spawn(command.file, command.args, {
    cwd: command.cwd,
    env: command.env,
    detached: true,
    stdio: 'ignore',
    windowsHide: true,
  });
  // Spawn failures arrive as an event: reported, not an uncaught exception of the exiting daemon.
  child.once('error', onError);
  child.unref();
}
