import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CertificatesConfig } from '../../config/index.js';
import { DaemonError } from '../../shared/index.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import {
  certificatePaths,
  ensureCertificate,
  ensureServerCertificate,
  type EnsureCertificateRequest,
} from './cert-store.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 0, 1);

function settings(overrides: Partial<CertificatesConfig> = {}): CertificatesConfig {
  return {
    auto_generate: true,
    key_type: 'ecdsa',
    key_size: 256,
    validity_days: 10,
    renew_before_days: 3,
    organization: 'gowinproc',
    hosts: ['localhost', '127.0.0.1'],
    ...overrides,
  };
}

function request(dir: string, overrides: Partial<EnsureCertificateRequest> = {}) {
  return { dir, name: 'api', settings: settings(), now: NOW, hostname: 'box', ...overrides };
}

function snapshot(file: string): { content: string; mtimeMs: number } {
  return { content: readFileSync(file, 'utf8'), mtimeMs: statSync(file).mtimeMs };
}

describe('ensureCertificate', () => {
  it('generates <name>.crt and a 0600 <name>.key at absolute paths on first use', async () => {
    const dir = tempDir();
    const result = await ensureCertificate(request(join(dir, 'certs')));
    expect(result).toMatchObject({
      certFile: join(dir, 'certs', 'api.crt'),
      keyFile: join(dir, 'certs', 'api.key'),
      generated: true,
      reason: 'no certificate yet',
      notAfter: NOW + 10 * DAY,
    });
    expect(statSync(result.keyFile).mode & 0o777).toBe(0o600);
    const cert = new X509Certificate(readFileSync(result.certFile));
    expect(cert.subjectAltName).toContain('DNS:box');
    expect(readFileSync(result.keyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('resolves a relative dir to absolute paths', async () => {
    const dir = tempDir();
    const result = await ensureCertificate(request(relative(process.cwd(), dir)));
    expect(result.certFile).toBe(join(dir, 'api.crt'));
    expect(result.keyFile).toBe(join(dir, 'api.key'));
  });

  it('reuses valid files untouched (same content and mtime)', async () => {
    const dir = tempDir();
    const first = await ensureCertificate(request(dir));
    const cert = snapshot(first.certFile);
    const key = snapshot(first.keyFile);
    const again = await ensureCertificate(request(dir, { now: NOW + 6 * DAY }));
    expect(again).toEqual({ ...first, generated: false, reason: undefined });
    expect(again.reason).toBeUndefined();
    expect(snapshot(first.certFile)).toEqual(cert);
    expect(snapshot(first.keyFile)).toEqual(key);
  });

  it('keeps a due certificate for an instance start, renews it when asked, and replaces an expired one', async () => {
    const dir = tempDir();
    const first = await ensureCertificate(request(dir));
    const before = readFileSync(first.certFile, 'utf8');
    const kept = await ensureCertificate(request(dir, { now: NOW + 8 * DAY }));
    expect(kept).toMatchObject({ generated: false, notAfter: first.notAfter });
    expect(readFileSync(first.certFile, 'utf8')).toBe(before);
    const due = await ensureCertificate(request(dir, { now: NOW + 8 * DAY, renewDue: true }));
    expect(due.generated).toBe(true);
    expect(due.reason).toMatch(/within 3 days/);
    expect(due.notAfter).toBe(NOW + 18 * DAY);
    expect(readFileSync(first.certFile, 'utf8')).not.toBe(before);
    const expired = await ensureCertificate(request(dir, { now: NOW + 40 * DAY }));
    expect(expired).toMatchObject({ generated: true, reason: expect.stringMatching(/^expired/) });
  });

  it.each<[string, (files: { certFile: string; keyFile: string }) => void, RegExp]>([
    [
      'a corrupted certificate',
      (f) => writeFileSync(f.certFile, 'garbage'),
      /not a readable certificate/,
    ],
    ['a corrupted key', (f) => writeFileSync(f.keyFile, 'garbage'), /not a readable private key/],
    ['a missing key', (f) => rmSync(f.keyFile), /api\.key is missing/],
    ['a missing certificate', (f) => rmSync(f.certFile), /api\.crt is missing/],
  ])('regenerates %s', async (_label, damage, reason) => {
    const dir = tempDir();
    const first = await ensureCertificate(request(dir));
    damage(first);
    const again = await ensureCertificate(request(dir));
    expect(again).toMatchObject({ generated: true, reason: expect.stringMatching(reason) });
    const cert = new X509Certificate(readFileSync(again.certFile));
    expect(cert.checkPrivateKey(createKey(again.keyFile))).toBe(true);
  });

  it('regenerates when the key belongs to another certificate', async () => {
    const dir = tempDir();
    const mine = await ensureCertificate(request(dir));
    const other = await ensureCertificate(request(dir, { name: 'other' }));
    writeFileSync(mine.keyFile, readFileSync(other.keyFile));
    const again = await ensureCertificate(request(dir));
    expect(again).toMatchObject({
      generated: true,
      reason: 'the key does not belong to the certificate',
    });
  });

  it('regenerates when key_type or the hosts change, not when hosts are only reordered', async () => {
    const dir = tempDir();
    await ensureCertificate(request(dir));
    const reordered = settings({ hosts: ['127.0.0.1', 'LOCALHOST'] });
    expect((await ensureCertificate(request(dir, { settings: reordered }))).generated).toBe(false);
    const added = settings({ hosts: ['localhost', '127.0.0.1', 'api.test'] });
    expect(await ensureCertificate(request(dir, { settings: added }))).toMatchObject({
      generated: true,
      reason: expect.stringMatching(/certificates\.hosts/),
    });
    const rsa = settings({ key_type: 'rsa', key_size: 2048, hosts: added.hosts });
    expect(await ensureCertificate(request(dir, { settings: rsa }))).toMatchObject({
      generated: true,
      reason: expect.stringMatching(/key_type/),
    });
    const renamed = await ensureCertificate(request(dir, { settings: rsa, hostname: 'new-box' }));
    expect(renamed.generated).toBe(true);
  });

  it('regenerates a certificate that is not valid yet (the clock went back)', async () => {
    const dir = tempDir();
    await ensureCertificate(request(dir, { now: NOW + 5 * DAY }));
    const again = await ensureCertificate(request(dir));
    expect(again).toMatchObject({
      generated: true,
      reason: expect.stringMatching(/not valid before/),
    });
  });

  it('puts a reused key that others can read back to 0600', async () => {
    const dir = tempDir();
    const first = await ensureCertificate(request(dir));
    chmodSync(first.keyFile, 0o644);
    const again = await ensureCertificate(request(dir));
    expect(again.generated).toBe(false);
    expect(statSync(first.keyFile).mode & 0o777).toBe(0o600);
  });

  it('generates once for parallel calls with the same name', async () => {
    const dir = tempDir();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => ensureCertificate(request(dir))),
    );
    expect(results.filter((result) => result.generated)).toHaveLength(1);
    expect(new Set(results.map((result) => `${result.certFile} ${result.notAfter}`)).size).toBe(1);
    const onDisk = readFileSync(certificatePaths(dir, 'api').certFile, 'utf8');
    const later = await ensureCertificate(request(dir));
    expect(later.generated).toBe(false);
    expect(readFileSync(later.certFile, 'utf8')).toBe(onDisk);
  });

  it('generates separately for different names at the same time', async () => {
    const dir = tempDir();
    const [a, b] = await Promise.all([
      ensureCertificate(request(dir, { name: 'a' })),
      ensureCertificate(request(dir, { name: 'b' })),
    ]);
    expect(a?.generated && b?.generated).toBe(true);
    expect(readFileSync(a?.certFile ?? '', 'utf8')).not.toBe(
      readFileSync(b?.certFile ?? '', 'utf8'),
    );
  });

  it('fails with a DaemonError naming the directory when it cannot write', async () => {
    const dir = tempDir();
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const attempt = ensureCertificate(request(blocker));
    await expect(attempt).rejects.toBeInstanceOf(DaemonError);
    await expect(attempt).rejects.toThrow(/cannot (write|read).*not-a-dir/);
  });
});

describe('ensureServerCertificate', () => {
  it('keeps the API server certificate as daemon/api.crt/.key, apart from any process', async () => {
    const dir = tempDir();
    const server = await ensureServerCertificate(dir, settings(), NOW);
    expect(server).toMatchObject({
      certFile: join(dir, 'daemon', 'api.crt'),
      keyFile: join(dir, 'daemon', 'api.key'),
      generated: true,
    });
    expect((await ensureServerCertificate(dir, settings(), NOW + DAY)).generated).toBe(false);
  });
});

function createKey(file: string) {
  return createPrivateKey(readFileSync(file));
}
