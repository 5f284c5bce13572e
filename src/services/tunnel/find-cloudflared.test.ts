import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { cloudflaredCandidates, findCloudflared, isExecutableFile } from './find-cloudflared.js';

/** An isExecutable that knows only `present`, recording every path asked about. */
function fakeFs(...present: string[]): { isExecutable: (p: string) => boolean; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    isExecutable: (p) => {
      asked.push(p);
      return present.includes(p);
    },
  };
}

describe('findCloudflared on linux', () => {
  const env = { PATH: '/opt/tools/bin:/usr/bin', HOME: '/home/ops' };

  it('takes the first PATH directory that has cloudflared', async () => {
    const fs = fakeFs('/usr/bin/cloudflared', '/usr/local/bin/cloudflared');
    expect(await findCloudflared({ platform: 'linux', env, isExecutable: fs.isExecutable })).toBe(
      '/usr/bin/cloudflared',
    );
    expect(fs.asked).toEqual(['/opt/tools/bin/cloudflared', '/usr/bin/cloudflared']);
  });

  it('prefers the configured path', async () => {
    const fs = fakeFs('/srv/cf/cloudflared', '/usr/bin/cloudflared');
    expect(
      await findCloudflared({
        platform: 'linux',
        env,
        isExecutable: fs.isExecutable,
        configured: '/srv/cf/cloudflared',
      }),
    ).toBe('/srv/cf/cloudflared');
  });

  it('falls back to the install locations, ending in the home directory', async () => {
    const fs = fakeFs('/home/ops/.cloudflared/cloudflared');
    expect(await findCloudflared({ platform: 'linux', env: { HOME: '/home/ops' }, ...fs })).toBe(
      '/home/ops/.cloudflared/cloudflared',
    );
    expect(fs.asked.slice(0, 3)).toEqual([
      '/usr/local/bin/cloudflared',
      '/usr/bin/cloudflared',
      '/snap/bin/cloudflared',
    ]);
  });

  it('returns undefined when there is none', async () => {
    expect(await findCloudflared({ platform: 'linux', env, isExecutable: () => false })).toBe(
      undefined,
    );
  });

  it('skips relative and empty PATH entries and tries each path once', () => {
    const candidates = cloudflaredCandidates({
      platform: 'linux',
      env: { PATH: '.::bin:/usr/local/bin:/usr/local/bin' },
    });
    expect(candidates).toEqual([
      '/usr/local/bin/cloudflared',
      '/usr/bin/cloudflared',
      '/snap/bin/cloudflared',
    ]);
  });

  it('awaits an asynchronous isExecutable', async () => {
    expect(
      await findCloudflared({
        platform: 'linux',
        env,
        isExecutable: async (p) => p === '/usr/bin/cloudflared',
      }),
    ).toBe('/usr/bin/cloudflared');
  });
});

describe('findCloudflared on darwin', () => {
  it('tries PATH, then Homebrew on Apple silicon, then /usr/local/bin', async () => {
    const fs = fakeFs('/usr/local/bin/cloudflared');
    expect(
      await findCloudflared({ platform: 'darwin', env: { PATH: '/usr/bin:/bin' }, ...fs }),
    ).toBe('/usr/local/bin/cloudflared');
    expect(fs.asked).toEqual([
      '/usr/bin/cloudflared',
      '/bin/cloudflared',
      '/opt/homebrew/bin/cloudflared',
      '/usr/local/bin/cloudflared',
    ]);
  });
});

describe('findCloudflared on win32', () => {
  const env = {
    Path: 'C:\\Windows\\system32;"C:\\Tools\\cf";relative\\dir;',
    ProgramFiles: 'C:\\Program Files',
    'ProgramFiles(x86)': 'C:\\Program Files (x86)',
    LOCALAPPDATA: 'C:\\Users\\ops\\AppData\\Local',
  };

  it('splits Path (any case) on ";" and looks for cloudflared.exe, unquoting entries', async () => {
    const fs = fakeFs('C:\\Tools\\cf\\cloudflared.exe');
    expect(await findCloudflared({ platform: 'win32', env, ...fs })).toBe(
      'C:\\Tools\\cf\\cloudflared.exe',
    );
    expect(fs.asked).toEqual([
      'C:\\Windows\\system32\\cloudflared.exe',
      'C:\\Tools\\cf\\cloudflared.exe',
    ]);
  });

  it('falls back to Program Files, Program Files (x86) and LOCALAPPDATA', async () => {
    const fs = fakeFs('C:\\Users\\ops\\AppData\\Local\\cloudflared\\cloudflared.exe');
    expect(await findCloudflared({ platform: 'win32', env, ...fs })).toBe(
      'C:\\Users\\ops\\AppData\\Local\\cloudflared\\cloudflared.exe',
    );
    expect(fs.asked.slice(-3)).toEqual([
      'C:\\Program Files\\cloudflared\\cloudflared.exe',
      'C:\\Program Files (x86)\\cloudflared\\cloudflared.exe',
      'C:\\Users\\ops\\AppData\\Local\\cloudflared\\cloudflared.exe',
    ]);
  });

  it('prefers the configured path', async () => {
    const fs = fakeFs('D:\\cf\\cloudflared.exe', 'C:\\Tools\\cf\\cloudflared.exe');
    expect(
      await findCloudflared({
        platform: 'win32',
        env,
        configured: 'D:\\cf\\cloudflared.exe',
        ...fs,
      }),
    ).toBe('D:\\cf\\cloudflared.exe');
  });

  it('never looks for a POSIX path', () => {
    const candidates = cloudflaredCandidates({ platform: 'win32', env });
    expect(candidates.every((c) => c.startsWith('C:\\') && c.endsWith('cloudflared.exe'))).toBe(
      true,
    );
  });
});

describe('isExecutableFile', () => {
  it('on POSIX wants a regular file with the execute bit', async () => {
    const dir = tempDir();
    const plain = join(dir, 'plain');
    const runnable = join(dir, 'runnable');
    writeFileSync(plain, '');
    writeFileSync(runnable, '#!/bin/sh\n');
    chmodSync(runnable, 0o755);
    mkdirSync(join(dir, 'folder'));
    const check = isExecutableFile('linux');
    expect(await check(runnable)).toBe(true);
    expect(await check(plain)).toBe(false);
    expect(await check(join(dir, 'folder'))).toBe(false);
    expect(await check(join(dir, 'missing'))).toBe(false);
  });

  it('on Windows wants an existing regular file', async () => {
    const dir = tempDir();
    const plain = join(dir, 'cloudflared.exe');
    writeFileSync(plain, '');
    const check = isExecutableFile('win32');
    expect(await check(plain)).toBe(true);
    expect(await check(dir)).toBe(false);
    expect(await check(join(dir, 'missing.exe'))).toBe(false);
  });

  it('finds a real executable on PATH with the default check', async () => {
    const dir = tempDir();
    const binary = join(dir, 'cloudflared');
    writeFileSync(binary, '#!/bin/sh\n');
    chmodSync(binary, 0o755);
    expect(await findCloudflared({ platform: 'linux', env: { PATH: `/nonexistent:${dir}` } })).toBe(
      binary,
    );
  });
});
