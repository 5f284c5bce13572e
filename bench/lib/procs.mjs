/** Linux /proc readers: processes by a marker in their command line, RSS, liveness, waiting. */
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { sleep } from './log.mjs';

function readOr(path, fallback) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/** Process state letter from /proc/<pid>/stat (R, S, Z...), or null when the pid is gone. */
export function procState(pid) {
  const stat = readOr(`/proc/${pid}/stat`, null);
  if (stat === null) return null;
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

/** Running (not gone, not a zombie). */
export function isRunning(pid) {
  const state = procState(pid);
  return state !== null && state !== 'Z' && state !== 'X';
}

/** Pids of running processes whose command line contains `marker` (never this process). */
export function pidsWithMarker(marker) {
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    const cmdline = readOr(`/proc/${pid}/cmdline`, '');
    if (cmdline.includes(marker) && isRunning(pid)) found.push(pid);
  }
  return found;
}

/** A "kB" field of /proc/<pid>/status (VmRSS, VmHWM...), or null when the pid is gone. */
export function statusKiB(pid, field) {
  const status = readOr(`/proc/${pid}/status`, '');
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return match ? Number(match[1]) : null;
}

/** Resident set size of a process in KiB, or null when it is gone. */
export const rssKiB = (pid) => statusKiB(pid, 'VmRSS');

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on every Linux we run on). */
export const USER_HZ = 100;

/**
 * CPU time a process has used so far, user + system, in clock ticks (USER_HZ), from
 * /proc/<pid>/stat (fields 14 and 15; all of its threads; children not included), or null when
 * it is gone.
 */
export function cpuTicks(pid) {
  const stat = readOr(`/proc/${pid}/stat`, null);
  if (stat === null) return null;
  // After "pid (comm) ": field 3 (state) is index 0, so utime (14) is 11 and stime (15) is 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Polls `check` every `intervalMs` until it returns a truthy value; rejects after `timeoutMs`. */
export async function waitFor(check, { timeoutMs, intervalMs = 20, what = 'condition' }) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (performance.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/**
 * Waits until none of `pids` runs and no process with `marker` is left (a fresh scan at the
 * end catches instances started during the stop). Resolves with performance.now() of that
 * moment. Gives up when `abort.failed` is set (to that error) or after `timeoutMs`.
 */
export async function waitAllGone(pids, marker, { timeoutMs, intervalMs = 5, abort }) {
  const deadline = performance.now() + timeoutMs;
  let watched = [...pids];
  for (;;) {
    if (abort?.failed) throw abort.failed;
    watched = watched.filter(isRunning);
    if (watched.length === 0) {
      const at = performance.now();
      watched = pidsWithMarker(marker);
      if (watched.length === 0) return at;
    }
    if (performance.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms: ${watched.length} fixture process(es) still run`,
      );
    await sleep(intervalMs);
  }
}

/** Sends a signal to each pid, ignoring the ones already gone. */
export function killAll(pids, signal = 'SIGKILL') {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** Waits for a pid to end (zombie counts as ended); SIGKILL after `timeoutMs`. */
export async function waitExit(pid, timeoutMs = 15_000) {
  try {
    await waitFor(() => !isRunning(pid), { timeoutMs, what: `pid ${pid} to exit` });
    return true;
  } catch {
    killAll([pid], 'SIGKILL');
    return false;
  }
}
