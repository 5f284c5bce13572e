import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { DaemonError, FakeClock } from '../../../shared/index.js';
import type { InstalledVersion } from '../types.js';
import { VersionStore, type VersionStoreOptions } from './version-store.js';

const T0 = Date.UTC(2026, 0, 1);

function rig(options: Partial<VersionStoreOptions> = {}) {
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
      ...options,
    });
  /** An install as the installer leaves it: a directory with an executable in it. */
  const install = (process: string, version: string, installedAt = clock.now()) => {
    const versionDir = join(binariesDir, process, version);
    mkdirSync(versionDir, { recursive: true });
    writeFileSync(join(versionDir, process), '#!/bin/sh\n', { mode: 0o755 });
    const installed: InstalledVersion = {
      version,
      dir: versionDir,
      executable: join(versionDir, process),
      installedAt,
      asset: `${process}_${version}_linux_amd64.tar.gz`,
      sha256: 'ab'.repeat(32),
      verified: true,
      release: {
        name: `Release ${version}`,
        publishedAt: '2026-01-01T00:00:00Z',
        htmlUrl: 'https://github.com/o/r',
      },
    };
    return installed;
  };
  return { dir, binariesDir, file, clock, warnings, make, install };
}

async function loaded(r: ReturnType<typeof rig>) {
  const store = r.make();
  await store.load();
  return store;
}

