import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dir.js';
import { RotatingFileWriter, type RotatingFileOptions } from './rotating-file.js';

function writer(options: RotatingFileOptions): {
  file: RotatingFileWriter;
  path: string;
  dir: string;
} {
  const dir = tempDir();
  const path = join(dir, 'logs', 'app.log');
  return { file: new RotatingFileWriter(path, options), path, dir };
}

/** Writes one chunk and waits until it is on disk. */
function writeAndWait(file: RotatingFileWriter, data: string): Promise<void> {
  return new Promise((resolve, reject) => {
    file.write(data, (error) => (error ? reject(error) : resolve()));
  });
}

function end(file: RotatingFileWriter): Promise<void> {
  return new Promise((resolve) => file.end(() => resolve()));
}

/** A line of exactly `size` bytes (newline included) that names its number. */
function line(n: number, size: number): string {
  const label = `line-${n}`;
  return `${label}${'.'.repeat(size - label.length - 1)}\n`;
}

const read = (path: string): string => readFileSync(path, 'utf8');

describe('RotatingFileWriter', () => {
  it('creates the directory and appends to the file', async () => {
    const { file, path } = writer({ maxSize: 1000, maxFiles: 3 });
    await writeAndWait(file, 'hello\n');
    await writeAndWait(file, 'world\n');
    await end(file);
    expect(read(path)).toBe('hello\nworld\n');
  });

  it('rotates before a write would take the file past max_size', async () => {
    const { file, path } = writer({ maxSize: 100, maxFiles: 3 });
    for (let i = 0; i < 3; i++) await writeAndWait(file, line(i, 30));
    expect(statSync(path).size).toBe(90);
    await writeAndWait(file, line(3, 30)); // 120 > 100: rotate first
    await end(file);
    expect(read(`${path}.1`)).toBe(line(0, 30) + line(1, 30) + line(2, 30));
    expect(read(path)).toBe(line(3, 30));
  });

  it('a write that exactly reaches max_size does not rotate', async () => {
    const { file, path, dir } = writer({ maxSize: 100, maxFiles: 3 });
    await writeAndWait(file, line(0, 50));
    await writeAndWait(file, line(1, 50));
    await end(file);
    expect(statSync(path).size).toBe(100);
    expect(readdirSync(join(dir, 'logs'))).toEqual(['app.log']);
  });

  it('keeps max_files files in all, .1 the newest', async () => {
    const { file, path, dir } = writer({ maxSize: 100, maxFiles: 3 });
    for (let i = 0; i < 10; i++) await writeAndWait(file, line(i, 60)); // each write rotates
    await end(file);
    expect(readdirSync(join(dir, 'logs')).sort()).toEqual(['app.log', 'app.log.1', 'app.log.2']);
    expect(read(path)).toBe(line(9, 60));
    expect(read(`${path}.1`)).toBe(line(8, 60));
    expect(read(`${path}.2`)).toBe(line(7, 60));
  });

  it('with max_files 1 keeps only the live file', async () => {
    const { file, path, dir } = writer({ maxSize: 100, maxFiles: 1 });
    for (let i = 0; i < 4; i++) await writeAndWait(file, line(i, 60));
    await end(file);
    expect(readdirSync(join(dir, 'logs'))).toEqual(['app.log']);
    expect(read(path)).toBe(line(3, 60));
  });

  it('a single write larger than max_size goes whole into a fresh file', async () => {
    const { file, path } = writer({ maxSize: 100, maxFiles: 3 });
    await writeAndWait(file, line(0, 10));
    await writeAndWait(file, line(1, 250));
    await end(file);
    expect(read(`${path}.1`)).toBe(line(0, 10));
    expect(read(path)).toBe(line(1, 250));
  });

  it('appends to an existing file, counting its size toward max_size', async () => {
    const dir = tempDir();
    const path = join(dir, 'app.log');
    writeFileSync(path, line(100, 50));
    const file = new RotatingFileWriter(path, { maxSize: 100, maxFiles: 3 });
    await writeAndWait(file, line(0, 40)); // 90: fits
    await writeAndWait(file, line(1, 40)); // 130: rotates
    await end(file);
    expect(read(`${path}.1`)).toBe(line(100, 50) + line(0, 40));
    expect(read(path)).toBe(line(1, 40));
  });

  it('rotates an existing file that is already full at the first write', async () => {
    const dir = tempDir();
    const path = join(dir, 'app.log');
    writeFileSync(path, line(100, 95));
    const file = new RotatingFileWriter(path, { maxSize: 100, maxFiles: 2 });
    await writeAndWait(file, line(0, 10));
    await end(file);
    expect(read(`${path}.1`)).toBe(line(100, 95));
    expect(read(path)).toBe(line(0, 10));
  });

  it('creates files with the given mode', async () => {
    const { file, path } = writer({ maxSize: 100, maxFiles: 2, mode: 0o640 });
    await writeAndWait(file, 'x\n');
    await end(file);
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o640 & ~umask());
  });

  it('a burst of writes keeps every file within max_size and loses nothing', async () => {
    const { file, path, dir } = writer({ maxSize: 1000, maxFiles: 100 });
    const lines = Array.from({ length: 200 }, (_, i) => line(i, 50));
    for (const text of lines) file.write(text); // no waiting: the stream batches them
    await end(file);
    const names = readdirSync(join(dir, 'logs'));
    for (const name of names) {
      const size = statSync(join(dir, 'logs', name)).size;
      expect(size, `${name} is ${size} bytes`).toBeLessThanOrEqual(1000);
    }
    const rotated = names.length - 1;
    const all = [...Array.from({ length: rotated }, (_, i) => `${path}.${rotated - i}`), path]
      .map(read)
      .join('');
    expect(all).toBe(lines.join(''));
  });

  it('signals back-pressure past the highWaterMark, then drains', async () => {
    const { file, path } = writer({ maxSize: 10 * 1024 * 1024, maxFiles: 2 });
    const chunk = 'x'.repeat(1023) + '\n';
    let writes = 0;
    let accepted = true;
    while (accepted && writes < 1000) {
      accepted = file.write(chunk);
      writes++;
    }
    expect(accepted).toBe(false);
    expect(writes).toBe(64); // 64 KiB buffered reaches the 64 KiB highWaterMark
    expect(file.writableNeedDrain).toBe(true);
    await once(file, 'drain');
    expect(file.writableNeedDrain).toBe(false);
    await end(file);
    expect(statSync(path).size).toBe(writes * 1024);
  });
});

function umask(): number {
  const mask = process.umask(0);
  process.umask(mask);
  return mask;
}
