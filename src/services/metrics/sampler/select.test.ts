import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Platform } from '../../../shared/index.js';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import {
  createHostReader,
  createProcessTreeReader,
  hostReaderKind,
  LinuxHostReader,
  LinuxProcessTreeReader,
  OsHostReader,
  processReaderKind,
  PsProcessTreeReader,
  WindowsProcessTreeReader,
  type Win32ProcessApi,
} from './index.js';

const PLATFORMS: Platform[] = ['linux', 'darwin', 'win32', 'other-posix'];

describe('reader selection', () => {
  it('maps every platform to its process reader', () => {
    expect(PLATFORMS.map(processReaderKind)).toEqual(['linux-proc', 'ps', 'win32-ffi', 'ps']);
  });

  it('maps every platform to its host reader', () => {
    expect(PLATFORMS.map(hostReaderKind)).toEqual(['linux-proc', 'os', 'os-without-load', 'os']);
  });

  it('builds the process reader of each platform (Windows over an injected API, no koffi)', async () => {
    let loads = 0;
    const api: Win32ProcessApi = { listProcesses: () => [], queryProcess: () => undefined };
    const loadWin32Api = (): Promise<Win32ProcessApi> => {
      loads++;
      return Promise.resolve(api);
    };
    const readers = await Promise.all(
      PLATFORMS.map((platform) => createProcessTreeReader(platform, { loadWin32Api })),
    );
    expect(readers[0]).toBeInstanceOf(LinuxProcessTreeReader);
    expect(readers[1]).toBeInstanceOf(PsProcessTreeReader);
    expect(readers[2]).toBeInstanceOf(WindowsProcessTreeReader);
    expect(readers[3]).toBeInstanceOf(PsProcessTreeReader);
    expect(loads).toBe(1);
    for (const reader of readers) reader.close();
  });

  it('builds the host reader of each platform; Windows reports no load average', async () => {
    const dataDir = tempDir();
    const readers = await Promise.all(PLATFORMS.map((p) => createHostReader(p, dataDir)));
    expect(readers[0]).toBeInstanceOf(LinuxHostReader);
    expect(readers.slice(1).every((r) => r instanceof OsHostReader)).toBe(true);
    const windows = await readers[2]!.read();
    expect([windows.load1, windows.load5, windows.load15]).toEqual([null, null, null]);
    const darwin = await readers[1]!.read();
    expect(darwin.load1).not.toBeNull();
  });
});

describe('koffi stays off non-Windows systems', () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const sources = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

  it('is imported by windows-ffi.ts alone, and only dynamically', () => {
    const mentioning = sources.filter((f) =>
      readFileSync(join(here, f), 'utf8').includes("'koffi'"),
    );
    expect(mentioning).toEqual(['windows-ffi.ts']);
    const ffi = readFileSync(join(here, 'windows-ffi.ts'), 'utf8');
    expect(ffi).not.toMatch(/^import .*'koffi'/m);
    expect(ffi).toContain("await import('koffi')");
  });

  it('has windows-ffi.ts loaded by no static import', () => {
    for (const file of sources) {
      expect(readFileSync(join(here, file), 'utf8'), file).not.toMatch(
        /^(import|export) [^;]*from '\.\/windows-ffi\.js'/m,
      );
    }
  });
});
