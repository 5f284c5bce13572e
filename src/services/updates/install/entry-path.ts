/**
 * Pure checks that keep an archive inside its directory ("zip slip"). Entry names are read with
 * both `/` and `\` as separators, because a zip made on Windows uses `\` and Windows honours it.
 */
import { DaemonError } from '../../../shared/index.js';

/** archive_unsafe naming the entry (JSON-quoted: entry names may hold control characters). */
export function unsafeEntry(entry: string, why: string): DaemonError {
  return new DaemonError('archive_unsafe', `archive entry ${JSON.stringify(entry)} ${why}`, {
    details: { entry },
  });
}

/**
 * The entry's path relative to the extraction root, `/`-separated and without `.` segments, or
 * '' for the root itself. Throws archive_unsafe for absolute paths, drive letters, `..` segments,
 * NUL and `:` (an NTFS alternate stream or a drive-relative path on Windows).
 */
export function safeEntryPath(name: string): string {
  if (name.includes('\0')) throw unsafeEntry(name, 'has a NUL byte in its name');
  const slashed = name.replace(/\\/g, '/');
  if (slashed.startsWith('/')) throw unsafeEntry(name, 'has an absolute path');
  if (/^[a-zA-Z]:/.test(slashed)) throw unsafeEntry(name, 'names a drive');
  const segments = slashed.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..'))
    throw unsafeEntry(name, 'has a ".." segment that could leave the directory');
  if (segments.some((segment) => segment.includes(':')))
    throw unsafeEntry(name, 'has a ":" in its path');
  return segments.join('/');
}

/** Every proper ancestor of a relative path: a/b/c → a, a/b. */
export function ancestorsOf(path: string): string[] {
  const segments = path.split('/');
  return segments.slice(0, -1).map((_, index) => segments.slice(0, index + 1).join('/'));
}

/**
 * Checks a symlink at `linkPath` pointing at `target` (as stored in the archive). The target is
 * walked segment by segment from the link's directory: it may not climb above the root, be
 * absolute, or pass through another link of the archive (whose real location the lexical walk
 * would not know). Returns the target's resolved path relative to the root.
 */
export function checkLinkTarget(
  linkPath: string,
  target: string,
  links: ReadonlySet<string>,
): string {
  const name = linkPath;
  if (target === '' || target.includes('\0'))
    throw unsafeEntry(name, 'is a link with an empty or NUL target');
  if (target.includes('\\'))
    throw unsafeEntry(name, `is a link with a backslash in its target ${JSON.stringify(target)}`);
  if (target.startsWith('/') || /^[a-zA-Z]:/.test(target)) {
    throw unsafeEntry(name, `is a link to the absolute path ${JSON.stringify(target)}`);
  }
  const stack = linkPath.split('/').slice(0, -1);
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (stack.length === 0) {
        throw unsafeEntry(name, `is a link to ${JSON.stringify(target)}, outside the directory`);
      }
      stack.pop();
      continue;
    }
    stack.push(segment);
    if (links.has(stack.join('/'))) {
      throw unsafeEntry(name, `is a link through another link (${stack.join('/')})`);
    }
  }
  return stack.join('/');
}
