/**
 * zip and tar.gz read as one sequence of entries, so the extractor has one set of safety rules.
 * Entries come one at a time; a file entry's body must be consumed (read or drained) before the
 * next one is asked for.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import yauzl from 'yauzl';

export interface ArchiveEntry {
  /** As stored in the archive; not yet checked. */
  name: string;
  kind: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  /** Unix permission bits when the archive records them. */
  mode: number | undefined;
  /** The body of a file entry. */
  body?: Readable;
  /** A symlink's target, or a hardlink's (root-relative) source. */
  linkTarget?: string;
  /** What the archive calls an unsupported entry (fifo, device...). */
  typeName?: string;
}

const MAX_LINK_TARGET = 4096;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
/** versionMadeBy's high byte for Unix, the only host whose external attributes hold a mode. */
const ZIP_HOST_UNIX = 3;

export async function* readTarGz(file: string): AsyncGenerator<ArchiveEntry> {
  const extract = tar.extract();
  // pipeline destroys `extract` with the first error (a gzip CRC, a short read), which ends the
  // iteration below with that error.
  const piping = pipeline(createReadStream(file), createGunzip(), extract).catch(() => {});
  for await (const entry of extract) {
    const header = entry.header;
    const mode = header.mode ?? undefined;
    switch (header.type) {
      case 'file':
      case 'contiguous-file':
      case null:
      case undefined:
        yield { name: header.name, kind: 'file', mode, body: entry as unknown as Readable };
        break;
      case 'directory':
        yield { name: header.name, kind: 'directory', mode };
        break;
      case 'symlink':
        yield { name: header.name, kind: 'symlink', mode, linkTarget: header.linkname ?? '' };
        break;
      case 'link':
        yield { name: header.name, kind: 'hardlink', mode, linkTarget: header.linkname ?? '' };
        break;
      default:
        yield { name: header.name, kind: 'other', mode, typeName: header.type };
    }
    entry.resume();
  }
  await piping;
}

export async function* readZip(file: string): AsyncGenerator<ArchiveEntry> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(
      file,
      { lazyEntries: true, autoClose: true, decodeStrings: true, validateEntrySizes: true },
      (error, opened) => (error ? reject(error) : resolve(opened)),
    ),
  );
  try {
    for (;;) {
      const entry = await nextZipEntry(zip);
      if (entry === undefined) return;
      const isUnix = entry.versionMadeBy >> 8 === ZIP_HOST_UNIX;
      const attributes = (entry.externalFileAttributes >>> 16) & 0xffff;
      const mode = isUnix && attributes !== 0 ? attributes & 0o7777 : undefined;
      const type = isUnix ? attributes & S_IFMT : 0;
      if (entry.isEncrypted()) {
        yield { name: entry.fileName, kind: 'other', mode, typeName: 'encrypted file' };
      } else if (entry.fileName.endsWith('/') || type === S_IFDIR) {
        yield { name: entry.fileName, kind: 'directory', mode };
      } else if (type === S_IFLNK) {
        const target = await readSmall(await openZipEntry(zip, entry), MAX_LINK_TARGET);
        yield { name: entry.fileName, kind: 'symlink', mode, linkTarget: target };
      } else {
        const body = await openZipEntry(zip, entry);
        yield { name: entry.fileName, kind: 'file', mode, body };
        body.resume();
      }
    }
  } finally {
    zip.close();
  }
}

function nextZipEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (entry: yauzl.Entry): void => (cleanup(), resolve(entry));
    const onEnd = (): void => (cleanup(), resolve(undefined));
    const onError = (error: Error): void => (cleanup(), reject(error));
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

function openZipEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))),
  );
}

async function readSmall(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      stream.destroy();
      throw new Error(`a link target longer than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
