/**
 * Where cloudflared is: a configured path, then PATH, then where each OS's installers put it.
 * Paths are built with node:path's posix or win32 variant per platform, so every branch can be
 * tested on Linux.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { posix, win32 } from 'node:path';
import { isWindows, type Platform } from '../../shared/index.js';

export type IsExecutable = (path: string) => boolean | Promise<boolean>;

export interface FindCloudflaredOptions {
  platform: Platform;
  env: Readonly<Record<string, string | undefined>>;
  /** Defaults to a file check on disk (`isExecutableFile`). */
  isExecutable?: IsExecutable;
  /** An operator-given path, tried first. */
  configured?: string | undefined;
}

/** The absolute path of the first cloudflared found, or undefined. */
export async function findCloudflared(
  options: FindCloudflaredOptions,
): Promise<string | undefined> {
  const isExecutable = options.isExecutable ?? isExecutableFile(options.platform);
  for (const candidate of cloudflaredCandidates(options)) {
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Every absolute path worth trying, in order, without duplicates. */
export function cloudflaredCandidates(
  options: Omit<FindCloudflaredOptions, 'isExecutable'>,
): string[] {
  const { platform, env } = options;
  const path = isWindows(platform) ? win32 : posix;
  const exe = isWindows(platform) ? 'cloudflared.exe' : 'cloudflared';
  const candidates: string[] = [];
  if (options.configured) candidates.push(path.resolve(options.configured));
  for (const dir of pathDirectories(platform, envValue(env, 'PATH', platform))) {
    candidates.push(path.join(dir, exe));
  }
  candidates.push(...installLocations(platform, env));
  return [...new Set(candidates)];
}

/** PATH's absolute directories; relative entries (".", "") are skipped so cwd never decides. */
function pathDirectories(platform: Platform, pathValue: string | undefined): string[] {
  if (!pathValue) return [];
  const path = isWindows(platform) ? win32 : posix;
  return pathValue
    .split(isWindows(platform) ? ';' : ':')
    .map((dir) => (isWindows(platform) ? dir.trim().replace(/^"(.*)"$/, '$1') : dir))
    .filter((dir) => dir !== '' && path.isAbsolute(dir));
}

function installLocations(
  platform: Platform,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  if (isWindows(platform)) {
    return ['ProgramFiles', 'ProgramFiles(x86)', 'LOCALAPPDATA']
      .map((name) => envValue(env, name, platform))
      .filter((dir): dir is string => dir !== undefined && win32.isAbsolute(dir))
      .map((dir) => win32.join(dir, 'cloudflared', 'cloudflared.exe'));
  }
  const home = env['HOME'];
  const inHome = (...parts: string[]): string[] =>
    home && posix.isAbsolute(home) ? [posix.join(home, ...parts)] : [];
  const system =
    platform === 'darwin'
      ? ['/opt/homebrew/bin/cloudflared', '/usr/local/bin/cloudflared']
      : ['/usr/local/bin/cloudflared', '/usr/bin/cloudflared', '/snap/bin/cloudflared'];
  return [
    ...system,
    ...inHome('.cloudflared', 'cloudflared'),
    ...inHome('.local', 'bin', 'cloudflared'),
    ...inHome('bin', 'cloudflared'),
  ];
}

/** Windows environment names are case-insensitive (`Path`, `PATH`); POSIX ones are not. */
function envValue(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  platform: Platform,
): string | undefined {
  if (!isWindows(platform)) return env[name];
  const key = Object.keys(env).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : env[key];
}

/** A regular file we may execute (POSIX: X_OK; Windows has no execute bit, so existence). */
export function isExecutableFile(platform: Platform): IsExecutable {
  return async (path) => {
    try {
      if (!(await stat(path)).isFile()) return false;
      if (!isWindows(platform)) await access(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
}
