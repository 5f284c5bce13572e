/** Splits a child's output stream into lines as it arrives. */
import type { Readable } from 'node:stream';

/** Longer lines are cut here: a runaway line must not grow the buffer without bound. */
export const MAX_LINE_CHARS = 4096;

export function onLines(stream: Readable, onLine: (line: string) => void): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    if (partial.length > MAX_LINE_CHARS) {
      parts.push(partial);
      partial = '';
    }
    for (const part of parts) onLine(trimLine(part));
  });
  stream.on('end', () => {
    if (partial !== '') onLine(trimLine(partial));
    partial = '';
  });
  stream.on('error', () => undefined);
}

function trimLine(line: string): string {
  return (line.endsWith('\r') ? line.slice(0, -1) : line).slice(0, MAX_LINE_CHARS);
}
