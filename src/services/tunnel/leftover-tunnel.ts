/**
 * cloudflared outlives a daemon that crashed (it runs in its own process group). The daemon records
 * each cloudflared it starts; the next daemon stops a recorded one that still runs, after checking
 * that the pid still belongs to that process (same OS start time and command line), so a reused
 * pid is never signalled.
 */
import { readFile, rm } from 'node:fs/promises';
import type { ProcessIdentity } from '../../core/index.js';
import { writeFileAtomic } from '../../shared/index.js';

export type IdentifyProcess = (pid: number) => Promise<ProcessIdentity | undefined>;

export async function recordTunnelProcess(
  file: string,
  pid: number,
  identify: IdentifyProcess,
): Promise<void> {
  const identity = await identify(pid);
  if (identity) await writeFileAtomic(file, `${JSON.stringify(identity)}\n`);
}

export async function forgetTunnelProcess(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** Stops the cloudflared a previous daemon left running; returns its pid, if there was one. */
export async function stopLeftoverTunnel(options: {
  file: string;
  identify: IdentifyProcess;
  kill: (pid: number) => void;
}): Promise<number | undefined> {
  let recorded: Partial<ProcessIdentity>;
  try {
    recorded = JSON.parse(await readFile(options.file, 'utf8')) as Partial<ProcessIdentity>;
  } catch {
    await forgetTunnelProcess(options.file);
    return undefined;
  }
  await forgetTunnelProcess(options.file);
  if (typeof recorded.pid !== 'number') return undefined;
  const current = await options.identify(recorded.pid);
  if (
    !current ||
    current.startTime !== recorded.startTime ||
    current.command !== recorded.command
  ) {
    return undefined;
  }
  options.kill(recorded.pid);
  return recorded.pid;
}
