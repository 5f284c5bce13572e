/**
 * `<certsDir>/<name>.crt` and `<name>.key`: reused while they parse, belong together, match the
 * configured key type and hosts and are not due; otherwise regenerated and written atomically
 * (key 0600). One generation at a time per name: instances of one process starting together
 * share the same files instead of racing to write different ones.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { chmod, readFile, stat } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { CertificatesConfig } from '../../config/index.js';
import {
  DaemonError,
  currentPlatform,
  errnoCode,
  isWindows,
  writeFileAtomic,
  type Platform,
} from '../../shared/index.js';
import { keyAlgorithmFor, keyMatchesAlgorithm } from './key-algorithm.js';
import { decideRenewal } from './renewal.js';
import { planSubjectNames } from './subject-names.js';
import { generateSelfSignedCertificate } from './x509.js';

/**
 * The API server's own certificate (`server.tls.auto`): `<certs>/daemon/api.crt`. A subdirectory,
 * so that no process name (processes get `<certs>/<name>.crt`) can collide with it.
 */
export const SERVER_CERTIFICATE_DIR = 'daemon';
export const SERVER_CERTIFICATE_NAME = 'api';

export interface CertificatePaths {
  certFile: string;
  keyFile: string;
}

export interface EnsureCertificateRequest {
  /** The certs directory (`paths.certs`). */
  dir: string;
  /** The process name; the files are `<name>.crt` and `<name>.key`. */
  name: string;
  settings: CertificatesConfig;
  now: number;
  /** Defaults to os.hostname(), which is always a SAN. */
  hostname?: string | undefined;
  /**
   * Also replace a certificate that is still valid but within its renewal window. The renewer
   * does (and then restarts every instance of the process); an instance start does not, so that
   * its siblings are not left holding the old files.
   */
  renewDue?: boolean | undefined;
}

export interface EnsuredCertificate extends CertificatePaths {
  notAfter: number;
  /** True when new files were written by this call. */
  generated: boolean;
  /** Why the files were (re)generated: "no certificate yet", "expired on ...", ... */
  reason?: string;
}

export type CertificateInspection =
  | { state: 'missing'; reason: string }
  | { state: 'valid'; notAfter: number; dueAt: number }
  /** Still valid, but within its renewal window. */
  | { state: 'due'; notAfter: number; reason: string }
  | { state: 'renew'; reason: string };

export function certificatePaths(dir: string, name: string): CertificatePaths {
  const base = resolve(dir);
  return { certFile: join(base, `${name}.crt`), keyFile: join(base, `${name}.key`) };
}

const inflight = new Map<string, Promise<EnsuredCertificate>>();

export function ensureCertificate(request: EnsureCertificateRequest): Promise<EnsuredCertificate> {
  const paths = certificatePaths(request.dir, request.name);
  const running = inflight.get(paths.certFile);
  // A caller that joins a running check shares its files but did not write them itself.
  if (running)
    return running.then(({ reason: _reason, ...shared }) => ({ ...shared, generated: false }));
  const work = ensureNow(paths, request).finally(() => inflight.delete(paths.certFile));
  inflight.set(paths.certFile, work);
  return work;
}

/** The API server's certificate for `server.tls.auto`: the same store, in its own folder. */
export function ensureServerCertificate(
  dir: string,
  settings: CertificatesConfig,
  now: number,
): Promise<EnsuredCertificate> {
  return ensureCertificate({
    dir: join(dir, SERVER_CERTIFICATE_DIR),
    name: SERVER_CERTIFICATE_NAME,
    settings,
    now,
    renewDue: true, // read once at daemon start: nothing else holds the old files
  });
}

