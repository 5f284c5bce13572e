import { readFileSync } from 'node:fs';
/** Collects a stream's text lines as they arrive. */
import type { Readable } from 'node:stream';

export class LineCollector {
  readonly lines: string[] = [];
  private partial = '';

  constructor(stream: Readable) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
    });
    stream.on('error', () => undefined);
  }

  has(predicate: string | RegExp): true | string {
    const found = this.lines.some((l) =>
      typeof predicate === 'string' ? l === predicate : predicate.test(l),
    );
    return found ? true : `no line ${String(predicate)} in ${JSON.stringify(this.lines.slice(-5))}`;
  }
}

/**
 * Whether a process runs. A zombie (dead, waiting for its reaper; some container inits reap
 * slowly) does not count.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return process.platform !== 'linux';
  }
}
