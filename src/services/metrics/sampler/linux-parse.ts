/**
 * Parsers of Linux /proc files (pure). The per-process ones (`stat`, `io`) run for every member
 * of every tree on every tick, so they scan bytes in place and allocate nothing; the host ones run
 * once per tick and work on strings.
 */

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ): 100 on every Linux ABI Node runs on. */
export const USER_HZ = 100;
export const MS_PER_TICK = 1000 / USER_HZ;
/** /proc/diskstats counts 512-byte sectors whatever the device's real sector size. */
export const DISKSTATS_SECTOR_BYTES = 512;

/** The fields of /proc/<pid>/stat we use. Filled in place by parseProcStat. */
export interface ProcStat {
  /** The state letter's char code: 'Z' (zombie) and 'X' (dead) are gone for our purposes. */
  state: number;
  ppid: number;
  /** Field 22, clock ticks since boot: with the pid it identifies the process. */
  startTime: number;
  /** utime + stime (fields 14 + 15), clock ticks. */
  cpuTicks: number;
  threads: number;
  rssPages: number;
}

export function emptyProcStat(): ProcStat {
  return { state: 0, ppid: 0, startTime: 0, cpuTicks: 0, threads: 0, rssPages: 0 };
}

const CLOSE_PAREN = 0x29;
const SPACE = 0x20;
const NEWLINE = 0x0a;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const STATE_ZOMBIE = 0x5a; // Z
const STATE_DEAD = 0x58; // X

/** Whether the parsed process has exited (a zombie waits only for its parent to reap it). */
export function isGone(stat: ProcStat): boolean {
  return stat.state === STATE_ZOMBIE || stat.state === STATE_DEAD;
}

/**
 * Parses `bytes[0..length)` of /proc/<pid>/stat into `into`; false when it is not a stat line.
 * The second field is the command name in parentheses and may itself contain spaces and `) (`,
 * so the fields are counted from the LAST `)`.
 */
export function parseProcStat(bytes: Uint8Array, length: number, into: ProcStat): boolean {
  let close = length - 1;
  while (close >= 0 && bytes[close] !== CLOSE_PAREN) close--;
  if (close < 0 || close + 2 >= length) return false;
  // Field 3 (state) is index 0 after ") "; we need up to field 24 (rss), index 21.
  let at = close + 2;
  into.state = bytes[at]!;
  let utime = 0;
  let found = 0;
  for (let field = 0; field <= 21; field++) {
    const start = at;
    while (at < length && bytes[at] !== SPACE && bytes[at] !== NEWLINE) at++;
    if (at === start) return false;
    switch (field) {
      case 1:
        into.ppid = decimal(bytes, start, at);
        found++;
        break;
      case 11:
        utime = decimal(bytes, start, at);
        found++;
        break;
      case 12:
        into.cpuTicks = utime + decimal(bytes, start, at);
        found++;
        break;
      case 17:
        into.threads = decimal(bytes, start, at);
        found++;
        break;
      case 19:
        into.startTime = decimal(bytes, start, at);
        found++;
        break;
      case 21:
        into.rssPages = decimal(bytes, start, at);
        found++;
        break;
    }
    at++; // the separator
  }
  return (
    found === 6 &&
    Number.isFinite(into.ppid) &&
    Number.isFinite(into.cpuTicks) &&
    Number.isFinite(into.startTime) &&
    Number.isFinite(into.threads) &&
    Number.isFinite(into.rssPages)
  );
}

/** The integer in bytes[start..end), or NaN when it is not one. */
function decimal(bytes: Uint8Array, start: number, end: number): number {
  let at = start;
  const negative = bytes[at] === MINUS;
  if (negative) at++;
  if (at >= end) return Number.NaN;
  let value = 0;
  for (; at < end; at++) {
    const c = bytes[at]!;
    if (c < ZERO || c > NINE) return Number.NaN;
    value = value * 10 + (c - ZERO);
  }
  return negative ? -value : value;
}

const READ_BYTES = Buffer.from('read_bytes:', 'latin1');
const WRITE_BYTES = Buffer.from('write_bytes:', 'latin1');

/** The storage bytes of /proc/<pid>/io (`read_bytes`, `write_bytes`: what reached the block layer). */
export interface ProcIo {
  readBytes: number;
  writeBytes: number;
}

/**
 * Parses /proc/<pid>/io into `into`; false when either line is missing. Keys are matched at line
 * starts only, so `cancelled_write_bytes` is not taken for `write_bytes`.
 */
export function parseProcIo(bytes: Uint8Array, length: number, into: ProcIo): boolean {
  let readBytes = Number.NaN;
  let writeBytes = Number.NaN;
  for (let line = 0; line < length;) {
    let end = line;
    while (end < length && bytes[end] !== NEWLINE) end++;
    if (startsWith(bytes, line, end, READ_BYTES))
      readBytes = trimmedDecimal(bytes, line + READ_BYTES.length, end);
    else if (startsWith(bytes, line, end, WRITE_BYTES))
      writeBytes = trimmedDecimal(bytes, line + WRITE_BYTES.length, end);
    line = end + 1;
  }
  if (!Number.isFinite(readBytes) || !Number.isFinite(writeBytes)) return false;
  into.readBytes = readBytes;
  into.writeBytes = writeBytes;
  return true;
}

