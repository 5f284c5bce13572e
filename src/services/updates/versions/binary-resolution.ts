/**
 * Which executable an instance runs: the installed current release wins over `binary_path` (the
 * config file is never rewritten, so a release installed over a `binary_path` process simply
 * takes precedence), and with neither the start fails as a missing binary does.
 */
import type { ProcessConfig } from '../../../config/index.js';
import { DaemonError } from '../../../shared/index.js';
import type { ProcessVersions } from './version-store.js';

export interface ResolvedBinary {
  command: string;
  /** The release tag (GOWINPROC_VERSION); undefined when running binary_path. */
  version: string | undefined;
}

export function resolveBinary(
  config: Pick<ProcessConfig, 'name' | 'binary_path' | 'repository'>,
  versions: Pick<ProcessVersions, 'current'> | undefined,
): ResolvedBinary {
  const current = versions?.current;
  if (current) return { command: current.executable, version: current.version };
  if (config.binary_path !== undefined && config.binary_path !== '')
    return { command: config.binary_path, version: undefined };
  throw new DaemonError(
    'binary_not_found',
    `${config.name} has no binary_path and no installed release of ${config.repository ?? 'its repository'}`,
    { details: { process: config.name } },
  );
}
