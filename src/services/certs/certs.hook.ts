/**
 * The `certificates` prestart hook: for a process with `certificates.enabled`, makes sure its
 * certificate and key exist (generating or renewing them when `auto_generate` is on) and hands
 * the child their absolute paths as CERT_FILE and KEY_FILE.
 */
import { X509Certificate } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import type { CertificatesConfig } from '../../config/index.js';
import type { LifecycleHook, PrestartContext, ServiceEventBody } from '../../core/index.js';
import { DaemonError, type Clock } from '../../shared/index.js';
import { certificatePaths, ensureCertificate, type EnsuredCertificate } from './cert-store.js';
import { decideRenewal } from './renewal.js';

export const CERTIFICATES_HOOK_NAME = 'certificates';

export interface CertificatesHookOptions {
  /** The certs directory (`paths.certs`). */
  dir: string;
  /** Read at every start, so a reloaded config applies to the next instance. */
  settings: () => CertificatesConfig;
  clock: Clock;
  /** Defaults to os.hostname() (read by the store). */
  hostname?: () => string;
  /** Publishes `process.certificate` when files were generated (the supervisor's `report`). */
  report?: (processName: string, body: ServiceEventBody) => void;
}

export function createCertificatesHook(options: CertificatesHookOptions): LifecycleHook {
  return {
    name: CERTIFICATES_HOOK_NAME,
    async prestart(ctx) {
      if (!ctx.process.certificates.enabled) return;
      const settings = options.settings();
      const { certFile, keyFile } = settings.auto_generate
        ? await generatedFiles(ctx, settings, options)
        : await operatorFiles(ctx, settings, options);
      ctx.inject.CERT_FILE = certFile;
      ctx.inject.KEY_FILE = keyFile;
    },
  };
}

async function generatedFiles(
  ctx: PrestartContext,
  settings: CertificatesConfig,
  options: CertificatesHookOptions,
): Promise<EnsuredCertificate> {
  const ensured = await ensureCertificate({
    dir: options.dir,
    name: ctx.process.name,
    settings,
    now: options.clock.now(),
    hostname: options.hostname?.(),
  });
  if (ensured.generated)
    options.report?.(ctx.process.name, {
      type: 'process.certificate',
      action: 'generated',
      file: ensured.certFile,
      notAfter: ensured.notAfter,
      message: `generated ${ensured.certFile} (${ensured.reason ?? 'no usable certificate'}), valid until ${new Date(ensured.notAfter).toISOString()}`,
    });
  return ensured;
}

/** With auto_generate off the operator provides the files; we only check they are there. */
async function operatorFiles(
  ctx: PrestartContext,
  settings: CertificatesConfig,
  options: CertificatesHookOptions,
): Promise<{ certFile: string; keyFile: string }> {
  const paths = certificatePaths(options.dir, ctx.process.name);
  for (const file of [paths.certFile, paths.keyFile]) {
    try {
      await access(file);
    } catch {
      throw new DaemonError(
        'hook_failed',
        `${file} does not exist and certificates.auto_generate is false: provide the file or turn auto_generate on`,
        { details: { file, process: ctx.process.name } },
      );
    }
  }
  const warning = await expiryWarning(paths.certFile, settings, options.clock.now());
  if (warning) ctx.report({ type: 'instance.warning', message: warning });
  return paths;
}

async function expiryWarning(
  certFile: string,
  settings: CertificatesConfig,
  now: number,
): Promise<string | undefined> {
  let notAfter: number;
  try {
    notAfter = Date.parse(new X509Certificate(await readFile(certFile)).validTo);
  } catch {
    return `${certFile} is not a readable certificate`;
  }
  if (Number.isNaN(notAfter)) return undefined;
  const decision = decideRenewal({ notAfter, now, renewBeforeDays: settings.renew_before_days });
  return decision.renew
    ? `${certFile} ${decision.reason}; certificates.auto_generate is false, so gowinproc does not renew it`
    : undefined;
}
