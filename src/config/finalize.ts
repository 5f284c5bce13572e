/**
 * Everything the schema cannot say alone: defaults that depend on other keys, relative paths
 * resolved against the config file's directory, and checks across keys (unique names, instance
 * bounds, balancer targets).
 */
import { createPublicKey } from 'node:crypto';
import { isIP } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { domainToASCII } from 'node:url';
import { formatDuration } from '../shared/index.js';
import { isLoopbackHost } from '../shared/index.js';
import type { ConfigIssue } from './issues.js';
import type { ParsedConfig, ParsedProcess } from './schema.js';
import type {
  Config,
  TlsFilesConfig,
  HealthCheckConfig,
  PathsConfig,
  ProcessConfig,
  RestartPolicyName,
} from './types.js';

export interface FinalizeOptions {
  /** Directory that relative paths in the file are resolved against. */
  baseDir: string;
  source: string;
  /** Absolute directories that replace `paths.*` (command-line flags). */
  paths?: Partial<PathsConfig> | undefined;
}

export function finalizeConfig(
  parsed: ParsedConfig,
  options: FinalizeOptions,
): { config: Config; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const base = options.baseDir;
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  const absOpt = (p: string | undefined): string | undefined =>
    p === undefined ? undefined : abs(p);

  const paths: PathsConfig = {
    certs: abs(parsed.paths.certs),
    keys: abs(parsed.paths.keys),
    data: abs(parsed.paths.data),
    binaries: abs(parsed.paths.binaries),
    logs: abs(parsed.paths.logs),
    ...options.paths,
  };

  const processes = parsed.processes.map((proc, index) =>
    finalizeProcess(proc, index, {
      base,
      paths,
      logs: parsed.logs,
      secretsMode: parsed.secrets.mode,
      pollInterval: parsed.github.update_mode.polling.interval,
      issues,
    }),
  );
  checkUniqueNames(
    parsed.processes.map((p) => p.name),
    'processes',
    issues,
  );
  checkFixedPorts(processes, parsed.server, issues);
  checkServerSafety(parsed.server, issues);
  checkJwtKeys(parsed.server, issues);
  checkCloudflareSecrets(parsed, processes, issues);
  checkTunnelWorker(parsed, issues);
  checkCertificates(parsed, issues);
  if (parsed.server.port !== 0 && parsed.server.port === parsed.server.grpc_port) {
    issues.push({
      path: ['server', 'grpc_port'],
      message: `grpc_port ${parsed.server.grpc_port} is the same as server.port; give each its own port`,
    });
  }

  const names = new Set(parsed.processes.map((p) => p.name));
  checkUniqueNames(
    parsed.load_balancers.map((b) => b.name),
    'load_balancers',
    issues,
  );
  parsed.load_balancers.forEach((balancer, b) => {
    const fixedPorts = new Map(
      processes.filter((p) => p.port !== undefined).map((p) => [p.port!, p.name]),
    );
    const earlier = parsed.load_balancers.findIndex((o) => o.listen_port === balancer.listen_port);
    if (balancer.listen_port !== 0 && earlier < b) {
      issues.push({
        path: ['load_balancers', b, 'listen_port'],
        message: `listen_port ${balancer.listen_port} is also the port of load_balancers[${earlier}]`,
      });
    }
    if (balancer.listen_port === 0) {
      // Any free port: nothing to collide with.
    } else if (fixedPorts.has(balancer.listen_port)) {
      issues.push({
        path: ['load_balancers', b, 'listen_port'],
        message: `listen_port ${balancer.listen_port} is also the port of process ${fixedPorts.get(balancer.listen_port)}`,
      });
    }
    if (
      balancer.listen_port !== 0 &&
      [parsed.server.port, parsed.server.grpc_port].includes(balancer.listen_port)
    ) {
      issues.push({
        path: ['load_balancers', b, 'listen_port'],
        message: `listen_port ${balancer.listen_port} is already used by the daemon's own server`,
      });
    }
    balancer.routes.forEach((route, r) => {
      route.methods.forEach((pattern, m) => {
        try {
          new RegExp(pattern);
        } catch (error) {
          issues.push({
            path: ['load_balancers', b, 'routes', r, 'methods', m],
            message: `invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`,
          });
        }
      });
      route.target_processes.forEach((target, t) => {
        if (!names.has(target)) {
          issues.push({
            path: ['load_balancers', b, 'routes', r, 'target_processes', t],
            message: `no process is named ${JSON.stringify(target)} (known: ${[...names].join(', ') || 'none'})`,
          });
        }
      });
      for (const key of Object.keys(route.weights ?? {})) {
        if (!route.target_processes.includes(key)) {
          issues.push({
            path: ['load_balancers', b, 'routes', r, 'weights', key],
            message: `weight for ${JSON.stringify(key)}, which is not one of this route's target_processes`,
          });
        }
      }
    });
  });

  const tlsFiles = (tls: ParsedConfig['server']['tls']): { tls?: TlsFilesConfig } =>
    tls
      ? {
          tls: {
            auto: tls.auto,
            ...opt('cert_file', absOpt(tls.cert_file)),
            ...opt('key_file', absOpt(tls.key_file)),
          },
        }
      : {};
  const config: Config = {
    source: options.source,
    server: { ...parsed.server, ...tlsFiles(parsed.server.tls) },
    paths,
    log_level: parsed.log_level,
    logs: parsed.logs,
    certificates: parsed.certificates,
    secrets: {
      ...parsed.secrets,
      cloudflare: {
        ...parsed.secrets.cloudflare,
        ...opt('private_key_path', absOpt(parsed.secrets.cloudflare.private_key_path)),
      },
    },
    github: {
      ...parsed.github,
      cloudflare: {
        ...parsed.github.cloudflare,
        ...opt('private_key_path', absOpt(parsed.github.cloudflare.private_key_path)),
      },
    },
    tunnel: {
      ...parsed.tunnel,
      ...opt('private_key_path', absOpt(parsed.tunnel.private_key_path)),
    },
    metrics: parsed.metrics,
    processes,
    load_balancers: parsed.load_balancers.map((b) => ({ ...b, ...tlsFiles(b.tls) })),
  };
  return { config, issues };
}

