/**
 * The one place that asks which OS we run on. Code that branches per OS takes a Platform argument
 * (defaulting to currentPlatform()), so tests can exercise every branch on Linux.
 */
export type Platform = 'linux' | 'darwin' | 'win32' | 'other-posix';

export function currentPlatform(): Platform {
  switch (process.platform) {
    case 'linux':
    case 'darwin':
    case 'win32':
      return process.platform;
    default:
      return 'other-posix';
  }
}

export function isWindows(platform: Platform): boolean {
  return platform === 'win32';
}