describe('VersionStore', () => {
  it('starts empty when the file is missing', async () => {
    const r = rig();
    const store = r.make();
    expect(await store.load()).toEqual({ kind: 'missing' });
    expect(store.get('api')).toEqual({ history: [] });
    expect(existsSync(r.file)).toBe(false);
  });

  it('refuses use before load()', () => {
    expect(() => rig().make().get('api')).toThrow(/before load/);
  });

  it('keeps installs, current and previous across a restart', async () => {
    const r = rig();
    const store = await loaded(r);
    await store.recordInstalled('api', r.install('api', 'v1.0.0', T0));
    await store.activate('api', 'v1.0.0');
    await store.recordInstalled('api', r.install('api', 'v2.0.0', T0 + 1000));
    await store.activate('api', 'v2.0.0');
    await store.recordInstalled('web', r.install('web', 'v9', T0));

    const reopened = r.make();
    expect(await reopened.load()).toEqual({ kind: 'ok' });
    const api = reopened.get('api');
    expect(api.current?.version).toBe('v2.0.0');
    expect(api.previous?.version).toBe('v1.0.0');
    expect(api.history.map((v) => v.version)).toEqual(['v2.0.0', 'v1.0.0']);
    expect(api.current).toEqual(r.install('api', 'v2.0.0', T0 + 1000));
    expect(reopened.get('web')).toMatchObject({ current: undefined, history: [{ version: 'v9' }] });
    expect(statSync(r.file).mode & 0o777).toBe(0o600);
  });

  it('lists history newest first, whatever the order of recording', async () => {
    const r = rig();
    const store = await loaded(r);
    await store.recordInstalled('api', r.install('api', 'v2', T0 + 2));
    await store.recordInstalled('api', r.install('api', 'v1', T0 + 1));
    await store.recordInstalled('api', r.install('api', 'v3', T0 + 3));
    expect(store.get('api').history.map((v) => v.version)).toEqual(['v3', 'v2', 'v1']);
  });

  it('replaces the entry of a version installed again (force)', async () => {
    const r = rig();
    const store = await loaded(r);
    await store.recordInstalled('api', r.install('api', 'v1', T0));
    await store.activate('api', 'v1');
    await store.recordInstalled('api', {
      ...r.install('api', 'v1', T0 + 5),
      sha256: 'cd'.repeat(32),
    });
    const api = store.get('api');
    expect(api.history).toHaveLength(1);
    expect(api.current).toMatchObject({
      version: 'v1',
      installedAt: T0 + 5,
      sha256: 'cd'.repeat(32),
    });
  });

  it('activate moves current to previous; activating the current version changes nothing', async () => {
    const r = rig();
    const store = await loaded(r);
    for (const [i, v] of ['v1', 'v2', 'v3'].entries())
      await store.recordInstalled('api', r.install('api', v, T0 + i));
    expect(await store.activate('api', 'v1')).toMatchObject({ version: 'v1' });
    expect(store.get('api')).toMatchObject({ current: { version: 'v1' }, previous: undefined });
    await store.activate('api', 'v2');
    expect(store.get('api')).toMatchObject({
      current: { version: 'v2' },
      previous: { version: 'v1' },
    });
    await store.activate('api', 'v2');
    expect(store.get('api')).toMatchObject({
      current: { version: 'v2' },
      previous: { version: 'v1' },
    });
    await store.activate('api', 'v3');
    expect(store.get('api')).toMatchObject({
      current: { version: 'v3' },
      previous: { version: 'v2' },
    });
  });

  it('activate refuses a version that is not installed, naming the installed ones', async () => {
    const r = rig();
    const store = await loaded(r);
    await store.recordInstalled('api', r.install('api', 'v1'));
    const error = await store.activate('api', 'v7').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DaemonError);
    expect(error).toMatchObject({
      code: 'invalid_argument',
      message: 'api v7 is not installed (installed: v1)',
    });
    await expect(store.activate('web', 'v1')).rejects.toMatchObject({
      message: 'web v1 is not installed (installed: none)',
    });
  });

  it('restore puts back a snapshot, also "nothing current" after a failed first install', async () => {
    const r = rig();
    const store = await loaded(r);
    await store.recordInstalled('api', r.install('api', 'v1', T0));
    const before = store.get('api');
    await store.activate('api', 'v1');
    await store.restore('api', before);
    expect(store.get('api')).toMatchObject({ current: undefined, previous: undefined });

    await store.activate('api', 'v1');
    await store.recordInstalled('api', r.install('api', 'v2', T0 + 1));
    const snapshot = store.get('api');
    await store.activate('api', 'v2');
    await store.restore('api', snapshot);
    const reopened = await loaded(r);
    expect(reopened.get('api')).toMatchObject({ current: { version: 'v1' }, previous: undefined });
  });

  it('rollbackTarget: the previous version, or a given installed one', async () => {
    const r = rig();
    const store = await loaded(r);
    await store.recordInstalled('api', r.install('api', 'v1', T0));
    await expect(Promise.resolve().then(() => store.rollbackTarget('api'))).rejects.toMatchObject({
      code: 'invalid_argument',
      message: 'api has no previous version to roll back to',
    });
    for (const [i, v] of ['v2', 'v3'].entries())
      await store.recordInstalled('api', r.install('api', v, T0 + 1 + i));
    await store.activate('api', 'v2');
    await store.activate('api', 'v3');
    expect(store.rollbackTarget('api')).toMatchObject({ version: 'v2' });
    expect(store.rollbackTarget('api', 'v1')).toMatchObject({ version: 'v1' });
    expect(() => store.rollbackTarget('api', 'v3')).toThrow('api already runs v3');
    expect(() => store.rollbackTarget('api', 'v0')).toThrow(/api v0 is not installed/);
    // A rollback is an activate of the target: the bad version becomes previous.
    await store.activate('api', store.rollbackTarget('api').version);
    expect(store.get('api')).toMatchObject({
      current: { version: 'v2' },
      previous: { version: 'v3' },
    });
  });

  it('refuses an install outside binariesDir or an executable outside its dir', async () => {
    const r = rig();
    const store = await loaded(r);
    const good = r.install('api', 'v1');
    await expect(store.recordInstalled('api', { ...good, dir: '/tmp' })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(store.recordInstalled('api', { ...good, dir: r.binariesDir })).rejects.toThrow(
      /is not inside/,
    );
    await expect(store.recordInstalled('api', { ...good, executable: '/bin/sh' })).rejects.toThrow(
      /executable \/bin\/sh is not inside/,
    );
    await expect(
      store.recordInstalled('api', { ...good, dir: 'binaries/api/v1' }),
    ).rejects.toThrow();
    expect(store.get('api').history).toEqual([]);
  });

  it('queues concurrent changes so none is lost', async () => {
    const r = rig();
    const store = await loaded(r);
    const versions = Array.from({ length: 20 }, (_, i) => `v${i}`);
    await Promise.all(
      versions.map((v, i) => store.recordInstalled('api', r.install('api', v, T0 + i))),
    );
    const reopened = await loaded(r);
    expect(reopened.get('api').history).toHaveLength(20);
  });

  it('returns copies: changing a result does not change the store', async () => {
    const r = rig();
    const store = await loaded(r);
    await store.recordInstalled('api', r.install('api', 'v1'));
    const got = store.get('api');
    got.history[0]!.version = 'hacked';
    got.history[0]!.release!.name = 'hacked';
    expect(store.get('api').history[0]).toMatchObject({
      version: 'v1',
      release: { name: 'Release v1' },
    });
  });

  describe('a corrupt file', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['not JSON', '{"version": 1, "proc', /JSON/],
      ['another format', '{"version": 2, "processes": {}}', /version is not 1/],
      [
        'a bad entry',
        '{"version": 1, "processes": {"api": {"history": [{"version": "v1"}]}}}',
        /history\[0\]\.dir/,
      ],
      [
        'a current that is not installed',
        JSON.stringify({ version: 1, processes: { api: { current: 'v1', history: [] } } }),
        /current \(v1\) is not an installed version/,
      ],
      [
        'a relative dir',
        JSON.stringify({
          version: 1,
          processes: {
            api: {
              history: [
                {
                  version: 'v1',
                  dir: 'rel',
                  executable: '/x',
                  installedAt: 1,
                  asset: 'a',
                  sha256: 'b',
                  verified: true,
                },
              ],
            },
          },
        }),
        /must be absolute/,
      ],
    ];
    it.each(cases)(
      '(%s) is moved aside with a warning and the store starts empty',
      async (_, text, reason) => {
        const r = rig();
        mkdirSync(join(r.dir, 'data'));
        writeFileSync(r.file, text);
        const store = r.make();
        const result = await store.load();
        expect(result).toMatchObject({ kind: 'corrupt', movedTo: `${r.file}.corrupt-${T0}` });
        expect(result.kind === 'corrupt' && result.reason).toMatch(reason);
        expect(readFileSync(`${r.file}.corrupt-${T0}`, 'utf8')).toBe(text);
        expect(existsSync(r.file)).toBe(false);
        expect(r.warnings).toEqual([expect.stringMatching(/is corrupt .* moved to .*corrupt-/)]);
        expect(store.get('api')).toEqual({ history: [] });
        // And it works from there.
        await store.recordInstalled('api', r.install('api', 'v1'));
        expect((await loaded(r)).get('api').history).toHaveLength(1);
      },
    );
  });

  describe('history bound', () => {
    it('drops the oldest removed entries beyond the limit, never an installed one', async () => {
      const r = rig({ historyLimit: 3 });
      const store = await loaded(r);
      for (let i = 0; i < 5; i++)
        await store.recordInstalled('api', r.install('api', `v${i}`, T0 + i));
      // Five installed directories: all stay listed although the limit is 3.
      expect(store.get('api').history).toHaveLength(5);
      await store.activate('api', 'v4');
      expect(await store.prune('api', 1)).toHaveLength(4);
      expect(store.get('api').history.map((v) => v.version)).toEqual(['v4', 'v3', 'v2']);
      expect(
        store
          .get('api')
          .history.slice(1)
          .every((v) => v.removedAt === T0),
      ).toBe(true);
    });
  });

  describe('prune', () => {
    it('deletes installs beyond the keep newest, never current or previous, and remembers them', async () => {
      const r = rig();
      const store = await loaded(r);
      for (let i = 1; i <= 5; i++)
        await store.recordInstalled('api', r.install('api', `v${i}`, T0 + i));
      await store.activate('api', 'v1');
      await store.activate('api', 'v2'); // current v2, previous v1: the two oldest but one
      await r.clock.advance(1000);
      const removed = await store.prune('api', 2);
      expect(removed).toEqual([join(r.binariesDir, 'api', 'v3')]);
      expect(existsSync(join(r.binariesDir, 'api', 'v3'))).toBe(false);
      for (const v of ['v1', 'v2', 'v4', 'v5'])
        expect(existsSync(join(r.binariesDir, 'api', v))).toBe(true);

      const reopened = await loaded(r);
      const v3 = reopened.get('api').history.find((v) => v.version === 'v3');
      expect(v3).toMatchObject({ removedAt: T0 + 1000, release: { name: 'Release v3' } });
      await expect(reopened.activate('api', 'v3')).rejects.toMatchObject({
        code: 'invalid_argument',
      });
      expect(() => reopened.rollbackTarget('api', 'v3')).toThrow(/not installed/);
      // Installing it again (force) makes it installed once more.
      await reopened.recordInstalled('api', r.install('api', 'v3', T0 + 2000));
      expect(reopened.get('api').history[0]).toMatchObject({ version: 'v3' });
      expect(reopened.get('api').history[0]?.removedAt).toBeUndefined();
      expect(await reopened.prune('api', 0)).toEqual(
        ['v3', 'v5', 'v4'].map((v) => join(r.binariesDir, 'api', v)),
      );
    });

    it('keep 0 leaves just current and previous; an unknown process prunes nothing', async () => {
      const r = rig();
      const store = await loaded(r);
      for (let i = 1; i <= 3; i++)
        await store.recordInstalled('api', r.install('api', `v${i}`, T0 + i));
      await store.activate('api', 'v3');
      expect(await store.prune('api', 0)).toHaveLength(2);
      expect(await store.prune('api', 0)).toEqual([]);
      expect(await store.prune('web', 0)).toEqual([]);
      await expect(store.prune('api', -1)).rejects.toMatchObject({ code: 'invalid_argument' });
      await expect(store.prune('api', 1.5)).rejects.toMatchObject({ code: 'invalid_argument' });
    });

    it('never deletes a directory outside binariesDir, even if the file says so', async () => {
      const r = rig();
      const outside = join(r.dir, 'precious');
      mkdirSync(outside);
      mkdirSync(join(r.dir, 'data'));
      const entry = (version: string, dir: string) => ({
        version,
        dir,
        executable: join(dir, 'api'),
        installedAt: T0,
        asset: 'a',
        sha256: 'b',
        verified: false,
      });
      writeFileSync(
        r.file,
        JSON.stringify({
          version: 1,
          processes: { api: { history: [entry('v1', outside), entry('v0', r.binariesDir)] } },
        }),
      );
      const store = await loaded(r);
      expect(await store.prune('api', 0)).toEqual([]);
      expect(existsSync(outside)).toBe(true);
      expect(r.warnings).toEqual([
        expect.stringContaining(`not pruning api v1: ${outside} is outside`),
        expect.stringContaining('not pruning api v0'),
      ]);
    });
  });
});
