import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type Server } from 'node:tls';
import { domainToASCII } from 'node:url';
import { execa } from 'execa';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { CertificatesConfig } from '../../config/index.js';
import { DaemonError } from '../../shared/index.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { generateSelfSignedCertificate, type SelfSignedCertificate } from './x509.js';

const DAY = 24 * 60 * 60 * 1000;

function settings(overrides: Partial<CertificatesConfig> = {}): CertificatesConfig {
  return {
    auto_generate: true,
    key_type: 'rsa',
    key_size: 2048,
    validity_days: 365,
    renew_before_days: 30,
    organization: 'Acme Test',
    hosts: ['localhost', '127.0.0.1', '::1', 'api.example.test'],
    ...overrides,
  };
}

function writeCert(generated: SelfSignedCertificate): { certFile: string; keyFile: string } {
  const dir = tempDir('gowinproc-x509-');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  writeFileSync(certFile, generated.certPem);
  writeFileSync(keyFile, generated.keyPem, { mode: 0o600 });
  return { certFile, keyFile };
}

async function opensslText(certFile: string): Promise<string> {
  return (await execa('openssl', ['x509', '-in', certFile, '-noout', '-text'])).stdout;
}

/** The line after an extension's heading in `openssl x509 -text`. */
function extensionLine(text: string, heading: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((line) => line.includes(heading));
  expect(at, `${heading} in openssl output`).toBeGreaterThan(-1);
  return (lines[at + 1] ?? '').trim();
}

function dateLine(text: string, label: string): number {
  const match = new RegExp(`${label}\\s*:\\s*(.+ GMT)`).exec(text);
  expect(match, label).not.toBeNull();
  return Date.parse(match?.[1] ?? '');
}

async function verifySelfSigned(certFile: string): Promise<void> {
  const result = await execa(
    'openssl',
    ['verify', '-check_ss_sig', '-partial_chain', '-trusted', certFile, certFile],
    { reject: false },
  );
  expect(result.stdout + result.stderr).toContain(`${certFile}: OK`);
  expect(result.exitCode).toBe(0);
}

