/**
 * The normalised configuration: every default filled in, durations in milliseconds, sizes in
 * bytes, relative paths resolved against the config file's directory. The zod schema in
 * schema.ts produces exactly this shape (a compile-time check keeps them equal).
 */
import type { LogLevel } from '../shared/index.js';

export type Role = 'viewer' | 'operator' | 'admin';

export interface ApiKeyConfig {
  name: string;
  key_sha256?: string | undefined;
  key?: string | undefined;
  role: Role;
}

export interface JwtConfig {
  secret?: string | undefined;
  public_key?: string | undefined;
  jwks_url?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
  role_claim: string;
}

/** A certificate and key to serve TLS with (absolute paths), or `auto` for a generated one. */
export interface TlsFilesConfig {
  cert_file?: string | undefined;
  key_file?: string | undefined;
  auto: boolean;
}

export interface ServerConfig {
  host: string;
  port: number;
  grpc_port: number;
  read_timeout: number;
  write_timeout: number;
  tls?: TlsFilesConfig | undefined;
  cors: { origins: string[] };
  auth: { api_keys: ApiKeyConfig[]; jwt?: JwtConfig | undefined; insecure: boolean };
}

export interface PathsConfig {
  certs: string;
  keys: string;
  data: string;
  binaries: string;
  logs: string;
}

export interface CertificatesConfig {
  auto_generate: boolean;
  key_type: 'rsa' | 'ecdsa';
  key_size: number;
  validity_days: number;
  renew_before_days: number;
  organization: string;
  common_name?: string | undefined;
  hosts: string[];
}

export interface CloudflareAuthConfig {
  worker_url?: string | undefined;
  private_key_path?: string | undefined;
  client_id: string;
  retry_max: number;
  retry_backoff: number;
  cache_ttl: number;
}

export interface ProcessSecretsConfig {
  enabled: boolean;
  /** Where the `.env` comes from; defaults to `secrets.mode` (standalone -> local). */
  source: 'local' | 'cloudflare';
  /** Absolute path of the process's `.env` (default `<paths.data>/<name>.env`). */
  env_file: string;
  /**
   * True when the process declares `source: local` itself: a missing `.env` then stops the start
   * instead of being a warning.
   */
  required: boolean;
}

export interface SecretsConfig {
  mode: 'standalone' | 'cloudflare';
  override: boolean;
  cloudflare: CloudflareAuthConfig;
}

export interface GithubConfig {
  mode: 'standalone' | 'cloudflare';
  token?: string | undefined;
  api_url: string;
  cloudflare: { worker_url?: string | undefined; private_key_path?: string | undefined };
  update_mode: {
    polling: { enabled: boolean; interval: number };
    webhook: { enabled: boolean; secret?: string | undefined; path: string };
  };
}

export interface TunnelConfig {
  enabled: boolean;
  port?: number | undefined;
  protocol: 'http2' | 'quic';
  client_id?: string | undefined;
  worker_url?: string | undefined;
  private_key_path?: string | undefined;
  require_auth: boolean;
}

export interface MetricsConfig {
  interval: number;
  retention: number;
  store: 'sqlite' | 'memory';
  prometheus: boolean;
  /** Bound of the SQLite file (bytes): the oldest samples are trimmed beyond it. */
  max_size: number;
}

export interface LogFilesConfig {
  max_size: number;
  max_files: number;
}

export type RestartPolicyName = 'always' | 'on-failure' | 'never';

export interface RestartConfig {
  policy: RestartPolicyName;
  backoff: { initial: number; max: number; multiplier: number };
  /** Give up (state `failed`) after this many restarts within `window`; unset = never give up. */
  max_restarts?: number | undefined;
  window: number;
  /** A run that stayed up (healthy) this long resets the back-off. */
  reset_after: number;
  max_memory?: number | undefined;
}

export interface StopConfig {
  signal: string;
  timeout: number;
  http_endpoint?: string | undefined;
}

export type HealthCheckType = 'http' | 'grpc' | 'tcp' | 'none';

export interface HealthCheckConfig {
  enabled: boolean;
  type: HealthCheckType;
  /** http: a path on the instance port or a full URL; grpc: the service name to check. */
  endpoint?: string | undefined;
  interval: number;
  timeout: number;
  retries: number;
  start_period: number;
}

export interface ProcessGithubConfig {
  auto_update: boolean;
  /** How often auto_update looks for a release (ms); default github.update_mode.polling.interval. */
  update_check_interval: number;
  asset?: string | undefined;
  allow_prerelease: boolean;
  checksum: 'required' | 'optional';
  /** A token for this process's repository (overrides github.token). */
  token?: string | undefined;
  /** The default deploy strategy of its updates and rollbacks. */
  strategy: 'rolling' | 'blue-green' | 'immediate';
  /** Rolling: how long a new instance must stay ready before an old one is stopped (ms). */
  min_healthy_time: number;
  /** Installed releases kept on disk (never fewer than current and previous). */
  keep_versions: number;
}

export interface ScalingConfig {
  enabled: boolean;
  min_instances: number;
  max_instances: number;
  cpu_threshold: number;
  memory_threshold?: number | undefined;
  rps_threshold: number;
  /** Streams in flight per instance through the balancer (0 = not a signal). */
  in_flight_threshold: number;
  sustain: number;
  cooldown: number;
  /** No action while every signal is within this fraction of its target (HPA: 0.1). */
  tolerance: number;
  /** Scale up to the lowest recommendation of this window (HPA stabilizationWindowSeconds). */
  scale_up_stabilization: number;
  /** Scale down to the highest recommendation of this window. */
  scale_down_stabilization: number;
  /** At most this many instances added, and removed, per decision. */
  scale_up_step: number;
  scale_down_step: number;
}

export interface ProcessConfig {
  name: string;
  repository?: string | undefined;
  binary_path?: string | undefined;
  args: string[];
  env: Record<string, string>;
  work_dir: string;
  port?: number | undefined;
  port_range: { start: number; end: number };
  instances: number;
  min_instances: number;
  max_instances: number;
  restart: RestartConfig;
  stop: StopConfig;
  health_check: HealthCheckConfig;
  secrets_keys: string[];
  secrets: ProcessSecretsConfig;
  certificates: { enabled: boolean };
  github: ProcessGithubConfig;
  scaling: ScalingConfig;
  logs: LogFilesConfig;
}

export type BalancerStrategy =
  'round_robin' | 'least_connections' | 'primary' | 'random' | 'weighted';

export interface LoadBalancerRoute {
  methods: string[];
  target_processes: string[];
  strategy: BalancerStrategy;
  weights?: Record<string, number> | undefined;
}

export interface LoadBalancerConfig {
  name: string;
  listen_port: number;
  protocol: 'grpc';
  routes: LoadBalancerRoute[];
  tls?: TlsFilesConfig | undefined;
  /** How long a backend that is being stopped may finish the calls it has (ms). */
  drain_timeout: number;
}

export interface Config {
  /** Absolute path of the file this came from (empty for a config built in code). */
  source: string;
  server: ServerConfig;
  paths: PathsConfig;
  log_level: LogLevel;
  logs: LogFilesConfig;
  certificates: CertificatesConfig;
  secrets: SecretsConfig;
  github: GithubConfig;
  tunnel: TunnelConfig;
  metrics: MetricsConfig;
  processes: ProcessConfig[];
  load_balancers: LoadBalancerConfig[];
}
