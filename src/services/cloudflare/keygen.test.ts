import { createPublicKey, sign, verify } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DaemonError } from '../../shared/index.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { generateClientKeys } from './keygen.js';
import { loadPrivateKey } from './private-key.js';

const isPosix = process.platform !== 'win32';

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

async function rejection(promise: Promise<unknown>): Promise<DaemonError> {
  const error: unknown = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(DaemonError);
  return error as DaemonError;
}

describe('generateClientKeys', () => {
  it('writes a PKCS#8 private key (0600), an SPKI public key (0644) and the worker JSON', async () => {
    const outDir = join(tempDir(), 'nested', 'keys');
    const keys = await generateClientKeys({
      clientId: 'host-1.prod_a',
      bits: 2048,
      outDir,
      force: false,
    });

    expect(keys.privateKeyPath).toBe(join(outDir, 'private.pem'));
    expect(keys.publicKeyPath).toBe(join(outDir, 'public.pem'));
    expect(keys.jsonPath).toBe(join(outDir, 'public.pem.cloudflare.json'));
    const privatePem = readFileSync(keys.privateKeyPath, 'utf8');
    expect(privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(readFileSync(keys.publicKeyPath, 'utf8')).toBe(keys.publicKeyPem);
    expect(keys.publicKeyPem).toMatch(
      /^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/,
    );
    if (isPosix) {
      expect(mode(keys.privateKeyPath)).toBe(0o600);
      expect(mode(keys.publicKeyPath)).toBe(0o644);
      expect(mode(keys.jsonPath)).toBe(0o644);
    }

    const jsonText = readFileSync(keys.jsonPath, 'utf8');
    expect(jsonText).toBe(`${keys.jsonLine}\n`);
    expect(jsonText.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(jsonText)).toEqual({ 'host-1.prod_a': keys.publicKeyPem });

    const privateKey = await loadPrivateKey(keys.privateKeyPath);
    expect(privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const signature = sign('sha256', Buffer.from('x'), privateKey);
    expect(verify('sha256', Buffer.from('x'), createPublicKey(keys.publicKeyPem), signature)).toBe(
      true,
    );
  });

  it('honours custom file names and 4096 bits', async () => {
    const outDir = tempDir();
    const keys = await generateClientKeys({
      clientId: 'c',
      bits: 4096,
      outDir,
      force: false,
      privateKeyName: 'client.key',
      publicKeyName: 'client.pub',
    });
    expect(keys.jsonPath).toBe(join(outDir, 'client.pub.cloudflare.json'));
    const key = await loadPrivateKey(join(outDir, 'client.key'));
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(4096);
  });

  it('refuses to overwrite a private key without force, and replaces it with force', async () => {
    const outDir = tempDir();
    const privatePath = join(outDir, 'private.pem');
    writeFileSync(privatePath, 'precious');
    const error = await rejection(
      generateClientKeys({ clientId: 'c', bits: 2048, outDir, force: false }),
    );
    expect(error.code).toBe('file_exists');
    expect(error.message).toContain(privatePath);
    expect(error.message).toContain('--force');
    expect(readFileSync(privatePath, 'utf8')).toBe('precious');

    const keys = await generateClientKeys({ clientId: 'c', bits: 2048, outDir, force: true });
    expect(readFileSync(privatePath, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    if (isPosix) expect(mode(keys.privateKeyPath)).toBe(0o600);
  });

  it.each(['', 'has space', 'slash/id', 'ünï', 'a:b'])('rejects client id %j', async (clientId) => {
    const outDir = tempDir();
    const error = await rejection(
      generateClientKeys({ clientId, bits: 2048, outDir, force: false }),
    );
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toContain(JSON.stringify(clientId));
  });

  it('lets only one of two concurrent runs create the private key', async () => {
    const outDir = tempDir();
    const run = () => generateClientKeys({ clientId: 'c', bits: 2048, outDir, force: false });
    const results = await Promise.allSettled([run(), run()]);
    const made = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(made).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'file_exists' });
    const key = readFileSync(join(outDir, 'private.pem'), 'utf8');
    expect(key).toBe(
      readFileSync(
        (made[0] as PromiseFulfilledResult<{ privateKeyPath: string }>).value.privateKeyPath,
        'utf8',
      ),
    );
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(outDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('rejects other key sizes', async () => {
    const error = await rejection(
      generateClientKeys({ clientId: 'c', bits: 1024 as 2048, outDir: tempDir(), force: false }),
    );
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toContain('2048 or 4096');
  });

  it('escapes the PEM as JSON (newlines as \\n)', async () => {
    const keys = await generateClientKeys({
      clientId: 'c',
      bits: 2048,
      outDir: tempDir(),
      force: false,
    });
    expect(keys.jsonLine).not.toContain('\n');
    expect(keys.jsonLine).toContain('-----BEGIN PUBLIC KEY-----\\n');
  });
});
