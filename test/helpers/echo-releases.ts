/**
 * Releases of the echo fixture for hot-deploy tests, published on the fake GitHub: each is a
 * tar.gz holding a script that runs test/fixtures/echo-service.mjs with INSTANCE_ID suffixed by
 * the version it runs (`<id>@<GOWINPROC_VERSION>`), so every reply's served_by says which
 * release served it. Bad releases: one that never passes its health check, one that crash-loops,
 * one whose SHA256SUMS does not match, and one whose archive escapes its directory.
 */
import { createHash } from 'node:crypto';
import type { FakeGithub } from '../fakes/github.js';
import { buildTarGz } from './archives.js';
import { portRange } from './daemon.js';
import { fixture } from './paths.js';

const ARCH = process.arch === 'x64' ? 'amd64' : process.arch;
/** The repository the echo releases are published in. */
export const ECHO_REPO = 'acme/echo';
/** An asset name the daemon picks for this machine. */
export const ECHO_ASSET = `echo_linux_${ARCH}.tar.gz`;

export type EchoReleaseKind =
  /** Serves and passes its health check. */
  | 'good'
  /** Serves gRPC but reports NOT_SERVING forever. */
  | 'unhealthy'
  /** Exits with status 1 at once, every time. */
  | 'crash'
  /** Good, but takes this long before it listens (READY_DELAY_MS). */
  | { readyDelayMs: number };

export function echoScript(kind: EchoReleaseKind = 'good'): string {
  if (kind === 'crash') return '#!/bin/sh\necho "v4 cannot start" >&2\nexit 1\n';
  const env = [
    'INSTANCE_ID="$INSTANCE_ID@$GOWINPROC_VERSION"',
    kind === 'unhealthy' ? 'UNHEALTHY=1' : '',
    typeof kind === 'object' ? `READY_DELAY_MS=${kind.readyDelayMs}` : '',
  ].filter(Boolean);
  return `#!/bin/sh\nexport ${env.join(' ')}\nexec "${process.execPath}" "${fixture('echo-service.mjs')}"\n`;
}

export function echoArchive(kind: EchoReleaseKind = 'good'): Promise<Buffer> {
  return buildTarGz([{ name: 'echo', data: echoScript(kind), mode: 0o755 }]);
}

export interface PublishEchoOptions {
  kind?: EchoReleaseKind;
  /** Publish a SHA256SUMS beside the asset: the right hash, or a wrong one. */
  sums?: 'right' | 'wrong';
  /** The archive holds an entry that escapes the install directory. */
  escaping?: boolean;
  prerelease?: boolean;
  body?: string;
}

/** Publishes `tag` of `repo` with the echo release as its one asset (plus SHA256SUMS if asked). */
export async function publishEcho(
  github: FakeGithub,
  repo: string,
  tag: string,
  options: PublishEchoOptions = {},
): Promise<Buffer> {
  const archive = options.escaping
    ? await buildTarGz([
        { name: 'echo', data: echoScript('good'), mode: 0o755 },
        { name: '../../escaped', data: 'outside the install directory' },
      ])
    : await echoArchive(options.kind);
  const assets = [{ name: ECHO_ASSET, data: archive }];
  if (options.sums) {
    const hash =
      options.sums === 'right'
        ? createHash('sha256').update(archive).digest('hex')
        : createHash('sha256').update('something else').digest('hex');
    assets.push({ name: 'SHA256SUMS', data: Buffer.from(`${hash}  ${ECHO_ASSET}\n`) });
  }
  github.publish(repo, {
    tag,
    assets,
    body: options.body ?? `Release ${tag}`,
    ...(options.prerelease ? { prerelease: true } : {}),
  });
  return archive;
}

export interface EchoProcessOptions {
  instances?: number;
  /** What runs before a release is installed (default: nothing until one is). */
  binaryPath?: string;
  /** Extra keys inside `github: { checksum: optional, ... }`, e.g. `auto_update: true`. */
  github?: string;
  /** Default 10 s: a loaded CI machine can take seconds to start node; a good release is ready as soon as its probe passes. */
  startPeriod?: string;
}

/** The YAML of a process `echo` updated from ECHO_REPO, health-checked over gRPC (for `processes:`). */
export function echoProcessYaml(options: EchoProcessOptions = {}): string {
  const instances = options.instances ?? 2;
  return `  - name: echo
    repository: ${ECHO_REPO}
${options.binaryPath === undefined ? '' : `    binary_path: ${options.binaryPath}\n`}    instances: ${instances}
    max_instances: ${Math.max(instances, 4)}
    port_range: ${portRange()}
    secrets: { enabled: false }
    health_check: { type: grpc, interval: 200ms, timeout: 200ms, retries: 1, start_period: ${options.startPeriod ?? '10s'} }
    stop: { timeout: 5s }
    github: { checksum: optional${options.github ? `, ${options.github}` : ''} }
`;
}
