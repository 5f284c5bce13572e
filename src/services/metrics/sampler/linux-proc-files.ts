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
