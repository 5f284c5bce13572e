/**
 * The certificate and key a listener serves TLS with (the API's `server.tls`, a balancer's
 * `tls`): the configured files, or with `auto: true` a self-signed certificate generated (and
 * reused until due) in paths.certs.
 */
import { readFile } from 'node:fs/promises';
import type { Config, TlsFilesConfig } from '../config/index.js';
import { ensureServerCertificate } from '../services/certs/index.js';
import { DaemonError, errnoCode, systemClock } from '../shared/index.js';

export async function readTlsFiles(
  config: Config,
  tls: TlsFilesConfig | undefined,
  /** Where `tls` sits in the config, for error messages (`server.tls`, `load_balancers[0].tls`). */
  key: string,
): Promise<{ cert: string; key: string } | undefined> {
  if (!tls) return undefined;
  if (tls.cert_file === undefined || tls.key_file === undefined) {
    const generated = await ensureServerCertificate(
      config.paths.certs,
      config.certificates,
      systemClock.now(),
    );
    return {
      cert: await readFile(generated.certFile, 'utf8'),
      key: await readFile(generated.keyFile, 'utf8'),
    };
  }
  const read = async (file: string, field: string): Promise<string> => {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      throw new DaemonError(
        'config_invalid',
        `${config.source}: ${key}.${field}: cannot read ${file} (${errnoCode(error) ?? (error as Error).message})`,
        { cause: error },
      );
    }
  };
  return {
    cert: await read(tls.cert_file, 'cert_file'),
    key: await read(tls.key_file, 'key_file'),
  };
}
