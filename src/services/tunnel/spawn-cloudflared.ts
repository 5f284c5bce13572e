/**
 * Starting cloudflared as an OS process. The runner sees only `TunnelChild`, so its tests can
 * script a child; this file is the real one: no stdin, piped output, no console window on
 * Windows, and on POSIX its own process group so that stopping it signals everything it started.
 */
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { currentPlatform, isWindows, type Platform } from '../../shared/index.js';

export interface TunnelExit {
  code: number | null;
  signal: string | null;
}

export interface TunnelChild {
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves with the pid once the process runs; rejects with the spawn error (ENOENT, EACCES). */
  readonly spawned: Promise<number>;
  /** Resolves when a spawned process has exited; never settles if the spawn failed. */
  readonly exited: Promise<TunnelExit>;
  /** Signals the process (on POSIX its whole group); a process already gone is not an error. */
  kill(signal: 'SIGTERM' | 'SIGKILL'): void;
}

export type SpawnTunnel = (binary: string, args: readonly string[]) => TunnelChild;

export function spawnCloudflared(platform: Platform = currentPlatform()): SpawnTunnel {
  const windows = isWindows(platform);
  return (binary, args) => {
    const child = spawn(binary, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
      // POSIX: setsid, so the group can be signalled and a Ctrl+C at the daemon's terminal is
      // left to the daemon, which stops the tunnel itself.
      detached: !windows,
    });
    const spawned = new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid ?? 0));
      child.once('error', reject);
    });
    // Errors after the spawn (a failed kill) are not fatal: the end is observed through 'exit'.
    child.on('error', () => undefined);
    const exited = new Promise<TunnelExit>((resolve) => {
      // 'close', not 'exit': by then stdout and stderr have delivered their last lines.
      child.once('close', (code, signal) => resolve({ code, signal }));
    });
    return {
      stdout: child.stdout ?? new PassThrough(),
      stderr: child.stderr ?? new PassThrough(),
      spawned,
      exited,
      kill(signal) {
        const pid = child.pid;
        if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
        signalCloudflared(pid, signal, platform);
      },
    };
  };
}

/**
 * Signals a cloudflared this daemon (or an earlier one) started: on POSIX its whole process group
 * (it was spawned detached), else, or when it leads no group, the process alone. A process that
 * is already gone is not an error.
 */
export function signalCloudflared(
  pid: number,
  signal: 'SIGTERM' | 'SIGKILL',
  platform: Platform = currentPlatform(),
): void {
  if (!isWindows(platform)) {
    try {
      process.kill(-pid, signal);
      return;
    } catch {
      // No such group (it never became a leader): signal the process alone.
    }
  }
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
