/**
 * Reading the last lines of an instance's log without loading the whole file: blocks are read
 * backwards from the end, then from the rotated files if the live one is too short.
 */
import { open } from 'node:fs/promises';
import { parseLogLine, type LogLine } from './instance-log.js';

const BLOCK = 64 * 1024;

export async function readLogTail(path: string, count: number, maxFiles = 5): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for (let rotation = 0; rotation < maxFiles && out.length < count; rotation++) {
    const file = rotation === 0 ? path : `${path}.${rotation}`;
    const lines = await tailOfFile(file, count - out.length);
    if (lines === undefined) break;
    out.unshift(...lines);
  }
  return out;
}

async function tailOfFile(path: string, count: number): Promise<LogLine[] | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = (await handle.stat()).size;
    let position = size;
    const blocks: Buffer[] = [];
    let newlines = 0;
    while (position > 0 && newlines <= count) {
      const length = Math.min(BLOCK, position);
      position -= length;
      const block = Buffer.alloc(length);
      await handle.read(block, 0, length, position);
      blocks.unshift(block);
      for (const byte of block) if (byte === 0x0a) newlines++;
    }
    // Decode once: a character may straddle two blocks.
    const text = Buffer.concat(blocks).toString('utf8');
    const raw = text.split('\n').filter((l) => l !== '');
    if (position > 0) raw.shift(); // the first line may be cut in half
    return raw
      .slice(-count)
      .map((l) => parseLogLine(l) ?? { at: 0, stream: 'out' as const, text: l });
  } finally {
    await handle.close();
  }
}
