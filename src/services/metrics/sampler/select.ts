/**
 * Which reader each OS gets (pure), so every branch is tested on Linux; the factories in index.ts
 * map the answer to a class, loading the Windows FFI binding only for 'win32-ffi'.
 */
import type { Platform } from '../../../shared/index.js';

/** /proc on Linux, one `ps` per tick on macOS and other POSIX systems, Win32 calls on Windows. */
export type ProcessReaderKind = 'linux-proc' | 'ps' | 'win32-ffi';
/** /proc and /sys on Linux; Node's `os` module elsewhere, with or without a load average. */
export type HostReaderKind = 'linux-proc' | 'os' | 'os-without-load';

export function processReaderKind(platform: Platform): ProcessReaderKind {
  switch (platform) {
    case 'linux':
      return 'linux-proc';
    case 'win32':
      return 'win32-ffi';
    case 'darwin':
    case 'other-posix':
      return 'ps';
  }
}

export function hostReaderKind(platform: Platform): HostReaderKind {
  switch (platform) {
    case 'linux':
      return 'linux-proc';
    case 'win32':
      return 'os-without-load'; // Windows has no load average: os.loadavg() is [0, 0, 0]
    case 'darwin':
    case 'other-posix':
      return 'os';
  }
}
