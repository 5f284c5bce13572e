import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { DaemonError, errnoCode } from '../../shared/index.js';

/**
 * Loads the RSA private key that signs auth-worker challenges. Both PEM forms the original
 * accepted load: PKCS#8 (`BEGIN PRIVATE KEY`) and PKCS#1 (`BEGIN RSA PRIVATE KEY`). Messages name
 * the file and the reason, never any of its content.
 */
export async function loadPrivateKey(path: string): Promise<KeyObject> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    const code = errnoCode(error);
    const reason =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EISDIR'
          ? 'is a directory, not a key file'
          : `cannot be read (${code ?? 'unknown error'})`;
    throw keyInvalid(path, reason, error);
  }
  return parsePrivateKey(pem, path);
}

const PEM_LABEL = /-----BEGIN ([A-Z0-9 ]+)-----/g;

/** Parses PEM text into an RSA private key; `sourceName` (a path) appears in error messages. */
export function parsePrivateKey(pem: string | Buffer, sourceName: string): KeyObject {
  const text = typeof pem === 'string' ? pem : pem.toString('utf8');
  const labels = [...text.matchAll(PEM_LABEL)].map((match) => match[1] ?? '');
  if (labels.length === 0) {
    throw keyInvalid(sourceName, 'is not a PEM file (no "-----BEGIN ...-----" line)');
  }
  // Detected from the label first: asking OpenSSL to open an encrypted key could prompt for a
  // passphrase on the terminal.
  if (labels.includes('ENCRYPTED PRIVATE KEY') || /Proc-Type:\s*4,\s*ENCRYPTED/.test(text)) {
    throw keyInvalid(
      sourceName,
      'holds an encrypted private key; gowinproc needs it unencrypted (protect it with file permissions instead)',
    );
  }
  const label = labels.find(
    (candidate) => candidate === 'PRIVATE KEY' || candidate === 'RSA PRIVATE KEY',
  );
  if (label === undefined) {
    const other = labels.find((candidate) => candidate.endsWith('PRIVATE KEY'));
    throw keyInvalid(
      sourceName,
      other !== undefined
        ? `holds a "${other}", not an RSA private key`
        : `holds a "${labels[0] ?? ''}", not a private key`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch (error) {
    throw keyInvalid(sourceName, `holds a "${label}" block that cannot be decoded`, error);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw keyInvalid(
      sourceName,
      `holds a ${key.asymmetricKeyType ?? 'non-asymmetric'} key; an RSA key is required (generate one with "gowinproc keygen")`,
    );
  }
  return key;
}

function keyInvalid(sourceName: string, reason: string, cause?: unknown): DaemonError {
  return new DaemonError('key_invalid', `private key file "${sourceName}" ${reason}`, {
    details: { path: sourceName },
    ...(cause === undefined ? {} : { cause }),
  });
}
