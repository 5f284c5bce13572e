/**
 * The canonical configuration schema (../shared/spec/config.md). Objects are strict: an unknown
 * key is an error, reported with the closest known key. Nested objects use `prefault({})` so that
 * their own defaults apply when the section is absent.
 */
import { z } from 'zod';
import { LOG_LEVELS } from '../shared/index.js';
import {
  bool,
  duration,
  int,
  NAME_PATTERN,
  num,
  port,
  portRange,
  scalarString,
  SIGNALS,
  size,
} from './fields.js';

const role = z.enum(['viewer', 'operator', 'admin']);
const optionalString = z.string().optional();
const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });

const apiKey = z
  .strictObject({
    name: z.string().min(1),
    key_sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hexadecimal characters (a SHA-256 digest)')
      .optional(),
    key: z.string().min(16, 'an API key needs at least 16 characters').optional(),
    role: role.default('viewer'),
  })
  .refine((k) => (k.key === undefined) !== (k.key_sha256 === undefined), {
    message: 'set exactly one of key_sha256 (preferred) or key',
  });

/** A certificate and key to serve TLS with, or `auto` for a generated self-signed one. */
const tlsFiles = z
  .strictObject({
    cert_file: optionalString,
    key_file: optionalString,
    auto: bool.default(false),
  })
  .refine((t) => t.auto || (t.cert_file !== undefined && t.key_file !== undefined), {
    message: 'set both cert_file and key_file, or auto: true',
  });

const server = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: port(true).default(8080),
  grpc_port: port(true).default(50051),
  read_timeout: duration.default(30_000),
  write_timeout: duration.default(30_000),
  tls: tlsFiles.optional(),
  cors: z.strictObject({ origins: z.array(z.string()).default([]) }).prefault({}),
  auth: z
    .strictObject({
      api_keys: z.array(apiKey).default([]),
      jwt: z
        .strictObject({
          secret: optionalString,
          public_key: optionalString,
          jwks_url: optionalString,
          issuer: optionalString,
          audience: optionalString,
          role_claim: z.string().default('role'),
        })
        .refine(
          (j) => [j.secret, j.public_key, j.jwks_url].filter((v) => v !== undefined).length === 1,
          {
            message: 'set exactly one of secret, public_key or jwks_url',
          },
        )
        .optional(),
      insecure: bool.default(false),
    })
    .prefault({}),
});

const paths = z.strictObject({
  certs: z.string().default('certs'),
  keys: z.string().default('keys'),
  data: z.string().default('data'),
  binaries: z.string().default('binaries'),
  logs: z.string().default('logs'),
});

const logFiles = z.strictObject({
  max_size: size.default(10_000_000), // 10MB, as config.md writes it
  max_files: int(1, 1000).default(5),
});

const certificates = z.strictObject({
  auto_generate: bool.default(true),
  key_type: z.enum(['rsa', 'ecdsa']).default('rsa'),
  key_size: int(256, 8192).default(2048),
  validity_days: int(1, 36500).default(365),
  renew_before_days: int(0, 36500).default(30),
  organization: z.string().default('gowinproc'),
  common_name: optionalString,
  hosts: z.array(z.string()).default(['localhost', '127.0.0.1']),
});

const clientId = z
  .string()
  .regex(NAME_PATTERN, 'a client id may only contain letters, digits, ".", "_" and "-"');

const secrets = z.strictObject({
  mode: z.enum(['standalone', 'cloudflare']).default('standalone'),
  override: bool.default(false),
  cloudflare: z
    .strictObject({
      worker_url: httpUrl.optional(),
      private_key_path: optionalString,
      client_id: clientId.default('gowinproc'),
      retry_max: int(0, 100).default(3),
      retry_backoff: duration.default(2000),
      cache_ttl: duration.default(55 * 60_000),
    })
    .prefault({}),
});

const github = z.strictObject({
  mode: z.enum(['standalone', 'cloudflare']).default('standalone'),
  token: optionalString,
  api_url: httpUrl.default('https://api.github.com'),
  cloudflare: z
    .strictObject({ worker_url: httpUrl.optional(), private_key_path: optionalString })
    .prefault({}),
  update_mode: z
    .strictObject({
      polling: z
        .strictObject({
          enabled: bool.default(true),
          interval: duration.default(5 * 60_000),
        })
        .prefault({}),
      webhook: z
        .strictObject({
          enabled: bool.default(true),
          secret: optionalString,
          path: z.string().default('/webhook/github'),
        })
        .prefault({}),
    })
    .prefault({}),
});

const tunnel = z.strictObject({
  enabled: bool.default(false),
  port: port().optional(),
  protocol: z.enum(['http2', 'quic']).default('http2'),
  client_id: clientId.optional(),
  worker_url: httpUrl.optional(),
  private_key_path: optionalString,
  require_auth: bool.default(true),
});

