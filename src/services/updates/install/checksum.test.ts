import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DaemonError } from '../../../shared/index.js';
import type { Release, ReleaseAsset } from '../types.js';
import { expectedChecksum, verifyChecksum } from './checksum.js';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const APP = sha('app bytes');
const OTHER = sha('other bytes');

function asset(name: string, digest?: string): ReleaseAsset {
  return {
    id: name.length,
    name,
    size: 10,
    contentType: 'application/octet-stream',
    browserDownloadUrl: `https://example.test/${name}`,
    apiUrl: `https://api.example.test/${name}`,
    ...(digest === undefined ? {} : { digest }),
  };
}

function release(assets: ReleaseAsset[]): Release {
  return {
    id: 1,
    tag: 'v1.0.0',
    name: 'v1.0.0',
    body: '',
    draft: false,
    prerelease: false,
    publishedAt: '2026-01-01T00:00:00Z',
    htmlUrl: 'https://example.test/r',
    assets,
  };
}

/** fetchText over a fixed table, recording which assets were fetched. */
function texts(table: Record<string, string>): {
  fetchText: (a: ReleaseAsset) => Promise<string>;
  fetched: string[];
} {
  const fetched: string[] = [];
  return {
    fetched,
    fetchText: async (a) => {
      fetched.push(a.name);
      const text = table[a.name];
      if (text === undefined) throw new Error(`unexpected fetch of ${a.name}`);
      return text;
    },
  };
}

describe('expectedChecksum', () => {
  it('prefers the digest field without fetching anything', async () => {
    const app = asset('app.tar.gz', `sha256:${APP.toUpperCase()}`);
    const { fetchText, fetched } = texts({});
    const found = await expectedChecksum(release([app, asset('SHA256SUMS')]), app, fetchText);
    expect(found).toEqual({ sha256: APP, source: 'digest' });
    expect(fetched).toEqual([]);
  });

  it('ignores a digest of another algorithm', async () => {
    const app = asset('app.tar.gz', `sha512:${'ab'.repeat(64)}`);
    const { fetchText } = texts({ 'app.tar.gz.sha256': `${APP}  app.tar.gz\n` });
    const found = await expectedChecksum(
      release([app, asset('app.tar.gz.sha256')]),
      app,
      fetchText,
    );
    expect(found).toEqual({ sha256: APP, source: 'app.tar.gz.sha256' });
  });

  it('reads a sidecar holding the bare hex', async () => {
    const app = asset('app.exe');
    const { fetchText } = texts({ 'app.exe.sha256': `${APP}\n` });
    expect(await expectedChecksum(release([app, asset('app.exe.sha256')]), app, fetchText)).toEqual(
      {
        sha256: APP,
        source: 'app.exe.sha256',
      },
    );
  });

  it.each([
    ['SHA256SUMS', `${OTHER}  other.zip\n${APP}  app.tar.gz\n`],
    ['checksums.txt', `${OTHER} *other.zip\r\n${APP} *app.tar.gz\r\n`],
    ['app_1.2.3_checksums.txt', `${APP}  ./dist/app.tar.gz\n`],
    ['SHA256SUMS', `SHA256 (other.zip) = ${OTHER}\nSHA256 (app.tar.gz) = ${APP}\n`],
  ])('finds the asset in %s', async (sumsName, text) => {
    const app = asset('app.tar.gz');
    const { fetchText } = texts({ [sumsName]: text });
    expect(await expectedChecksum(release([app, asset(sumsName)]), app, fetchText)).toEqual({
      sha256: APP,
      source: sumsName,
    });
  });

  it('is undefined when no source lists the asset', async () => {
    const app = asset('app.tar.gz');
    const { fetchText } = texts({
      'checksums.txt': `${OTHER}  other.zip\n${APP}  app.tar.gz.bak\n`,
    });
    expect(await expectedChecksum(release([app, asset('checksums.txt')]), app, fetchText)).toBe(
      undefined,
    );
    expect(await expectedChecksum(release([app]), app, fetchText)).toBe(undefined);
  });
});

describe('verifyChecksum', () => {
  it('confirms a matching hash regardless of case', () => {
    const warnings: string[] = [];
    expect(
      verifyChecksum(APP.toUpperCase(), { sha256: APP, source: 'digest' }, 'required', (m) =>
        warnings.push(m),
      ),
    ).toEqual({ verified: true });
    expect(warnings).toEqual([]);
  });

  it('refuses a mismatch under either policy, naming both hashes and the source', () => {
    for (const policy of ['required', 'optional'] as const) {
      let error: unknown;
      try {
        verifyChecksum(
          OTHER,
          { sha256: APP, source: 'SHA256SUMS' },
          policy,
          () => {},
          'app.tar.gz',
        );
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(DaemonError);
      expect((error as DaemonError).code).toBe('checksum_mismatch');
      expect((error as DaemonError).message).toContain(APP);
      expect((error as DaemonError).message).toContain(OTHER);
      expect((error as DaemonError).message).toContain('SHA256SUMS');
    }
  });

  it('refuses a missing checksum when required', () => {
    expect(() => verifyChecksum(APP, undefined, 'required', () => {}, 'app.tar.gz')).toThrowError(
      expect.objectContaining({ code: 'checksum_missing' }),
    );
  });

  it('warns and reports unverified when optional', () => {
    const warnings: string[] = [];
    expect(
      verifyChecksum(APP, undefined, 'optional', (m) => warnings.push(m), 'app.tar.gz'),
    ).toEqual({
      verified: false,
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('app.tar.gz');
  });
});
