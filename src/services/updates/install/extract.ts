/**
 * Installs a downloaded asset into its version directory: unpacks a zip or tar.gz (or copies a
 * bare executable) into a temp directory beside `destDir`, then renames it into place, so a
 * version directory is either complete or absent. Nothing in the archive may land outside it:
 * entry paths and link targets are checked before anything is written, links are created last
 * (no entry is ever written through one), and size and entry count are capped.
 */
import { createWriteStream } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, mkdtemp, rename, rm, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DaemonError, errnoCode, type Platform } from '../../../shared/index.js';
import { readTarGz, readZip, type ArchiveEntry } from './archive-readers.js';
import { ancestorsOf, checkLinkTarget, safeEntryPath, unsafeEntry } from './entry-path.js';
import { assetFormat } from './select-asset.js';

export const DEFAULT_MAX_EXTRACTED_BYTES = 2 * 1024 ** 3;
export const DEFAULT_MAX_ENTRIES = 10_000;

export interface InstallArchiveRequest {
  /** The downloaded (and verified) asset. */
  file: string;
  /** Its name in the release: decides zip / tar.gz / bare executable. */
  assetName: string;
  /** binaries/<process>/<version>/; must not exist yet. */
  destDir: string;
  platform: Platform | NodeJS.Platform;
  /** Names the executable may have (the process name, the repository name), without .exe. */
  executableNames?: readonly string[] | undefined;
  maxBytes?: number | undefined;
  maxEntries?: number | undefined;
}

export interface InstalledArchive {
  /** Absolute path of the executable inside destDir. */
  executable: string;
}

