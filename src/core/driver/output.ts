/**
 * Child output channels that survive the daemon. On POSIX each instance writes stdout and stderr
 * to its own named pipe (FIFO) in the data dir. The child's end is opened read-write, so the
 * child never gets SIGPIPE/EPIPE while no daemon reads (writes simply wait once the pipe buffer
 * fills); a restarted daemon reopens the read end and continues where the old one stopped.
 */
import { execFile } from 'node:child_process';
import { closeSync, constants, lstatSync, mkdirSync, openSync, unlinkSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface FifoPair {
  /** Descriptors to hand to the child as stdout/stderr; close them after spawning. */
  childFds: [number, number];
  readers: [Socket, Socket];
}

export function fifoPaths(io: { dir: string; name: string }): [string, string] {
  return [join(io.dir, `${io.name}.out`), join(io.dir, `${io.name}.err`)];
}

async function ensureFifos(paths: string[]): Promise<void> {
  const missing: string[] = [];
  for (const path of paths) {
    try {
      if (lstatSync(path).isFIFO()) continue;
      unlinkSync(path);
    } catch {
      // absent: create it below
    }
    missing.push(path);
  }
  if (missing.length > 0) await makeFifos(missing);
}

/**
 * Creates FIFOs with one `mkfifo` for every request made in the same tick: starting 100
 * instances at once spawns one mkfifo, not 100 (Node has no mkfifo of its own).
 */
let batch: { paths: Set<string>; done: Promise<void> } | undefined;

function makeFifos(paths: string[]): Promise<void> {
  if (!batch) {
    const current: { paths: Set<string>; done: Promise<void> } = {
      paths: new Set(),
      done: Promise.resolve(),
    };
    current.done = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      batch = undefined;
      await run('mkfifo', ['-m', '600', ...current.paths]);
    });
    batch = current;
  }
  for (const path of paths) batch.paths.add(path);
  return batch.done;
}

/** Opens (creating if needed) the FIFOs for a new child. */
export async function openChildFifos(io: { dir: string; name: string }): Promise<FifoPair> {
  mkdirSync(io.dir, { recursive: true });
  const paths = fifoPaths(io);
  await ensureFifos(paths);
  // The write side first: a reader opened on a FIFO without writers would see end-of-file at once.
  const childFds = paths.map((p) => openSync(p, constants.O_RDWR)) as [number, number];
  const readers = paths.map(openReader) as [Socket, Socket];
  return { childFds, readers };
}

/** Reopens the read ends for an adopted child; undefined when the FIFOs are gone. */
export function reopenFifoReaders(io: { dir: string; name: string }): [Socket, Socket] | undefined {
  const paths = fifoPaths(io);
  try {
    if (!paths.every((p) => lstatSync(p).isFIFO())) return undefined;
  } catch {
    return undefined;
  }
  return paths.map(openReader) as [Socket, Socket];
}

function openReader(path: string): Socket {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  return new Socket({ fd, readable: true, writable: false });
}

export function closeFds(fds: number[]): void {
  for (const fd of fds) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }
}
