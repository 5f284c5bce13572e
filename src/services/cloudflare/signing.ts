import { constants, createHash, sign, type KeyObject } from 'node:crypto';
import { DaemonError } from '../../shared/index.js';

/**
 * The auth worker's signing rule (spec cloudflare.md §1): RSASSA-PKCS1-v1_5 over SHA-256 of the
 * UTF-8 bytes of the challenge text exactly as received (never base64-decoded), as standard
 * base64 with padding. PKCS#1 v1.5 is deterministic, so the same key and challenge always give
 * the same signature.
 */
export function signChallenge(challenge: string, key: KeyObject): string {
  if (key.type !== 'private' || key.asymmetricKeyType !== 'rsa') {
    throw new DaemonError(
      'key_invalid',
      `cannot sign the challenge: the key is a ${key.asymmetricKeyType ?? 'secret'} ${key.type} key; an RSA private key is required`,
    );
  }
  return sign('sha256', Buffer.from(challenge, 'utf8'), {
    key,
    padding: constants.RSA_PKCS1_PADDING,
  }).toString('base64');
}

/** SHA-256 of the challenge text, hex: the digest the signature covers (test vector V1). */
export function challengeDigestHex(challenge: string): string {
  return createHash('sha256').update(challenge, 'utf8').digest('hex');
}