export async function installArchive(request: InstallArchiveRequest): Promise<InstalledArchive> {
  if (await exists(request.destDir)) throw alreadyInstalled(request.destDir);
  const parent = dirname(request.destDir);
  await mkdir(parent, { recursive: true });
  const temp = await mkdtemp(join(parent, `.${basename(request.destDir)}.partial-`));
  try {
    const relative = await unpack(request, temp);
    await chmod(join(temp, relative), 0o755);
    try {
      await rename(temp, request.destDir);
    } catch (error) {
      // Another install of the same version won the race (rename onto a non-empty directory).
      const code = errnoCode(error);
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM') {
        throw alreadyInstalled(request.destDir);
      }
      throw error;
    }
    return { executable: join(request.destDir, relative) };
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

function alreadyInstalled(destDir: string): DaemonError {
  return new DaemonError('invalid_argument', `version already installed at ${destDir}`, {
    details: { dir: destDir },
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/** Unpacks into `root` and returns the executable's root-relative path. */
async function unpack(request: InstallArchiveRequest, root: string): Promise<string> {
  const format = assetFormat(request.assetName);
  if (format !== 'zip' && format !== 'tar.gz') {
    const name = basename(request.assetName.replace(/\\/g, '/'));
    safeEntryPath(name);
    await copyFile(request.file, join(root, name));
    return name;
  }
  const target = new ExtractionTarget(root, request);
  const entries = format === 'zip' ? readZip(request.file) : readTarGz(request.file);
  try {
    for await (const entry of entries) await target.add(entry);
  } catch (error) {
    if (error instanceof DaemonError) throw error;
    throw new DaemonError(
      'archive_unsafe',
      `archive ${request.assetName} is damaged or unsafe: ${(error as Error).message}`,
      { details: { asset: request.assetName }, cause: error },
    );
  }
  await target.createLinks(request.platform);
  return chooseExecutable(target.files, request);
}

export interface ExtractedFile {
  path: string;
  executable: boolean;
}

class ExtractionTarget {
  readonly files = new Map<string, ExtractedFile>();
  private readonly links = new Map<string, { target: string; entry: string }>();
  private entryCount = 0;
  private byteCount = 0;
  private readonly maxBytes: number;
  private readonly maxEntries: number;

  constructor(
    private readonly root: string,
    request: InstallArchiveRequest,
  ) {
    this.maxBytes = request.maxBytes ?? DEFAULT_MAX_EXTRACTED_BYTES;
    this.maxEntries = request.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  async add(entry: ArchiveEntry): Promise<void> {
    if (++this.entryCount > this.maxEntries) {
      throw new DaemonError(
        'archive_unsafe',
        `the archive has more than ${this.maxEntries} entries`,
      );
    }
    const path = safeEntryPath(entry.name);
    if (path === '') return;
    for (const ancestor of [...ancestorsOf(path), path]) {
      if (this.links.has(ancestor)) {
        throw unsafeEntry(entry.name, `would be written through or over the link ${ancestor}`);
      }
    }
    try {
      await this.write(entry, path);
    } catch (error) {
      if (error instanceof DaemonError) throw error;
      const code = errnoCode(error);
      if (code === 'EEXIST' || code === 'EISDIR' || code === 'ENOTDIR') {
        throw unsafeEntry(
          entry.name,
          'clashes with another entry (a file where a directory is, or the reverse)',
        );
      }
      throw error;
    }
  }

  private async write(entry: ArchiveEntry, path: string): Promise<void> {
    const full = join(this.root, path);
    switch (entry.kind) {
      case 'directory':
        await mkdir(full, { recursive: true });
        return;
      case 'file': {
        await mkdir(dirname(full), { recursive: true });
        const executable = ((entry.mode ?? 0) & 0o111) !== 0;
        await pipeline(
          entry.body as Readable,
          this.sizeGuard(entry.name),
          createWriteStream(full, { mode: executable ? 0o755 : 0o644 }),
        );
        this.files.set(path, { path, executable });
        return;
      }
      case 'hardlink': {
        // Copied rather than linked: the result is the same for a binary, and works on Windows.
        const linkTarget = entry.linkTarget ?? '';
        let source: string;
        try {
          source = safeEntryPath(linkTarget);
        } catch {
          throw unsafeEntry(
            entry.name,
            `is a hard link to ${JSON.stringify(linkTarget)}, outside the directory`,
          );
        }
        const original = this.files.get(source);
        if (original === undefined) {
          throw unsafeEntry(
            entry.name,
            `is a hard link to ${JSON.stringify(entry.linkTarget)}, not a file earlier in the archive`,
          );
        }
        await mkdir(dirname(full), { recursive: true });
        const { size } = await lstat(join(this.root, source));
        this.count(entry.name, size);
        await copyFile(join(this.root, source), full);
        await chmod(full, original.executable ? 0o755 : 0o644);
        this.files.set(path, { path, executable: original.executable });
        return;
      }
      case 'symlink':
        if (this.files.has(path))
          throw unsafeEntry(entry.name, 'is a link over a file of the archive');
        this.links.set(path, { target: entry.linkTarget ?? '', entry: entry.name });
        return;
      default:
        throw unsafeEntry(
          entry.name,
          `is a ${entry.typeName ?? 'special'} entry, which is not installed`,
        );
    }
  }

  private count(entryName: string, bytes: number): void {
    this.byteCount += bytes;
    if (this.byteCount > this.maxBytes) {
      throw new DaemonError(
        'archive_unsafe',
        `the archive unpacks to more than ${this.maxBytes} bytes (at entry ${JSON.stringify(entryName)})`,
        { details: { entry: entryName, maxBytes: this.maxBytes } },
      );
    }
  }

  /** Counts bytes as they are written: an entry's declared size may lie. */
  private sizeGuard(entryName: string): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        try {
          this.count(entryName, chunk.length);
          callback(null, chunk);
        } catch (error) {
          callback(error as Error);
        }
      },
    });
  }

  /**
   * Links are checked against the complete set (a later link may sit on an earlier one's path)
   * and created after every file, so nothing is ever written through them.
   */
  async createLinks(platform: Platform | NodeJS.Platform): Promise<void> {
    const paths = new Set(this.links.keys());
    for (const [path, link] of this.links) {
      const others = new Set([...paths].filter((other) => other !== path));
      checkLinkTarget(path, link.target, others);
      for (const file of this.files.keys()) {
        if (file.startsWith(`${path}/`))
          throw unsafeEntry(link.entry, 'is a link over a directory of the archive');
      }
    }
    if (!createsSymlinks(platform)) return;
    for (const [path, link] of this.links) {
      const full = join(this.root, path);
      await mkdir(dirname(full), { recursive: true });
      try {
        await symlink(link.target, full);
      } catch (error) {
        if (errnoCode(error) === 'EEXIST')
          throw unsafeEntry(link.entry, 'is a link over another entry');
        throw error;
      }
    }
  }
}

/**
 * Windows needs a privilege (or developer mode) to create symlinks, and release archives for it
 * do not rely on them; there links are skipped. Elsewhere they are recreated.
 */
export function createsSymlinks(platform: Platform | NodeJS.Platform): boolean {
  return platform !== 'win32';
}

/**
 * The executable among the unpacked files: the only file; else the one named like the process or
 * repository (`.exe` on Windows); else the only file that looks executable here (an exec bit, or
 * `.exe` on Windows). Anything else is a question only the operator can answer.
 */
export function chooseExecutable(
  files: ReadonlyMap<string, ExtractedFile>,
  request: Pick<InstallArchiveRequest, 'assetName' | 'platform' | 'executableNames'>,
): string {
  const all = [...files.values()];
  if (all.length === 1) return (all[0] as ExtractedFile).path;
  const windows = request.platform === 'win32';
  const wanted = new Set(
    (request.executableNames ?? []).map((name) => (windows ? `${name}.exe` : name).toLowerCase()),
  );
  const named = all.filter((file) => wanted.has(basename(file.path).toLowerCase()));
  if (named.length === 1) return (named[0] as ExtractedFile).path;
  const runnable = all.filter((file) =>
    windows ? file.path.toLowerCase().endsWith('.exe') : file.executable,
  );
  if (named.length === 0 && runnable.length === 1) return (runnable[0] as ExtractedFile).path;

  const candidates = (named.length > 1 ? named : runnable.length > 0 ? runnable : all)
    .map((file) => file.path)
    .sort();
  const shown = candidates.slice(0, 20).join(', ') + (candidates.length > 20 ? ', ...' : '');
  const hint =
    request.executableNames && request.executableNames.length > 0
      ? ` (none is named ${request.executableNames.join(' or ')}${windows ? '.exe' : ''})`
      : '';
  throw new DaemonError(
    'asset_not_found',
    `cannot tell which file of ${request.assetName} is the executable${hint}: ${shown || '(no files)'}`,
    { details: { asset: request.assetName, candidates } },
  );
}
