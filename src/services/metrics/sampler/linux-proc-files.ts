/**
 * Reading small /proc files into a caller's buffer, synchronously: procfs content is generated
 * by the kernel on read and never waits on a disk.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parsePageSize } from './linux-parse.js';

/** Reads a whole small file with open/read/close; -1 when it cannot be opened or read. */
export function readOnce(path: string, buffer: Buffer, bytes = buffer.length): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return -1;
  }
  try {
    return readSync(fd, buffer, 0, bytes, 0);
  } catch {
    return -1;
  } finally {
    closeSync(fd);
  }
}

/** Bytes per page for RSS: the kernel's base page size, or 4096 when smaps is unreadable. */
export function readPageSize(procRoot: string): number {
  const head = Buffer.allocUnsafe(4096);
  const length = readOnce(`${procRoot}/self/smaps`, head);
  return (length > 0 ? parsePageSize(head.toString('latin1', 0, length)) : undefined) ?? 4096;
}

/** No /proc file we read is near this; a bound keeps a runaway file from growing the buffer. */
const MAX_PROC_FILE_BYTES = 4 * 1024 * 1024;

/**
 * A /proc file read every tick through one descriptor kept open: a read at offset 0 makes the
 * kernel generate it afresh, so a tick costs one system call instead of open/fstat/read/close.
 * A read continues at the offset reached until the kernel has nothing more: a /proc file made
 * of records (diskstats, net/dev, maps) hands out about one page per read call, whatever the
 * buffer's size. The buffer grows when the file outgrows it, up to MAX_PROC_FILE_BYTES.
 */
export class KeptProcFile {
  private fd: number | undefined;
  private buffer: Buffer;

  constructor(
    private readonly path: string,
    initialBytes = 16 * 1024,
  ) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  /**
   * The file's text (latin1), or '' when it cannot be read; at most `maxBytes` of its head
   * (/proc/stat's CPU lines come first, before an `intr` line of thousands of counters).
   */
  read(maxBytes = MAX_PROC_FILE_BYTES): string {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        this.fd ??= openSync(this.path, 'r');
        let length = 0;
        for (;;) {
          const capacity = Math.min(this.buffer.length, maxBytes);
          if (length >= capacity) {
            if (length >= maxBytes) break;
            const grown = Buffer.allocUnsafe(Math.min(maxBytes, this.buffer.length * 2));
            this.buffer.copy(grown, 0, 0, length);
            this.buffer = grown;
            continue;
          }
          const got = readSync(this.fd, this.buffer, length, capacity - length, length);
          if (got === 0) break;
          length += got;
        }
        return this.buffer.toString('latin1', 0, length);
      } catch {
        this.close(); // opened again once: a descriptor can go stale (a /proc remount)
      }
    }
    return '';
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = undefined;
  }
}
