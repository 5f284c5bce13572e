/** One run of cloudflared: its child, the URL it printed, that URL's accessToken; and its end. */
import { errnoCode, type CancelTimer, type Clock } from '../../shared/index.js';
import type { TunnelChild, TunnelExit } from './spawn-cloudflared.js';

export interface Run {
  readonly child: TunnelChild;
  readonly startedAt: number;
  pid?: number;
  url?: string;
  accessToken?: string;
  registrationFailures: number;
  cancelRetry?: CancelTimer | undefined;
}

/** An ended or stopped run's URL is dead: drop it and its token, and stop retrying. */
export function forgetUrl(run: Run): void {
  run.cancelRetry?.();
  run.cancelRetry = undefined;
  delete run.url;
  delete run.accessToken;
}

/** SIGTERM (cloudflared shuts down gracefully), then SIGKILL after killAfterMs. */
export async function terminateRun(run: Run, clock: Clock, killAfterMs: number): Promise<void> {
  try {
    await run.child.spawned;
  } catch {
    return; // never ran
  }
  const cancelKill = clock.setTimeout(() => signal(run, 'SIGKILL'), killAfterMs);
  signal(run, 'SIGTERM');
  await run.child.exited;
  cancelKill();
}

function signal(run: Run, name: 'SIGTERM' | 'SIGKILL'): void {
  try {
    run.child.kill(name);
  } catch {
    // Already gone; the end is observed through `exited`.
  }
}

export function describeExit(exit: TunnelExit): string {
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  return `exited with code ${String(exit.code)}`;
}

export function describeSpawnError(binary: string, error: unknown): string {
  const code = errnoCode(error);
  if (code === 'ENOENT') {
    return `cloudflared was not found at ${binary} (ENOENT): install cloudflared or put it on PATH`;
  }
  if (code === 'EACCES') return `cloudflared at ${binary} is not executable (EACCES)`;
  const message = error instanceof Error ? error.message : String(error);
  return `cloudflared could not be started from ${binary}: ${message}`;
}
