/**
 * The store when the disk misbehaves: the process dies between writing the temp file and the
 * rename, a rename fails, a directory cannot be deleted. node:fs/promises is wrapped so single
 * calls can be made to hang or fail; every other call reaches the real file system.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';
import { FakeClock } from '../../../shared/index.js';
import type { InstalledVersion } from '../types.js';
import { VersionStore } from './version-store.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof fsPromises>();
  return { ...actual, default: actual, rename: vi.fn(actual.rename), rm: vi.fn(actual.rm) };
});

const actualFs = await vi.importActual<typeof fsPromises>('node:fs/promises');
const rename = vi.mocked(fsPromises.rename);
const rm = vi.mocked(fsPromises.rm);

afterEach(() => {
  rename.mockReset().mockImplementation(actualFs.rename);
  rm.mockReset().mockImplementation(actualFs.rm);
});

const T0 = Date.UTC(2026, 0, 1);

function rig(historyLimit?: number) {
  const dir = tempDir();
  const binariesDir = join(dir, 'binaries');
  const file = join(dir, 'data', 'versions.json');
  const clock = new FakeClock(T0);
  const warnings: string[] = [];
  const make = () =>
    new VersionStore({
      file,
      binariesDir,
      clock,
      warn: (message) => warnings.push(message),
      ...(historyLimit === undefined ? {} : { historyLimit }),
    });
  const install = (version: string, installedAt: number): InstalledVersion => {
    const versionDir = join(binariesDir, 'api', version);
    mkdirSync(versionDir, { recursive: true });
    writeFileSync(join(versionDir, 'api'), 'x');
    return {
      version,
      dir: versionDir,
      executable: join(versionDir, 'api'),
      installedAt,
      asset: 'api.tar.gz',
      sha256: 'ab'.repeat(32),
      verified: true,
    };
  };
  return { file, binariesDir, warnings, make, install };
}

describe('VersionStore on a misbehaving disk', () => {
  it('a crash between writing the temp file and the rename leaves the old file valid', async () => {
    const r = rig();
    const store = r.make();
    await store.load();
    await store.recordInstalled('api', r.install('v1', T0));
    await store.activate('api', 'v1');
    const before = readFileSync(r.file, 'utf8');

    // The rename never happens: as if the daemon died right after the temp file's fsync.
    rename.mockImplementationOnce(() => new Promise<void>(() => undefined));
    void store.recordInstalled('api', r.install('v2', T0 + 1));
    let temp = '';
    await waitFor(() => {
      const found = readdirSync(dirname(r.file)).find((name) => name.endsWith('.tmp'));
      if (!found) return 'no temp file yet';
      temp = join(dirname(r.file), found);
      return rename.mock.calls.length > 0 || 'rename not called yet';
    });
    expect(readFileSync(temp, 'utf8')).toContain('"v2"');
    expect(readFileSync(r.file, 'utf8')).toBe(before);
    // Memory does not run ahead of the disk.
    expect(store.get('api').history.map((v) => v.version)).toEqual(['v1']);

    const restarted = r.make();
    expect(await restarted.load()).toEqual({ kind: 'ok' });
    expect(restarted.get('api')).toMatchObject({ current: { version: 'v1' }, history: [{}] });
    // The leftover temp file does not disturb the next write.
    await restarted.recordInstalled('api', r.install('v2', T0 + 1));
    expect(restarted.get('api').history).toHaveLength(2);
    expect(existsSync(temp)).toBe(true);
  });

  it('a failed write rejects, keeps file and memory as they were, and the next change works', async () => {
    const r = rig();
    const store = r.make();
    await store.load();
    await store.recordInstalled('api', r.install('v1', T0));
    const before = readFileSync(r.file, 'utf8');
    rename.mockRejectedValueOnce(
      Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' }),
    );
    await expect(store.activate('api', 'v1')).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringContaining('ENOSPC'),
    });
    expect(readFileSync(r.file, 'utf8')).toBe(before);
    expect(store.get('api').current).toBeUndefined();
    expect(readdirSync(dirname(r.file))).toEqual(['versions.json']);
    await store.activate('api', 'v1');
    expect(store.get('api').current?.version).toBe('v1');
  });

  it('a directory that cannot be deleted stays installed, so a later prune retries it', async () => {
    const r = rig();
    const store = r.make();
    await store.load();
    for (let i = 1; i <= 3; i++) await store.recordInstalled('api', r.install(`v${i}`, T0 + i));
    await store.activate('api', 'v3');
    const busy = join(r.binariesDir, 'api', 'v1');
    rm.mockImplementation((path, options) =>
      path === busy
        ? Promise.reject(
            Object.assign(new Error('EBUSY: resource busy or locked'), { code: 'EBUSY' }),
          )
        : actualFs.rm(path, options),
    );
    expect(await store.prune('api', 0)).toEqual([join(r.binariesDir, 'api', 'v2')]);
    expect(r.warnings).toEqual([expect.stringContaining(`cannot delete ${busy} (api v1): EBUSY`)]);
    const reopened = r.make();
    await reopened.load();
    const v1 = reopened.get('api').history.find((v) => v.version === 'v1');
    expect(v1).toBeDefined();
    expect(v1?.removedAt).toBeUndefined();

    rm.mockImplementation(actualFs.rm);
    expect(await reopened.prune('api', 0)).toEqual([busy]);
    expect(existsSync(busy)).toBe(false);
  });

  it('an undeletable entry the history bound had dropped comes back', async () => {
    const r = rig(2);
    const store = r.make();
    await store.load();
    for (let i = 1; i <= 4; i++) await store.recordInstalled('api', r.install(`v${i}`, T0 + i));
    await store.activate('api', 'v4');
    const busy = join(r.binariesDir, 'api', 'v1');
    rm.mockImplementation((path, options) =>
      path === busy ? Promise.reject(new Error('EBUSY')) : actualFs.rm(path, options),
    );
    expect(await store.prune('api', 0)).toHaveLength(2);
    const history = store.get('api').history;
    expect(history.map((v) => [v.version, v.removedAt === undefined])).toEqual([
      ['v4', true],
      ['v3', false],
      ['v1', true],
    ]);
  });
});