interface ProcessContext {
  base: string;
  paths: Config['paths'];
  logs: Config['logs'];
  secretsMode: Config['secrets']['mode'];
  /** github.update_mode.polling.interval: a process's update check interval unless it sets its own. */
  pollInterval: number;
  issues: ConfigIssue[];
}

function finalizeProcess(proc: ParsedProcess, index: number, ctx: ProcessContext): ProcessConfig {
  const at = (...rest: Array<string | number>) => ['processes', index, ...rest];
  const { issues } = ctx;

  if (proc.binary_path === undefined && proc.repository === undefined) {
    issues.push({
      path: at('binary_path'),
      message:
        'set binary_path (the executable to run), or repository to run its installed release',
    });
  }

  const instances = proc.instances ?? Math.max(1, proc.min_instances ?? 1);
  const minInstances = proc.min_instances ?? Math.min(1, instances);
  const maxInstances = proc.max_instances ?? Math.max(instances, minInstances, 1);
  if (minInstances > maxInstances) {
    issues.push({
      path: at('min_instances'),
      message: `min_instances (${minInstances}) is above max_instances (${maxInstances})`,
    });
  } else if (instances < minInstances || instances > maxInstances) {
    issues.push({
      path: at('instances'),
      message: `instances (${instances}) must be within min_instances..max_instances (${minInstances}..${maxInstances})`,
    });
  }
  if (proc.scaling.enabled && proc.scaling.min_instances === 0) {
    issues.push({
      path: at('scaling', 'min_instances'),
      message:
        'scaling.min_instances must be at least 1 when scaling is enabled: with no instance there is no load to measure, so the autoscaler could never scale up again',
    });
  } else if (proc.scaling.enabled && proc.scaling.min_instances > proc.scaling.max_instances) {
    issues.push({
      path: at('scaling', 'min_instances'),
      message: `scaling.min_instances (${proc.scaling.min_instances}) is above scaling.max_instances (${proc.scaling.max_instances})`,
    });
  }

  const policy = restartPolicy(proc, issues, at);
  const health = healthCheck(proc, issues, at);

  const binary = proc.binary_path;
  const secretsSource =
    proc.secrets.source ?? (ctx.secretsMode === 'cloudflare' ? 'cloudflare' : 'local');
  return {
    name: proc.name,
    ...opt('repository', proc.repository),
    ...opt('binary_path', binary === undefined ? undefined : resolveExecutable(binary, ctx.base)),
    args: proc.args,
    env: proc.env,
    work_dir: proc.work_dir === undefined ? ctx.base : resolve(ctx.base, proc.work_dir),
    ...opt('port', proc.port),
    port_range: proc.port_range,
    instances,
    min_instances: minInstances,
    max_instances: maxInstances,
    restart: {
      policy,
      backoff: proc.restart.backoff,
      ...opt('max_restarts', proc.restart.max_restarts),
      window: proc.restart.window,
      reset_after: proc.restart.reset_after,
      ...opt('max_memory', proc.restart.max_memory),
    },
    stop: proc.stop,
    health_check: health,
    secrets_keys: proc.secrets_keys,
    secrets: {
      enabled: proc.secrets.enabled,
      source: secretsSource,
      env_file: resolve(
        ctx.base,
        proc.secrets.env_file ?? join(ctx.paths.data, `${proc.name}.env`),
      ),
      required: proc.secrets.enabled && proc.secrets.source === 'local',
    },
    certificates: proc.certificates,
    github: {
      ...proc.github,
      update_check_interval: proc.github.update_check_interval ?? ctx.pollInterval,
    },
    scaling: proc.scaling,
    logs: {
      max_size: proc.logs.max_size ?? ctx.logs.max_size,
      max_files: proc.logs.max_files ?? ctx.logs.max_files,
    },
  };
}

