import { describe, expect, it } from 'vitest';
import { DaemonError } from '../../../shared/index.js';
import { resolveBinary } from './binary-resolution.js';
import type { VersionRecord } from './version-file.js';

const installed: VersionRecord = {
  version: 'v2.0.0',
  dir: '/data/binaries/api/v2.0.0',
  executable: '/data/binaries/api/v2.0.0/api',
  installedAt: 0,
  asset: 'api_linux_amd64.tar.gz',
  sha256: 'ab'.repeat(32),
  verified: true,
};

describe('resolveBinary', () => {
  it('runs the installed current release, even when binary_path is set', () => {
    expect(resolveBinary({ name: 'api', binary_path: '/opt/api' }, { current: installed })).toEqual(
      {
        command: '/data/binaries/api/v2.0.0/api',
        version: 'v2.0.0',
      },
    );
    expect(resolveBinary({ name: 'api', repository: 'o/r' }, { current: installed })).toEqual({
      command: '/data/binaries/api/v2.0.0/api',
      version: 'v2.0.0',
    });
  });

  it('falls back to binary_path, with no version, when no release is current', () => {
    const expected = { command: '/opt/api', version: undefined };
    expect(resolveBinary({ name: 'api', binary_path: '/opt/api' }, undefined)).toEqual(expected);
    expect(resolveBinary({ name: 'api', binary_path: '/opt/api' }, { current: undefined })).toEqual(
      expected,
    );
  });

  it('fails with binary_not_found when there is neither', () => {
    const attempt = () =>
      resolveBinary({ name: 'api', repository: 'acme/api' }, { current: undefined });
    expect(attempt).toThrow(DaemonError);
    expect(attempt).toThrow(
      expect.objectContaining({
        code: 'binary_not_found',
        message: 'api has no binary_path and no installed release of acme/api',
        details: { process: 'api' },
      }),
    );
    expect(() => resolveBinary({ name: 'web', binary_path: '' }, undefined)).toThrow(
      'web has no binary_path and no installed release of its repository',
    );
  });
});