async function ensureNow(
  paths: CertificatePaths,
  request: EnsureCertificateRequest,
): Promise<EnsuredCertificate> {
  const hostname = request.hostname ?? osHostname();
  const inspection = await inspectCertificate(paths, request.settings, request.now, hostname);
  if (inspection.state === 'valid' || (inspection.state === 'due' && !request.renewDue)) {
    await tightenKeyMode(paths.keyFile);
    return { ...paths, notAfter: inspection.notAfter, generated: false };
  }
  const fresh = await generateSelfSignedCertificate(request.settings, request.now, hostname);
  try {
    // Two renames: a mismatched pair exists only between them, and if the daemon dies there the
    // next check sees the mismatch and regenerates.
    await writeFileAtomic(paths.keyFile, fresh.keyPem, 0o600);
    await writeFileAtomic(paths.certFile, fresh.certPem, 0o644);
  } catch (error) {
    throw fileError(
      `cannot write the certificate for "${request.name}" in ${resolve(request.dir)}`,
      error,
    );
  }
  return { ...paths, notAfter: fresh.notAfter, generated: true, reason: inspection.reason };
}

/** What the files on disk are worth under the current settings; damaged files are not errors. */
export async function inspectCertificate(
  paths: CertificatePaths,
  settings: CertificatesConfig,
  now: number,
  hostname: string = osHostname(),
): Promise<CertificateInspection> {
  const [certPem, keyPem] = await Promise.all([
    readOptional(paths.certFile),
    readOptional(paths.keyFile),
  ]);
  if (certPem === undefined && keyPem === undefined)
    return { state: 'missing', reason: 'no certificate yet' };
  if (certPem === undefined) return { state: 'renew', reason: `${paths.certFile} is missing` };
  if (keyPem === undefined) return { state: 'renew', reason: `${paths.keyFile} is missing` };

  let cert: X509Certificate;
  let key: KeyObject;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return { state: 'renew', reason: `${paths.certFile} is not a readable certificate` };
  }
  try {
    key = createPrivateKey(keyPem);
  } catch {
    return { state: 'renew', reason: `${paths.keyFile} is not a readable private key` };
  }
  if (!cert.checkPrivateKey(key))
    return { state: 'renew', reason: 'the key does not belong to the certificate' };
  if (!keyMatchesAlgorithm(cert.publicKey, keyAlgorithmFor(settings)))
    return { state: 'renew', reason: 'certificates.key_type or key_size changed' };
  const names = planSubjectNames(settings, hostname);
  const coversHosts =
    names.dnsNames.every((dns) => cert.checkHost(dns, { subject: 'never' }) !== undefined) &&
    names.ipAddresses.every((ip) => cert.checkIP(ip.text) !== undefined);
  if (!coversHosts) return { state: 'renew', reason: 'the hosts (certificates.hosts) changed' };

  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  if (Number.isNaN(notBefore) || Number.isNaN(notAfter))
    return { state: 'renew', reason: `${paths.certFile} has unreadable validity dates` };
  if (now < notBefore)
    return { state: 'renew', reason: `not valid before ${new Date(notBefore).toISOString()}` };
  const decision = decideRenewal({
    notAfter,
    notBefore,
    now,
    renewBeforeDays: settings.renew_before_days,
  });
  if (!decision.renew) return { state: 'valid', notAfter, dueAt: decision.dueAt };
  return now < notAfter
    ? { state: 'due', notAfter, reason: decision.reason }
    : { state: 'renew', reason: decision.reason };
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw fileError(`cannot read ${file}`, error);
  }
}

function fileError(what: string, error: unknown): DaemonError {
  const code = errnoCode(error);
  const denied = code === 'EACCES' || code === 'EPERM';
  const why = code ?? (error instanceof Error ? error.message : String(error));
  return new DaemonError(denied ? 'permission_denied' : 'internal', `${what}: ${why}`, {
    cause: error,
  });
}

/** A reused key that someone made readable to others is put back to 0600 (POSIX modes only). */
async function tightenKeyMode(file: string, platform: Platform = currentPlatform()): Promise<void> {
  if (isWindows(platform)) return;
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) await chmod(file, 0o600);
}
