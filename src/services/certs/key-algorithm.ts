/**
 * Which key pair and signature algorithm `certificates.key_type`/`key_size` mean, checked once so
 * a bad combination fails with a message naming the option rather than deep inside OpenSSL.
 */
import { generateKeyPair, type KeyObject } from 'node:crypto';
import type { CertificatesConfig } from '../../config/index.js';
import { DaemonError } from '../../shared/index.js';

export type KeyAlgorithm =
  | { kind: 'rsa'; modulusLength: number; hash: 'sha256'; signatureOid: string }
  | {
      kind: 'ec';
      namedCurve: 'P-256' | 'P-384' | 'P-521';
      /** How OpenSSL names the curve (what `asymmetricKeyDetails.namedCurve` reports). */
      opensslCurve: string;
      hash: 'sha256' | 'sha384';
      signatureOid: string;
    };

export const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
export const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
export const ECDSA_WITH_SHA384 = '1.2.840.10045.4.3.3';

const CURVES = {
  256: { namedCurve: 'P-256', opensslCurve: 'prime256v1', hash: 'sha256', oid: ECDSA_WITH_SHA256 },
  384: { namedCurve: 'P-384', opensslCurve: 'secp384r1', hash: 'sha384', oid: ECDSA_WITH_SHA384 },
  521: { namedCurve: 'P-521', opensslCurve: 'secp521r1', hash: 'sha384', oid: ECDSA_WITH_SHA384 },
} as const;

export const MIN_RSA_BITS = 2048;

export function keyAlgorithmFor(
  settings: Pick<CertificatesConfig, 'key_type' | 'key_size'>,
): KeyAlgorithm {
  const size = settings.key_size;
  if (settings.key_type === 'rsa') {
    if (!Number.isInteger(size) || size < MIN_RSA_BITS)
      throw new DaemonError(
        'config_invalid',
        `certificates.key_size ${size} is too small for key_type rsa: use ${MIN_RSA_BITS} or more`,
        { details: { key: 'certificates.key_size', value: size } },
      );
    return { kind: 'rsa', modulusLength: size, hash: 'sha256', signatureOid: SHA256_WITH_RSA };
  }
  const curve = Object.hasOwn(CURVES, size) ? CURVES[size as keyof typeof CURVES] : undefined;
  if (!curve)
    throw new DaemonError(
      'config_invalid',
      `certificates.key_size ${size} is not an ecdsa curve size: use 256 (P-256), 384 (P-384) or 521 (P-521)`,
      { details: { key: 'certificates.key_size', value: size } },
    );
  return {
    kind: 'ec',
    namedCurve: curve.namedCurve,
    opensslCurve: curve.opensslCurve,
    hash: curve.hash,
    signatureOid: curve.oid,
  };
}

export interface GeneratedKeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

/** Asynchronous on purpose: a 4096-bit RSA key takes seconds and must not block the daemon. */
export function generateKeyPairFor(algorithm: KeyAlgorithm): Promise<GeneratedKeyPair> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, publicKey: KeyObject, privateKey: KeyObject): void => {
      if (error) reject(new DaemonError('internal', `key generation failed: ${error.message}`));
      else resolve({ publicKey, privateKey });
    };
    if (algorithm.kind === 'rsa')
      generateKeyPair('rsa', { modulusLength: algorithm.modulusLength }, done);
    else generateKeyPair('ec', { namedCurve: algorithm.namedCurve }, done);
  });
}

/** Whether an existing key is of the configured type and size. */
export function keyMatchesAlgorithm(key: KeyObject, algorithm: KeyAlgorithm): boolean {
  const details = key.asymmetricKeyDetails ?? {};
  if (algorithm.kind === 'rsa')
    return key.asymmetricKeyType === 'rsa' && details.modulusLength === algorithm.modulusLength;
  return key.asymmetricKeyType === 'ec' && details.namedCurve === algorithm.opensslCurve;
}
