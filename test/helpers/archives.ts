/**
 * Archives built in tests: zip with yazl, tar.gz with tar-stream + zlib. yazl refuses unsafe
 * names, so `rename` patches an entry's name bytes afterwards (same length, in both the local
 * header and the central directory); `madeOnWindows` rewrites the central directory the way a
 * Windows zip tool writes it (host MS-DOS, no Unix mode).
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import yazl from 'yazl';

export interface ZipEntrySpec {
  name: string;
  data?: string | Buffer;
  mode?: number;
  directory?: boolean;
}

export async function buildZip(
  entries: ZipEntrySpec[],
  options: { rename?: Record<string, string>; madeOnWindows?: boolean } = {},
): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const entry of entries) {
    if (entry.directory) zip.addEmptyDirectory(entry.name);
    else {
      const data =
        typeof entry.data === 'string' ? Buffer.from(entry.data) : (entry.data ?? Buffer.alloc(0));
      zip.addBuffer(data, entry.name, entry.mode === undefined ? {} : { mode: entry.mode });
    }
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  let bytes: Buffer = Buffer.concat(chunks);
  for (const [from, to] of Object.entries(options.rename ?? {})) {
    if (from.length !== to.length) throw new Error('rename must keep the length');
    bytes = replaceAll(bytes, Buffer.from(from), Buffer.from(to));
  }
  if (options.madeOnWindows) {
    const signature = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
    for (let at = bytes.indexOf(signature); at !== -1; at = bytes.indexOf(signature, at + 4)) {
      bytes.writeUInt16LE(0x0014, at + 4); // version made by: MS-DOS, 2.0
      bytes.writeUInt32LE(0x20, at + 38); // external attributes: FILE_ATTRIBUTE_ARCHIVE
    }
  }
  return bytes;
}

function replaceAll(haystack: Buffer, needle: Buffer, replacement: Buffer): Buffer {
  const out = Buffer.from(haystack);
  for (let at = out.indexOf(needle); at !== -1; at = out.indexOf(needle, at + needle.length)) {
    replacement.copy(out, at);
  }
  return out;
}

export interface TarEntrySpec {
  name: string;
  data?: string | Buffer;
  mode?: number;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device';
  linkname?: string;
}

export async function buildTarGz(entries: TarEntrySpec[]): Promise<Buffer> {
  const pack = tar.pack();
  const collected = (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  })();
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const data = typeof entry.data === 'string' ? Buffer.from(entry.data) : entry.data;
    await new Promise<void>((resolve, reject) => {
      const header = {
        name: entry.name,
        type,
        mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644),
        ...(entry.linkname === undefined ? {} : { linkname: entry.linkname }),
      };
      const callback = (error?: Error | null): void => (error ? reject(error) : resolve());
      if (type === 'file') pack.entry(header, data ?? Buffer.alloc(0), callback);
      else pack.entry(header, callback);
    });
  }
  pack.finalize();
  return gzipSync(await collected);
}

export function writeArchive(path: string, bytes: Buffer): string {
  writeFileSync(path, bytes);
  return path;
}