function restartPolicy(
  proc: ParsedProcess,
  issues: ConfigIssue[],
  at: (...rest: Array<string | number>) => Array<string | number>,
): RestartPolicyName {
  const explicit = proc.restart.policy;
  if (proc.auto_restart === undefined) return explicit ?? 'on-failure';
  if (explicit === undefined) return proc.auto_restart ? 'on-failure' : 'never';
  if (proc.auto_restart !== (explicit !== 'never')) {
    issues.push({
      path: at('auto_restart'),
      message: `auto_restart: ${proc.auto_restart} contradicts restart.policy: ${explicit}; keep one of them`,
    });
  }
  return explicit;
}

function healthCheck(
  proc: ParsedProcess,
  issues: ConfigIssue[],
  at: (...rest: Array<string | number>) => Array<string | number>,
): HealthCheckConfig {
  const check = proc.health_check;
  const defaults = { interval: 5000, timeout: 2000, retries: 3, start_period: 1000 };
  if (check === undefined) return { enabled: false, type: 'none', ...defaults };
  const { enabled, type, endpoint, timeout, ...rest } = check;
  const timing = { ...rest, timeout: timeout ?? Math.min(2000, rest.interval) };
  if (enabled === false)
    return { enabled: false, type: 'none', ...opt('endpoint', endpoint), ...timing };
  const resolvedType = type ?? 'http';
  if (
    resolvedType === 'http' &&
    endpoint !== undefined &&
    !endpoint.startsWith('/') &&
    !/^https?:\/\//.test(endpoint)
  ) {
    issues.push({
      path: at('health_check', 'endpoint'),
      message: `invalid endpoint ${JSON.stringify(endpoint)} (expected a path such as "/health" or a full http:// URL)`,
    });
  }
  if (timing.timeout > timing.interval) {
    issues.push({
      path: at('health_check', 'timeout'),
      message: `timeout ${formatDuration(timing.timeout)} is longer than interval ${formatDuration(timing.interval)}; probes would overlap`,
    });
  }
  const resolvedEndpoint = resolvedType === 'http' ? (endpoint ?? '/health') : endpoint;
  return {
    enabled: resolvedType !== 'none',
    type: resolvedType,
    ...opt('endpoint', resolvedEndpoint),
    ...timing,
  };
}

/** A bare command name (`node`) is looked up on PATH at start; anything with a slash is a path. */
function resolveExecutable(binary: string, base: string): string {
  if (isAbsolute(binary) || !/[\\/]/.test(binary)) return binary;
  return resolve(base, binary);
}

function checkUniqueNames(names: string[], section: string, issues: ConfigIssue[]): void {
  const seen = new Map<string, number>();
  names.forEach((name, index) => {
    const first = seen.get(name);
    if (first !== undefined) {
      issues.push({
        path: [section, index, 'name'],
        message: `duplicate name ${JSON.stringify(name)} (also ${section}[${first}])`,
      });
    } else {
      seen.set(name, index);
    }
  });
}

function checkFixedPorts(
  processes: ProcessConfig[],
  server: ParsedConfig['server'],
  issues: ConfigIssue[],
): void {
  const owners = new Map<number, string>([
    [server.port, 'server.port'],
    [server.grpc_port, 'server.grpc_port'],
  ]);
  processes.forEach((proc, index) => {
    if (proc.port === undefined) return;
    const owner = owners.get(proc.port);
    if (owner !== undefined && proc.port !== 0) {
      issues.push({
        path: ['processes', index, 'port'],
        message: `port ${proc.port} is already taken by ${owner}`,
      });
    } else {
      owners.set(proc.port, `processes[${index}].port`);
    }
  });
}

/** `{key: value}` when value is defined, `{}` otherwise (for exactOptionalPropertyTypes). */
function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

/**
 * The API must not be open to other machines by accident: without credentials it listens on
 * loopback only, unless the operator sets server.auth.insecure.
 */
