import { generateKeyPair, randomBytes } from 'node:crypto';
import { chmod, link, lstat, mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { DaemonError, errnoCode, writeFileAtomic } from '../../shared/index.js';
import { assertClientId } from './client-id.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export type KeyBits = 2048 | 4096;

export interface GenerateClientKeysOptions {
  clientId: string;
  bits: KeyBits;
  outDir: string;
  /** Replace an existing private key (the CLI's --force). */
  force: boolean;
  /** File name (or path) of the private key, relative to outDir; default `private.pem`. */
  privateKeyName?: string;
  /** File name (or path) of the public key, relative to outDir; default `public.pem`. */
  publicKeyName?: string;
}

export interface GeneratedClientKeys {
  privateKeyPath: string;
  publicKeyPath: string;
  /** `<publicKeyPath>.cloudflare.json`: the entry to paste into the worker's AUTHORIZED_CLIENTS. */
  jsonPath: string;
  publicKeyPem: string;
  /** `{"<clientId>":"<public PEM>"}` without the trailing newline. */
  jsonLine: string;
}

const PRIVATE_KEY_MODE = 0o600;
const PUBLIC_FILE_MODE = 0o644;

/**
 * Creates an RSA key pair for the auth worker (spec cloudflare.md §2): the private key as PKCS#8
 * PEM readable by the owner only, the public key as SPKI PEM (the only form the worker knows),
 * and the JSON entry for AUTHORIZED_CLIENTS. An existing private key is only replaced with
 * `force`: losing it locks the daemon out until the worker is reconfigured.
 */
export async function generateClientKeys(
  options: GenerateClientKeysOptions,
): Promise<GeneratedClientKeys> {
  assertClientId(options.clientId);
  if (options.bits !== 2048 && options.bits !== 4096) {
    throw new DaemonError(
      'invalid_argument',
      `key size ${JSON.stringify(options.bits)} is not supported: use 2048 or 4096 bits`,
      { details: { bits: options.bits } },
    );
  }
  const privateKeyPath = resolve(options.outDir, options.privateKeyName ?? 'private.pem');
  const publicKeyPath = resolve(options.outDir, options.publicKeyName ?? 'public.pem');
  const jsonPath = `${publicKeyPath}.cloudflare.json`;
  if (privateKeyPath === publicKeyPath || privateKeyPath === jsonPath) {
    throw new DaemonError(
      'invalid_argument',
      `the private key and a public file would both be written to "${privateKeyPath}"; give them different names`,
    );
  }
  if (!options.force && (await exists(privateKeyPath))) {
    throw new DaemonError(
      'file_exists',
      `private key "${privateKeyPath}" already exists; pass --force to replace it (the worker must then get the new public key)`,
      { details: { path: privateKeyPath } },
    );
  }
  await mkdir(options.outDir, { recursive: true });

  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: options.bits,
    publicExponent: 0x10001,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const jsonLine = `{${JSON.stringify(options.clientId)}:${JSON.stringify(publicKey)}}`;

  if (options.force) await writeFileAtomic(privateKeyPath, privateKey, PRIVATE_KEY_MODE);
  else await createExclusively(privateKeyPath, privateKey, PRIVATE_KEY_MODE);
  await writeFileAtomic(publicKeyPath, publicKey, PUBLIC_FILE_MODE);
  await writeFileAtomic(jsonPath, `${jsonLine}\n`, PUBLIC_FILE_MODE);
  // The umask may have narrowed the creation modes; the public files are meant to be shared.
  await chmod(publicKeyPath, PUBLIC_FILE_MODE);
  await chmod(jsonPath, PUBLIC_FILE_MODE);

  return { privateKeyPath, publicKeyPath, jsonPath, publicKeyPem: publicKey, jsonLine };
}

/**
 * Writes a file that must not exist yet, all at once: a temp file beside it is hard-linked to the
 * name (which fails if the name exists, even if another keygen created it a moment ago).
 */
async function createExclusively(path: string, data: string, mode: number): Promise<void> {
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFileAtomic(temp, data, mode);
  try {
    await link(temp, path);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') {
      throw new DaemonError(
        'file_exists',
        `private key "${path}" already exists; pass --force to replace it (the worker must then get the new public key)`,
        { details: { path } },
      );
    }
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}
