/**
 * Parsing of `ps -A -o pid=,ppid=,rss=,state=,time=,lstart=` (pure), the one command macOS and
 * other POSIX systems without /proc run per tick for every process at once. Columns: pid, parent
 * pid, resident set in KiB, state letters, cumulative CPU time (user + system) and the start
 * date, last because it holds spaces. ps has no per-process thread count (only `-M`, one line per
 * thread), open-file count or I/O bytes on macOS: those stay null.
 */
import type { ProcessCounters } from '../types.js';

/** The ps arguments the parser expects; the reader runs ps with LC_ALL=C for English dates. */
export const PS_ARGS = ['-A', '-o', 'pid=,ppid=,rss=,state=,time=,lstart='] as const;

const LINE = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(.+?)\s*$/;

/** Every live process in the output; zombies (state Z) and unparsable lines are left out. */
export function parsePsOutput(stdout: string): ProcessCounters[] {
  const processes: ProcessCounters[] = [];
  for (const line of stdout.split('\n')) {
    const match = LINE.exec(line);
    if (match === null) continue;
    const [, pid, ppid, rssKib, state, time, lstart] = match;
    if (state!.startsWith('Z')) continue;
    const cpuMs = parseCpuTime(time!);
    const startTime = parseLstart(lstart!);
    if (cpuMs === undefined || startTime === undefined) continue;
    processes.push({
      pid: Number(pid),
      ppid: Number(ppid),
      startTime,
      cpuMs,
      rssBytes: Number(rssKib) * 1024,
      readBytes: null,
      writeBytes: null,
      handles: null,
      threads: null,
    });
  }
  return processes;
}

/**
 * ps's cumulative CPU time in ms. macOS prints `M:SS.ss` (minutes can exceed 59: `123:45.67`);
 * procps and the BSDs print `HH:MM:SS` or `D-HH:MM:SS`, some with fractional seconds.
 */
export function parseCpuTime(text: string): number | undefined {
  const match = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (match === null) return undefined;
  const [, days = '0', hours = '0', minutes, seconds] = match;
  const totalSeconds =
    ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds);
  return Math.round(totalSeconds * 1000);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * `lstart` (`Mon Jan  5 10:00:00 2026`, local time, C locale) as Unix ms. It only has to be
 * stable for one process and ordered between processes (a child starts no earlier than its
 * parent), which a one-second resolution gives.
 */
export function parseLstart(text: string): number | undefined {
  const match = /^\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\d{4})$/.exec(
    text.trim(),
  );
  if (match === null) return undefined;
  const [, month, day, hours, minutes, seconds, year] = match;
  const monthIndex = MONTHS.indexOf(month!);
  if (monthIndex < 0) return undefined;
  return new Date(
    Number(year),
    monthIndex,
    Number(day),
    Number(hours),
    Number(minutes),
    Number(seconds),
  ).getTime();
}