function startsWith(bytes: Uint8Array, start: number, end: number, prefix: Uint8Array): boolean {
  if (end - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[start + i] !== prefix[i]) return false;
  return true;
}

function trimmedDecimal(bytes: Uint8Array, start: number, end: number): number {
  let at = start;
  while (at < end && bytes[at] === SPACE) at++;
  return decimal(bytes, at, end);
}

/** The aggregate `cpu` line of /proc/stat, in milliseconds over all cores. */
export function parseProcStatCpu(text: string): { busyMs: number; totalMs: number } | undefined {
  const newline = text.indexOf('\n');
  const line = newline < 0 ? text : text.slice(0, newline);
  const [label, ...fields] = line.trim().split(/\s+/);
  if (label !== 'cpu' || fields.length < 4) return undefined;
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] =
    fields.map(Number);
  // guest and guest_nice (fields 9-10) are already counted inside user and nice.
  const busy = user! + nice! + system! + irq + softirq + steal;
  const total = busy + idle! + iowait;
  if (!Number.isFinite(busy) || !Number.isFinite(total)) return undefined;
  return { busyMs: busy * MS_PER_TICK, totalMs: total * MS_PER_TICK };
}

/** The count of `cpuN` lines of /proc/stat (online CPUs). */
export function countCpuLines(text: string): number {
  const matches = text.match(/^cpu\d+ /gm);
  return matches === null ? 0 : matches.length;
}

export function parseLoadavg(
  text: string,
): { load1: number; load5: number; load15: number } | undefined {
  const [load1, load5, load15] = text.trim().split(/\s+/).map(Number);
  if (![load1, load5, load15].every((v) => v !== undefined && Number.isFinite(v))) return undefined;
  return { load1: load1!, load5: load5!, load15: load15! };
}

/** MemTotal and MemAvailable of /proc/meminfo, bytes (the file says kB and means KiB). */
export function parseMeminfo(
  text: string,
): { totalBytes: number; availableBytes: number } | undefined {
  const kib = (key: string): number => {
    const match = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text);
    return match === null ? Number.NaN : Number(match[1]) * 1024;
  };
  const totalBytes = kib('MemTotal');
  // MemAvailable exists since Linux 3.14; before that, free + page cache is the usual estimate.
  let availableBytes = kib('MemAvailable');
  if (Number.isNaN(availableBytes)) availableBytes = kib('MemFree') + kib('Cached');
  if (!Number.isFinite(totalBytes) || !Number.isFinite(availableBytes)) return undefined;
  return { totalBytes, availableBytes };
}

/**
 * Whether a /sys/block entry is a whole physical disk worth counting. Loop, RAM and zram devices
 * are not storage traffic; device-mapper and md devices sit on top of disks that are already
 * counted, so counting them too would count the same bytes twice.
 */
export function isCountedDisk(name: string): boolean {
  return !/^(loop|ram|zram|dm-|md)/.test(name);
}

/**
 * Bytes read and written by the given whole disks, from /proc/diskstats (sectors × 512).
 * `disks` are /sys/block names: a `!` there is a `/` in diskstats (cciss!c0d0 → cciss/c0d0).
 */
export function parseDiskstats(
  text: string,
  disks: ReadonlySet<string>,
): { readBytes: number; writeBytes: number } {
  let readSectors = 0;
  let writeSectors = 0;
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // major minor name reads merged sectors_read ms writes merged sectors_written ...
    const name = fields[2];
    if (name === undefined || fields.length < 10 || !disks.has(name.replace(/\//g, '!'))) continue;
    readSectors += Number(fields[5]) || 0;
    writeSectors += Number(fields[9]) || 0;
  }
  return {
    readBytes: readSectors * DISKSTATS_SECTOR_BYTES,
    writeBytes: writeSectors * DISKSTATS_SECTOR_BYTES,
  };
}

/** Received and transmitted bytes over every interface but loopback, from /proc/net/dev. */
export function parseNetDev(text: string): { rxBytes: number; txBytes: number } {
  let rxBytes = 0;
  let txBytes = 0;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (name === 'lo' || name === '') continue;
    // Receive: bytes packets errs drop fifo frame compressed multicast; then Transmit: bytes ...
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    if (fields.length < 9) continue;
    rxBytes += Number(fields[0]) || 0;
    txBytes += Number(fields[8]) || 0;
  }
  return { rxBytes, txBytes };
}

/**
 * The base page size from the head of /proc/self/smaps (`KernelPageSize: 4 kB` of the first
 * mapping), so RSS pages convert right on 16 KiB / 64 KiB page kernels (some arm64 distros);
 * undefined when the text has no such line.
 */
export function parsePageSize(smapsHead: string): number | undefined {
  const match = /^KernelPageSize:\s+(\d+) kB/m.exec(smapsHead);
  const kib = match === null ? Number.NaN : Number(match[1]);
  return kib > 0 ? kib * 1024 : undefined;
}
