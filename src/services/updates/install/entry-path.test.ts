import { describe, expect, it } from 'vitest';
import { checkLinkTarget, safeEntryPath } from './entry-path.js';

describe('safeEntryPath', () => {
  it.each([
    ['app', 'app'],
    ['./app', 'app'],
    ['dist/linux//app', 'dist/linux/app'],
    ['dir/', 'dir'],
    ['./', ''],
    ['bin\\app.exe', 'bin/app.exe'],
    ['a/..b/c..', 'a/..b/c..'],
  ])('accepts %j as %j', (name, expected) => {
    expect(safeEntryPath(name)).toBe(expected);
  });

  it.each([
    ['../evil.sh'],
    ['a/../../evil.sh'],
    ['a/../b'],
    ['..\\..\\evil.exe'],
    ['/etc/passwd'],
    ['\\\\server\\share\\evil'],
    ['C:/Windows/evil.exe'],
    ['c:evil.exe'],
    ['app.exe:stream'],
    ['nul\0byte'],
  ])('refuses %j', (name) => {
    expect(() => safeEntryPath(name)).toThrowError(
      expect.objectContaining({ code: 'archive_unsafe', details: { entry: name } }),
    );
  });
});

describe('checkLinkTarget', () => {
  const none = new Set<string>();

  it.each([
    ['lib/current', 'v1', 'lib/v1'],
    ['bin/app', '../lib/app', 'lib/app'],
    ['app', './real-app', 'real-app'],
    ['a/b/c', '../../x', 'x'],
  ])('accepts %s -> %s (resolving to %s)', (link, target, resolved) => {
    expect(checkLinkTarget(link, target, none)).toBe(resolved);
  });

  it.each([
    ['app', '../outside'],
    ['a/b', '../../outside'],
    ['a', '/etc/passwd'],
    ['a', 'C:/Windows'],
    ['a', '..\\outside'],
    ['a', ''],
  ])('refuses %s -> %j', (link, target) => {
    expect(() => checkLinkTarget(link, target, none)).toThrowError(
      expect.objectContaining({ code: 'archive_unsafe' }),
    );
  });

  it('refuses a target that walks through another link of the archive', () => {
    // d/up -> .. is inside on its own; x -> d/up/../.. would leave through it.
    expect(() => checkLinkTarget('x', 'd/up/../..', new Set(['d/up']))).toThrowError(
      /through another link/,
    );
  });
});
