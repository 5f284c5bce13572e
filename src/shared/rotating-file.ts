import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Writable } from 'node:stream';

export interface RotatingFileOptions {
  /** Rotate before a write would take the file past this many bytes. */
  maxSize: number;
  /** Files kept in all: the live file plus maxFiles - 1 rotated ones (`x.log.1` is the newest). */
  maxFiles: number;
  mode?: number;
}

/**
 * An append-only file stream that rotates by size. It is a Writable, so writers get
 * back-pressure: `write()` returns false while a write is in flight beyond the buffer.
 */
export class RotatingFileWriter extends Writable {
  private handle: FileHandle | undefined;
  private size = 0;

  constructor(
    readonly path: string,
    private readonly options: RotatingFileOptions,
  ) {
    super({ highWaterMark: 64 * 1024, decodeStrings: true });
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.append([chunk]).then(() => callback(), callback);
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    this.append(chunks.map((c) => c.chunk)).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.closeHandle().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.closeHandle().then(
      () => callback(error),
      () => callback(error),
    );
  }

  /** Writes a batch, rotating between chunks so no file grows past maxSize (unless one chunk does). */
  private async append(chunks: Buffer[]): Promise<void> {
    if (this.handle === undefined) await this.openHandle();
    let pending: Buffer[] = [];
    let pendingSize = 0;
    for (const chunk of chunks) {
      if (
        this.size + pendingSize > 0 &&
        this.size + pendingSize + chunk.length > this.options.maxSize
      ) {
        await this.writeOut(pending, pendingSize);
        pending = [];
        pendingSize = 0;
        if (this.size > 0) await this.rotate();
      }
      pending.push(chunk);
      pendingSize += chunk.length;
    }
    await this.writeOut(pending, pendingSize);
  }

  private async writeOut(chunks: Buffer[], size: number): Promise<void> {
    if (size === 0) return;
    await this.handle!.write(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    this.size += size;
  }

  private async openHandle(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true }); // errors arrive as 'error' events, like any write's
    this.handle = await open(this.path, 'a', this.options.mode ?? 0o644);
    this.size = (await this.handle.stat()).size;
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private async rotate(): Promise<void> {
    await this.closeHandle();
    const keep = Math.max(1, this.options.maxFiles) - 1;
    if (keep === 0) {
      await rm(this.path, { force: true });
    } else {
      await rm(`${this.path}.${keep}`, { force: true });
      for (let i = keep - 1; i >= 1; i--)
        await renameIfExists(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      await renameIfExists(this.path, `${this.path}.1`);
    }
    await this.openHandle();
  }
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await stat(from);
  } catch {
    return;
  }
  await rename(from, to);
}
