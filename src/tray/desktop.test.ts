import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dir.js';
import { waitFor } from '../../test/helpers/wait-for.js';
import { clipboardCommand, isOnPath, launch, openCommand, runWithInput } from './desktop.js';

describe('openCommand', () => {
  it('uses xdg-open on Linux and other POSIX systems, open on macOS', () => {
    expect(openCommand('linux', 'http://127.0.0.1:8080')).toEqual({
      command: 'xdg-open',
      args: ['http://127.0.0.1:8080'],
    });
    expect(openCommand('other-posix', '/var/log/x')).toEqual({
      command: 'xdg-open',
      args: ['/var/log/x'],
    });
    expect(openCommand('darwin', '/logs')).toEqual({ command: 'open', args: ['/logs'] });
  });

  it('on Windows starts URLs through cmd (quoted, so & stays literal) and folders in Explorer', () => {
    expect(openCommand('win32', 'http://h:1/a?b=1&c="2"')).toEqual({
      command: 'cmd.exe',
      args: ['/d', '/s', '/c', 'start "" "http://h:1/a?b=1&c=%222%22"'],
      verbatim: true,
    });
    expect(openCommand('win32', 'C:\\gowinproc\\logs')).toEqual({
      command: 'explorer.exe',
      args: ['C:\\gowinproc\\logs'],
    });
  });
});

describe('clipboardCommand', () => {
  const none = () => false;
  const only =
    (...names: string[]) =>
    (name: string) =>
      names.includes(name);

  it('clip on Windows, pbcopy on macOS', () => {
    expect(clipboardCommand('win32', {}, none)).toEqual({ command: 'clip', args: [] });
    expect(clipboardCommand('darwin', {}, none)).toEqual({ command: 'pbcopy', args: [] });
  });

  it('on Linux: wl-copy under Wayland, else xclip, else wl-copy, else nothing', () => {
    const wayland = { WAYLAND_DISPLAY: 'wayland-0' };
    expect(clipboardCommand('linux', wayland, only('wl-copy', 'xclip'))?.command).toBe('wl-copy');
    expect(clipboardCommand('linux', {}, only('wl-copy', 'xclip'))).toEqual({
      command: 'xclip',
      args: ['-selection', 'clipboard'],
    });
    expect(clipboardCommand('linux', wayland, only('xclip'))?.command).toBe('xclip');
    expect(clipboardCommand('linux', {}, only('wl-copy'))?.command).toBe('wl-copy');
    expect(clipboardCommand('linux', wayland, none)).toBeUndefined();
  });
});

describe('running desktop tools', () => {
  it('finds executables on PATH only', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'tool'), '#!/bin/sh\n');
    chmodSync(join(dir, 'tool'), 0o755);
    writeFileSync(join(dir, 'plain'), '');
    expect(isOnPath('tool', { PATH: `/nonexistent:${dir}` })).toBe(true);
    expect(isOnPath('plain', { PATH: dir })).toBe(false);
    expect(isOnPath('tool', {})).toBe(false);
  });

  it('runWithInput feeds the text on stdin and reports a failing tool with its stderr', async () => {
    const dir = tempDir();
    const out = join(dir, 'copied');
    const script = `require('fs').writeFileSync(${JSON.stringify(out)}, require('fs').readFileSync(0))`;
    await runWithInput({ command: process.execPath, args: ['-e', script] }, 'https://x.example');
    expect(readFileSync(out, 'utf8')).toBe('https://x.example');
    await expect(
      runWithInput(
        { command: process.execPath, args: ['-e', 'console.error("no display"); process.exit(3)'] },
        'x',
      ),
    ).rejects.toThrow('exited with code 3: no display');
  });

  it('launch starts a detached tool, and names a missing one', async () => {
    const dir = tempDir();
    const out = join(dir, 'opened');
    await launch({
      command: process.execPath,
      args: [
        '-e',
        `require('fs').writeFileSync(${JSON.stringify(out)}, process.argv[1])`,
        'http://a',
      ],
    });
    await waitFor(() => {
      try {
        return readFileSync(out, 'utf8') === 'http://a' || 'wrong content';
      } catch {
        return 'not written yet';
      }
    });
    await expect(launch({ command: 'gowinproc-no-such-tool', args: [] })).rejects.toThrow(
      'gowinproc-no-such-tool is not installed',
    );
  });
});