describe('generateSelfSignedCertificate (rsa 2048)', () => {
  const now = Date.now();
  let rsa: SelfSignedCertificate;
  beforeAll(async () => {
    rsa = await generateSelfSignedCertificate(settings(), now);
  });

  it('has the SANs (configured names, IPs and the hostname), subject, usages and key size', async () => {
    const { certFile } = writeCert(rsa);
    const text = await opensslText(certFile);
    expect(text).toContain('Version: 3 (0x2)');
    expect(text).toMatch(/Subject: O = Acme Test, CN = localhost\n/);
    expect(text).toMatch(/Issuer: O = Acme Test, CN = localhost\n/);
    expect(text).toContain('Public-Key: (2048 bit)');
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(text).toMatch(/Basic Constraints: critical\n\s*CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\n\s*Digital Signature, Key Encipherment\n/);
    expect(extensionLine(text, 'X509v3 Extended Key Usage')).toBe(
      'TLS Web Server Authentication, TLS Web Client Authentication',
    );
    expect(text).toContain('X509v3 Subject Key Identifier');
    const sans = extensionLine(text, 'X509v3 Subject Alternative Name').split(', ');
    expect(sans).toEqual(
      expect.arrayContaining([
        'DNS:localhost',
        'DNS:api.example.test',
        `DNS:${domainToASCII(hostname())}`,
        'IP Address:127.0.0.1',
        'IP Address:0:0:0:0:0:0:0:1',
      ]),
    );
    expect(sans.filter((san) => san === 'DNS:localhost')).toHaveLength(1);
  });

  it('is valid from five minutes ago for validity_days, with a 16-byte positive serial', async () => {
    const { certFile } = writeCert(rsa);
    const text = await opensslText(certFile);
    const notBefore = dateLine(text, 'Not Before');
    const notAfter = dateLine(text, 'Not After');
    expect(Math.abs(notBefore - (now - 5 * 60_000))).toBeLessThan(1000);
    expect(Math.abs(notAfter - (now + 365 * DAY))).toBeLessThan(1000);
    expect(rsa.notAfter).toBe(notAfter);
    expect(rsa.notBefore).toBe(notBefore);
    const serial = new X509Certificate(rsa.certPem).serialNumber;
    expect(serial).toMatch(/^[4-7][0-9A-F]{31}$/);
  });

  it('carries a signature openssl verifies, and a PKCS#8 key that matches', async () => {
    const { certFile, keyFile } = writeCert(rsa);
    await verifySelfSigned(certFile);
    expect(rsa.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const certModulus = await execa('openssl', ['x509', '-in', certFile, '-noout', '-modulus']);
    const keyModulus = await execa('openssl', ['rsa', '-in', keyFile, '-noout', '-modulus']);
    expect(certModulus.stdout).toBe(keyModulus.stdout);
  });

  it('fails openssl verification when a signed byte is changed', async () => {
    const der = new X509Certificate(rsa.certPem).raw;
    // The last byte of the signature value.
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0xff;
    const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
    const { certFile } = writeCert({ ...rsa, certPem: pem });
    const result = await execa(
      'openssl',
      ['verify', '-check_ss_sig', '-partial_chain', '-trusted', certFile, certFile],
      { reject: false },
    );
    expect(result.exitCode).not.toBe(0);
  });

  it('serves TLS: clients trusting it connect by name and by IP; others are refused', async () => {
    const port = await tlsServer(rsa);
    await expect(handshake({ port, ca: rsa.certPem, servername: 'localhost' })).resolves.toBe('ok');
    // No servername: Node checks the IP against the iPAddress SANs.
    await expect(handshake({ port, ca: rsa.certPem })).resolves.toBe('ok');
    await expect(handshake({ port })).resolves.toMatch(/SELF_SIGNED/);
    await expect(
      handshake({ port, ca: rsa.certPem, servername: 'elsewhere.example.test' }),
    ).resolves.toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
  });
});

describe('generateSelfSignedCertificate (other keys)', () => {
  it('makes an ECDSA P-256 certificate signed with SHA-256 that TLS accepts', async () => {
    const ec = await generateSelfSignedCertificate(
      settings({ key_type: 'ecdsa', key_size: 256, common_name: 'svc.test' }),
      Date.now(),
    );
    const { certFile } = writeCert(ec);
    const text = await opensslText(certFile);
    expect(text).toContain('Public Key Algorithm: id-ecPublicKey');
    expect(text).toContain('NIST CURVE: P-256');
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(text).toMatch(/Subject: O = Acme Test, CN = svc\.test\n/);
    expect(text).toMatch(/Key Usage: critical\n\s*Digital Signature\n/);
    await verifySelfSigned(certFile);
    const port = await tlsServer(ec);
    await expect(handshake({ port, ca: ec.certPem, servername: 'localhost' })).resolves.toBe('ok');
  });

  it.each([
    [384, 'P-384'],
    [521, 'P-521'],
  ])('makes ECDSA %i certificates signed with SHA-384', async (size, curve) => {
    const ec = await generateSelfSignedCertificate(
      settings({ key_type: 'ecdsa', key_size: size }),
      Date.now(),
    );
    const { certFile } = writeCert(ec);
    const text = await opensslText(certFile);
    expect(text).toContain(`NIST CURVE: ${curve}`);
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA384');
    await verifySelfSigned(certFile);
  });

  it('makes a 4096-bit RSA certificate', async () => {
    const big = await generateSelfSignedCertificate(settings({ key_size: 4096 }), Date.now());
    const { certFile } = writeCert(big);
    expect(await opensslText(certFile)).toContain('Public-Key: (4096 bit)');
    await verifySelfSigned(certFile);
  });

  it('writes GeneralizedTime for a notAfter from 2050 on, and openssl reads it', async () => {
    const now = Date.UTC(2045, 0, 1);
    const long = await generateSelfSignedCertificate(
      settings({ key_type: 'ecdsa', key_size: 256, validity_days: 3650 }),
      now,
    );
    const { certFile } = writeCert(long);
    const text = await opensslText(certFile);
    expect(dateLine(text, 'Not After')).toBe(now + 3650 * DAY);
    expect(dateLine(text, 'Not Before')).toBe(now - 5 * 60_000);
  });

  it.each<[Partial<CertificatesConfig>, RegExp]>([
    [{ key_type: 'ecdsa', key_size: 2048 }, /certificates\.key_size 2048 .*256.*384.*521/],
    [{ key_type: 'ecdsa', key_size: 300 }, /certificates\.key_size 300/],
    [{ key_type: 'rsa', key_size: 1024 }, /certificates\.key_size 1024 .*2048/],
  ])('rejects %o with config_invalid', async (overrides, message) => {
    const attempt = generateSelfSignedCertificate(settings(overrides), Date.now());
    await expect(attempt).rejects.toBeInstanceOf(DaemonError);
    await expect(attempt).rejects.toMatchObject({ code: 'config_invalid', message });
  });
});

async function tlsServer(generated: SelfSignedCertificate): Promise<number> {
  const server: Server = createServer({ cert: generated.certPem, key: generated.keyPem }, (s) =>
    s.end('hello'),
  );
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** 'ok' after a verified handshake, else the client's error code. */
function handshake(options: { port: number; ca?: string; servername?: string }): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', ...options }, () => {
      socket.end();
      resolve('ok');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}
