import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DaemonError } from '../../shared/index.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { loadPrivateKey, parsePrivateKey } from './private-key.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PKCS8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PKCS1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

/** Base64 lines of a PEM body: none may appear in an error message. */
function keyMaterialLines(pem: string): string[] {
  return pem.split('\n').filter((line) => line !== '' && !line.startsWith('-----'));
}

async function keyError(path: string): Promise<DaemonError> {
  const error: unknown = await loadPrivateKey(path).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(DaemonError);
  const daemonError = error as DaemonError;
  expect(daemonError.code).toBe('key_invalid');
  expect(daemonError.message).toContain(path);
  return daemonError;
}

function writeKey(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

describe('loadPrivateKey', () => {
  it('loads PKCS#8 and PKCS#1 PEM files as the same RSA key', async () => {
    const dir = tempDir();
    const fromPkcs8 = await loadPrivateKey(writeKey(dir, 'pkcs8.pem', PKCS8));
    const fromPkcs1 = await loadPrivateKey(writeKey(dir, 'pkcs1.pem', PKCS1));
    for (const key of [fromPkcs8, fromPkcs1]) {
      expect(key.type).toBe('private');
      expect(key.asymmetricKeyType).toBe('rsa');
      expect(key.export({ type: 'pkcs8', format: 'pem' })).toBe(PKCS8);
    }
  });

  it('accepts Windows line endings', async () => {
    const dir = tempDir();
    const key = await loadPrivateKey(writeKey(dir, 'crlf.pem', PKCS1.replace(/\n/g, '\r\n')));
    expect(key.export({ type: 'pkcs8', format: 'pem' })).toBe(PKCS8);
  });

  it('names a missing file', async () => {
    const path = join(tempDir(), 'absent.pem');
    expect((await keyError(path)).message).toBe(`private key file "${path}" does not exist`);
  });

  it('names a directory it cannot read as a key', async () => {
    const dir = tempDir();
    const sub = join(dir, 'keys');
    mkdirSync(sub);
    expect((await keyError(sub)).message).toContain('is a directory');
  });

  it('rejects an EC key without echoing its content', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    for (const [name, pem] of [
      ['ec-pkcs8.pem', ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()],
      ['ec-sec1.pem', ec.privateKey.export({ type: 'sec1', format: 'pem' }).toString()],
    ] as const) {
      const error = await keyError(writeKey(tempDir(), name, pem));
      expect(error.message).toMatch(/ec key|EC PRIVATE KEY/);
      for (const line of keyMaterialLines(pem)) expect(error.message).not.toContain(line);
    }
  });

  it('rejects garbage, a public key and a corrupted PEM body without echoing content', async () => {
    const dir = tempDir();
    const garbage = 'this is not a key\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n';
    expect((await keyError(writeKey(dir, 'garbage.pem', garbage))).message).toContain(
      'is not a PEM file',
    );
    const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const publicError = await keyError(writeKey(dir, 'public.pem', publicPem));
    expect(publicError.message).toContain('"PUBLIC KEY", not a private key');
    const lines = PKCS8.split('\n');
    const corrupted = [lines[0], lines[1], 'AAAA' + (lines[2] ?? ''), ...lines.slice(3)].join('\n');
    const corruptError = await keyError(writeKey(dir, 'corrupt.pem', corrupted));
    expect(corruptError.message).toContain('cannot be decoded');
    for (const text of [publicError.message, corruptError.message]) {
      for (const line of keyMaterialLines(PKCS8)) expect(text).not.toContain(line);
    }
  });

  it('rejects encrypted keys in both forms', async () => {
    const dir = tempDir();
    const encrypted8 = rsa.privateKey
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' })
      .toString();
    const encrypted1 = rsa.privateKey
      .export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' })
      .toString();
    expect(encrypted1).toContain('Proc-Type: 4,ENCRYPTED');
    for (const [name, pem] of [
      ['enc8.pem', encrypted8],
      ['enc1.pem', encrypted1],
    ] as const) {
      expect((await keyError(writeKey(dir, name, pem))).message).toContain('encrypted');
    }
  });
});

describe('parsePrivateKey', () => {
  it('parses text or bytes and names the source on failure', () => {
    expect(parsePrivateKey(Buffer.from(PKCS1), 'inline').asymmetricKeyType).toBe('rsa');
    expect(() => parsePrivateKey('nope', 'config value')).toThrow(
      'private key file "config value" is not a PEM file',
    );
  });
});
