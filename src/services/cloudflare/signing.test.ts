import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { parsePrivateKey } from './private-key.js';
import { challengeDigestHex, signChallenge } from './signing.js';
import {
  V1_CHALLENGE,
  V1_DECODED_SHA256,
  V1_TEXT_SHA256,
  V2_PUBLIC_KEY,
  V2_SIGNATURE,
} from '../../../test/fixtures/cloudflare-vectors.js';

const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function rsaKeyPair() {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

function verifies(publicKey: Parameters<typeof verify>[2], data: Buffer, signature: string) {
  return verify('sha256', data, publicKey, Buffer.from(signature, 'base64'));
}

describe('challengeDigestHex (V1)', () => {
  it('hashes the challenge text, not its base64-decoded bytes', () => {
    expect(challengeDigestHex(V1_CHALLENGE)).toBe(V1_TEXT_SHA256);
    const decodedDigest = createHash('sha256')
      .update(Buffer.from(V1_CHALLENGE, 'base64'))
      .digest('hex');
    expect(decodedDigest).toBe(V1_DECODED_SHA256);
    expect(challengeDigestHex(V1_CHALLENGE)).not.toBe(decodedDigest);
  });
});

describe('signChallenge', () => {
  it('V2: the worker-accepted signature verifies over the challenge text with the V2 key', () => {
    const key = createPublicKey(V2_PUBLIC_KEY);
    expect(verifies(key, Buffer.from(V1_CHALLENGE, 'utf8'), V2_SIGNATURE)).toBe(true);
    // The wrong input (decoded bytes) does not verify: this pins the direction of the rule.
    expect(verifies(key, Buffer.from(V1_CHALLENGE, 'base64'), V2_SIGNATURE)).toBe(false);
  });

  it('produces standard padded base64 that verifies with the matching public key', () => {
    const { privateKey, publicKey } = rsaKeyPair();
    const signature = signChallenge(V1_CHALLENGE, privateKey);
    expect(signature).toMatch(STANDARD_BASE64);
    expect(signature).toHaveLength(344);
    expect(verifies(publicKey, Buffer.from(V1_CHALLENGE, 'utf8'), signature)).toBe(true);
    expect(verifies(rsaKeyPair().publicKey, Buffer.from(V1_CHALLENGE), signature)).toBe(false);
  });

  it('is deterministic (PKCS#1 v1.5)', () => {
    const { privateKey } = rsaKeyPair();
    expect(signChallenge(V1_CHALLENGE, privateKey)).toBe(signChallenge(V1_CHALLENGE, privateKey));
    expect(signChallenge(V1_CHALLENGE, privateKey)).not.toBe(signChallenge('other', privateKey));
  });

  it('V3: matches `openssl dgst -sha256 -sign` for PKCS#8 and PKCS#1 key files', () => {
    const dir = tempDir();
    const { privateKey } = rsaKeyPair();
    const forms = {
      pkcs8: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      pkcs1: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    };
    expect(forms.pkcs8).toContain('BEGIN PRIVATE KEY');
    expect(forms.pkcs1).toContain('BEGIN RSA PRIVATE KEY');
    for (const [form, pem] of Object.entries(forms)) {
      const keyPath = join(dir, `${form}.pem`);
      writeFileSync(keyPath, pem, { mode: 0o600 });
      for (const challenge of [V1_CHALLENGE, 'héllo ✓ non-ASCII challenge']) {
        const expected = execFileSync(
          'bash',
          ['-c', 'printf \'%s\' "$CH" | openssl dgst -sha256 -sign "$KEY" | base64 -w0'],
          { env: { ...process.env, CH: challenge, KEY: keyPath }, encoding: 'utf8' },
        );
        expect(expected).toMatch(STANDARD_BASE64);
        expect(expected).toHaveLength(344);
        expect(
          signChallenge(challenge, parsePrivateKey(pem, keyPath)),
          `${form}: ${challenge}`,
        ).toBe(expected);
      }
    }
  });

  it('refuses a key that is not an RSA private key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => signChallenge(V1_CHALLENGE, ec.privateKey)).toThrow(
      expect.objectContaining({ code: 'key_invalid' }),
    );
    expect(() => signChallenge(V1_CHALLENGE, rsaKeyPair().publicKey)).toThrow(
      expect.objectContaining({ code: 'key_invalid' }),
    );
  });
});