const metrics = z.strictObject({
  interval: duration
    .refine((ms) => ms >= 100 && ms <= 3_600_000, 'metrics.interval must be between 100ms and 1h')
    .default(1000),
  retention: duration
    .refine((ms) => ms >= 60_000, 'metrics.retention must be at least 1m')
    .default(7 * 86_400_000),
  store: z.enum(['sqlite', 'memory']).default('sqlite'),
  prometheus: bool.default(true),
  max_size: size
    .refine((bytes) => bytes >= 1024 * 1024, 'metrics.max_size must be at least 1MiB')
    .default(1024 * 1024 * 1024),
});

const restart = z.strictObject({
  policy: z.enum(['always', 'on-failure', 'never']).optional(),
  backoff: z
    .strictObject({
      initial: duration.default(100),
      max: duration.default(30_000),
      multiplier: num(1, 10).default(2),
    })
    .prefault({}),
  max_restarts: int(0).optional(),
  window: duration.default(60_000),
  reset_after: duration.default(10_000),
  max_memory: size.optional(),
});

const stop = z.strictObject({
  signal: z.enum(SIGNALS).default('SIGTERM'),
  timeout: duration.default(10_000),
  http_endpoint: optionalString,
});

const healthCheck = z.strictObject({
  enabled: bool.optional(),
  type: z.enum(['http', 'grpc', 'tcp', 'none']).optional(),
  endpoint: optionalString,
  interval: duration.default(5000),
  /** Default: 2s, or the interval when that is shorter. */
  timeout: duration.optional(),
  retries: int(1, 1000).default(3),
  start_period: duration.default(1000),
});

const processGithub = z.strictObject({
  auto_update: bool.default(false),
  update_check_interval: duration.optional(),
  asset: optionalString,
  allow_prerelease: bool.default(false),
  checksum: z.enum(['required', 'optional']).default('optional'),
  token: optionalString,
  strategy: z.enum(['rolling', 'blue-green', 'immediate']).default('rolling'),
  min_healthy_time: duration.default(0),
  keep_versions: int(2, 1000).default(5),
});

const scaling = z.strictObject({
  enabled: bool.default(false),
  min_instances: int(0, 1000).default(1),
  max_instances: int(1, 1000).default(4),
  cpu_threshold: num(0, 10_000).default(80),
  memory_threshold: size.optional(),
  rps_threshold: num(0).default(0),
  in_flight_threshold: num(0).default(0),
  sustain: duration.default(15_000),
  cooldown: duration.default(60_000),
  tolerance: num(0, 1).default(0.1),
  scale_up_stabilization: duration.default(0),
  scale_down_stabilization: duration.default(300_000),
  scale_up_step: int(1, 1000).default(4),
  scale_down_step: int(1, 1000).default(1),
});

export const processSchema = z.strictObject({
  name: z
    .string()
    .regex(NAME_PATTERN, 'a process name may only contain letters, digits, ".", "_" and "-"'),
  repository: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'expected "owner/repo"')
    .optional(),
  binary_path: optionalString,
  args: z.array(scalarString).default([]),
  env: z.record(z.string(), scalarString).default({}),
  work_dir: optionalString,
  port: port().optional(),
  port_range: portRange.default({ start: 5001, end: 5999 }),
  instances: int(0, 1000).optional(),
  min_instances: int(0, 1000).optional(),
  max_instances: int(1, 1000).optional(),
  auto_restart: bool.optional(),
  restart: restart.prefault({}),
  stop: stop.prefault({}),
  health_check: healthCheck.optional(),
  secrets_keys: z.array(z.string()).default([]),
  secrets: z
    .strictObject({
      enabled: bool.default(true),
      source: z.enum(['local', 'cloudflare']).optional(),
      env_file: optionalString,
    })
    .prefault({}),
  certificates: z.strictObject({ enabled: bool.default(false) }).prefault({}),
  github: processGithub.prefault({}),
  scaling: scaling.prefault({}),
  logs: z
    .strictObject({ max_size: size.optional(), max_files: int(1, 1000).optional() })
    .prefault({}),
});

const route = z.strictObject({
  methods: z.array(z.string()).min(1),
  target_processes: z.array(z.string()).min(1),
  strategy: z
    .enum(['round_robin', 'least_connections', 'primary', 'random', 'weighted'])
    .default('round_robin'),
  weights: z.record(z.string(), num(0, Number.MAX_VALUE, true)).optional(),
});

const loadBalancer = z.strictObject({
  name: z
    .string()
    .regex(NAME_PATTERN, 'a balancer name may only contain letters, digits, ".", "_" and "-"'),
  listen_port: port(true),
  protocol: z.literal('grpc').default('grpc'),
  routes: z.array(route).min(1),
  tls: tlsFiles.optional(),
  drain_timeout: duration.default(30_000),
});

export const configSchema = z.strictObject({
  server: server.prefault({}),
  paths: paths.prefault({}),
  log_level: z.enum(LOG_LEVELS).default('info'),
  logs: logFiles.prefault({}),
  certificates: certificates.prefault({}),
  secrets: secrets.prefault({}),
  github: github.prefault({}),
  tunnel: tunnel.prefault({}),
  metrics: metrics.prefault({}),
  processes: z.array(processSchema).default([]),
  load_balancers: z.array(loadBalancer).default([]),
});

export type ParsedConfig = z.output<typeof configSchema>;
export type ParsedProcess = z.output<typeof processSchema>;