function checkServerSafety(server: ParsedConfig['server'], issues: ConfigIssue[]): void {
  const hasCredentials = server.auth.api_keys.length > 0 || server.auth.jwt !== undefined;
  if (!hasCredentials && !server.auth.insecure && !isLoopbackHost(server.host)) {
    issues.push({
      path: ['server', 'host'],
      message: `${server.host} is reachable from other machines but server.auth has no credentials; add server.auth.api_keys or server.auth.jwt, listen on 127.0.0.1, or set server.auth.insecure: true to accept an open API`,
    });
  }
}

/** A JWT key the daemon could not use is a config error, found by `config check` too. */
function checkJwtKeys(server: ParsedConfig['server'], issues: ConfigIssue[]): void {
  const jwt = server.auth.jwt;
  if (jwt?.public_key !== undefined) {
    let usable = false;
    try {
      const key = createPublicKey(jwt.public_key);
      usable =
        key.asymmetricKeyType === 'rsa' ||
        (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1');
    } catch {
      usable = false;
    }
    if (!usable) {
      issues.push({
        path: ['server', 'auth', 'jwt', 'public_key'],
        message:
          'not a PEM public key for RS256 (RSA) or ES256 (EC P-256): expected "-----BEGIN PUBLIC KEY-----"',
      });
    }
  }
  if (jwt?.jwks_url !== undefined && !/^https?:\/\/[^/\s]+/i.test(jwt.jwks_url)) {
    issues.push({
      path: ['server', 'auth', 'jwt', 'jwks_url'],
      message: `${JSON.stringify(jwt.jwks_url)} is not an http:// or https:// URL`,
    });
  }
}

/** Processes that take their secrets from the auth worker need its address and our key. */
function checkCloudflareSecrets(
  parsed: ParsedConfig,
  processes: readonly ProcessConfig[],
  issues: ConfigIssue[],
): void {
  const users = processes.filter((p) => p.secrets.enabled && p.secrets.source === 'cloudflare');
  if (users.length === 0) return;
  const why = `needed because process ${users.map((p) => p.name).join(', ')} take${users.length === 1 ? 's' : ''} secrets from Cloudflare (secrets.mode: cloudflare or secrets.source: cloudflare)`;
  const cf = parsed.secrets.cloudflare;
  if (cf.worker_url === undefined) {
    issues.push({
      path: ['secrets', 'cloudflare', 'worker_url'],
      message: `set the auth worker's URL; ${why}`,
    });
  }
  if (cf.private_key_path === undefined) {
    issues.push({
      path: ['secrets', 'cloudflare', 'private_key_path'],
      message: `set the path of this client's RSA private key (make one with \`gowinproc keygen\`); ${why}`,
    });
  }
}

/** A tunnel that registers with a worker signs in with this client's key. */
function checkTunnelWorker(parsed: ParsedConfig, issues: ConfigIssue[]): void {
  const tunnel = parsed.tunnel;
  if (!tunnel.enabled) return;
  const workerUrl = tunnel.worker_url ?? parsed.secrets.cloudflare.worker_url;
  const keyPath = tunnel.private_key_path ?? parsed.secrets.cloudflare.private_key_path;
  if (workerUrl !== undefined && keyPath === undefined) {
    issues.push({
      path: ['tunnel', 'private_key_path'],
      message: `the tunnel registers its URL with ${workerUrl} and needs this client's private key (make one with \`gowinproc keygen\`)`,
    });
  }
}

const ECDSA_SIZES = [256, 384, 521];

/** A key size that fits the key type, and hosts that are IP addresses or host names. */
function checkCertificates(parsed: ParsedConfig, issues: ConfigIssue[]): void {
  const c = parsed.certificates;
  if (c.key_type === 'ecdsa' && !ECDSA_SIZES.includes(c.key_size)) {
    issues.push({
      path: ['certificates', 'key_size'],
      message: `key_type ecdsa takes a curve size: 256 (P-256), 384 (P-384) or 521 (P-521), got ${c.key_size}`,
    });
  }
  if (c.key_type === 'rsa' && c.key_size < 2048) {
    issues.push({
      path: ['certificates', 'key_size'],
      message: `RSA keys need at least 2048 bits, got ${c.key_size}`,
    });
  }
  c.hosts.forEach((host, i) => {
    if (!isHostOrIp(host.trim())) {
      issues.push({
        path: ['certificates', 'hosts', i],
        message: `${JSON.stringify(host)} is neither an IP address nor a host name`,
      });
    }
  });
}

function isHostOrIp(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').split('%')[0] ?? '';
  if (isIP(bare) !== 0) return true;
  const name = domainToASCII(host.replace(/\.$/, ''));
  return name !== '' && isIP(name) === 0;
}
