/**
 * A self-signed X.509 v3 server/client certificate built with node:crypto and our DER encoder
 * (no dependency). RFC 5280 shapes: the TBSCertificate is signed with the new key itself, so
 * subject and issuer are the same name.
 */
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import type { CertificatesConfig } from '../../config/index.js';
import {
  bitString,
  boolean,
  explicit,
  implicitPrimitive,
  integer,
  nullValue,
  objectIdentifier,
  octetString,
  readChildren,
  readElement,
  sequence,
  set,
  utf8String,
  x509Time,
  ia5Bytes,
} from './der.js';
import { generateKeyPairFor, keyAlgorithmFor, type KeyAlgorithm } from './key-algorithm.js';
import { planSubjectNames, type SubjectNames } from './subject-names.js';

export const DAY_MS = 24 * 60 * 60 * 1000;
/** notBefore lies this far in the past, so a peer whose clock is a little behind accepts it. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

const OID = {
  organization: '2.5.4.10',
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

export type CertificateSettings = Pick<
  CertificatesConfig,
  'key_type' | 'key_size' | 'validity_days' | 'organization' | 'common_name' | 'hosts'
>;

export interface SelfSignedCertificate {
  certPem: string;
  /** PKCS#8 PEM: a secret; never log it. */
  keyPem: string;
  /** Epoch milliseconds, whole seconds as the certificate stores them. */
  notBefore: number;
  notAfter: number;
}

export async function generateSelfSignedCertificate(
  settings: CertificateSettings,
  now: number,
  hostname: string = osHostname(),
): Promise<SelfSignedCertificate> {
  // Both checks throw config_invalid before any slow key generation.
  const algorithm = keyAlgorithmFor(settings);
  const names = planSubjectNames(settings, hostname);
  const { publicKey, privateKey } = await generateKeyPairFor(algorithm);
  const notBefore = wholeSeconds(now - CLOCK_SKEW_MS);
  const notAfter = wholeSeconds(now + settings.validity_days * DAY_MS);
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const signatureAlgorithm = algorithmIdentifier(algorithm);
  const name = distinguishedName(settings.organization, names.commonName);

  const tbs = sequence(
    explicit(0, integer(2)), // v3
    integer(serialNumber()),
    signatureAlgorithm,
    name, // issuer
    sequence(x509Time(new Date(notBefore)), x509Time(new Date(notAfter))),
    name, // subject
    spki,
    explicit(3, sequence(...extensions(algorithm, names, spki))),
  );
  const signature = sign(algorithm.hash, tbs, privateKey);
  const certificate = sequence(tbs, signatureAlgorithm, bitString(signature));
  return {
    certPem: toPem('CERTIFICATE', certificate),
    keyPem: exportKeyPem(privateKey),
    notBefore,
    notAfter,
  };
}

const wholeSeconds = (ms: number): number => Math.floor(ms / 1000) * 1000;

/** 16 random bytes, positive (high bit clear) and with no leading zero byte to strip. */
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes;
}

function algorithmIdentifier(algorithm: KeyAlgorithm): Buffer {
  // RSA signature identifiers carry an explicit NULL; ECDSA ones carry no parameters (RFC 5758).
  return algorithm.kind === 'rsa'
    ? sequence(objectIdentifier(algorithm.signatureOid), nullValue())
    : sequence(objectIdentifier(algorithm.signatureOid));
}

function distinguishedName(organization: string, commonName: string): Buffer {
  const attribute = (oid: string, value: string): Buffer =>
    set(sequence(objectIdentifier(oid), utf8String(value)));
  const rdns = organization.trim() === '' ? [] : [attribute(OID.organization, organization)];
  return sequence(...rdns, attribute(OID.commonName, commonName));
}

function extensions(algorithm: KeyAlgorithm, names: SubjectNames, spki: Buffer): Buffer[] {
  // keyUsage bits: digitalSignature is bit 0 (0x80), keyEncipherment bit 2 (0x20); DER drops
  // trailing zero bits, so the unused-bit count is 5 with keyEncipherment and 7 without it.
  const keyUsage =
    algorithm.kind === 'rsa'
      ? bitString(Buffer.from([0xa0]), 5)
      : bitString(Buffer.from([0x80]), 7);
  const altNames = [
    ...names.dnsNames.map((dns) => implicitPrimitive(2, ia5Bytes(dns))),
    ...names.ipAddresses.map((ip) => implicitPrimitive(7, ip.bytes)),
  ];
  return [
    extension(OID.basicConstraints, true, sequence()), // cA defaults to FALSE
    extension(OID.keyUsage, true, keyUsage),
    extension(
      OID.extKeyUsage,
      false,
      sequence(objectIdentifier(OID.serverAuth), objectIdentifier(OID.clientAuth)),
    ),
    extension(OID.subjectAltName, false, sequence(...altNames)),
    extension(OID.subjectKeyIdentifier, false, octetString(subjectKeyIdentifier(spki))),
  ];
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  // DER omits a BOOLEAN that equals its DEFAULT (critical FALSE).
  const parts = [objectIdentifier(oid), ...(critical ? [boolean(true)] : []), octetString(value)];
  return sequence(...parts);
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value. */
function subjectKeyIdentifier(spki: Buffer): Buffer {
  const [, publicKeyBits] = readChildren(readElement(spki).content);
  if (!publicKeyBits) throw new RangeError('SubjectPublicKeyInfo without a key');
  return createHash('sha1').update(publicKeyBits.content.subarray(1)).digest();
}

function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function exportKeyPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}
