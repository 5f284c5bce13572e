/**
 * The OS readers of the metrics service: cumulative counters of process trees and of the host,
 * one batched read per tick, and the pure functions that turn two readings into rates.
 */
import type { Platform } from '../../../shared/index.js';
import type { HostReader, ProcessTreeReader } from '../types.js';
import { PsProcessTreeReader } from './darwin-process-tree.js';
import { LinuxHostReader } from './linux-host.js';
import { LinuxProcessTreeReader } from './linux-process-tree.js';
import { OsHostReader } from './os-host.js';
import { hostReaderKind, processReaderKind } from './select.js';
import type { Win32ProcessApi } from './windows-counters.js';
import { WindowsProcessTreeReader } from './windows-process-tree.js';

export { treeUsage, hostUsage, type TreeReading, type TreeUsage } from './rates.js';
export {
  LinuxProcessTreeReader,
  type LinuxProcessTreeReaderOptions,
} from './linux-process-tree.js';
export { LinuxHostReader, type LinuxHostReaderOptions } from './linux-host.js';
export { PsProcessTreeReader, type RunPs } from './darwin-process-tree.js';
export { OsHostReader, type OsHostReaderOptions } from './os-host.js';
export { WindowsProcessTreeReader } from './windows-process-tree.js';
export type { Win32ProcessApi } from './windows-counters.js';
export {
  hostReaderKind,
  processReaderKind,
  type HostReaderKind,
  type ProcessReaderKind,
} from './select.js';
export { USER_HZ } from './linux-parse.js';

export interface ProcessTreeReaderOptions {
  /** How the Windows reader reaches Win32; tests pass a scripted API so koffi is never loaded. */
  loadWin32Api?: () => Promise<Win32ProcessApi>;
}

export async function createProcessTreeReader(
  platform: Platform,
  options: ProcessTreeReaderOptions = {},
): Promise<ProcessTreeReader> {
  switch (processReaderKind(platform)) {
    case 'linux-proc':
      return new LinuxProcessTreeReader();
    case 'ps':
      return new PsProcessTreeReader();
    case 'win32-ffi': {
      const load = options.loadWin32Api ?? (await import('./windows-ffi.js')).loadWin32ProcessApi;
      return new WindowsProcessTreeReader(await load());
    }
  }
}

export function createHostReader(platform: Platform, dataDir: string): Promise<HostReader> {
  switch (hostReaderKind(platform)) {
    case 'linux-proc':
      return Promise.resolve(new LinuxHostReader({ dataDir }));
    case 'os':
      return Promise.resolve(new OsHostReader({ dataDir, hasLoadAverage: true }));
    case 'os-without-load':
      return Promise.resolve(new OsHostReader({ dataDir, hasLoadAverage: false }));
  }
}
