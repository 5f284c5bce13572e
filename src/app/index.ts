/**
 * The application facade: the use cases every edge calls. Edges never reach into core directly.
 */
import type { Supervisor, SupervisorEvent } from '../core/index.js';
import { scalePolicy } from '../services/scaler/index.js';
import type { Clock } from '../shared/index.js';
import {
  BalancerUseCases,
  type AutoscaleSource,
  type BalancerSource,
} from './balancer-use-cases.js';
import { DaemonUseCases, type DaemonControl } from './daemon-use-cases.js';
import { LogUseCases } from './log-use-cases.js';
import { MetricsUseCases, type MetricsSource } from './metrics-use-cases.js';
import { ProcessUseCases } from './process-use-cases.js';
import { liveTunnelUrl, RegistryUseCases } from './registry-use-cases.js';
import { RepositoryUseCases } from './repository-use-cases.js';
import { TunnelUseCases, type TunnelStatusSource } from './tunnel-use-cases.js';
import { UpdateUseCases, type UpdatesSource } from './update-use-cases.js';

export interface AppOptions {
  supervisor: Supervisor;
  clock: Clock;
  startedAt: number;
  version: string;
  control: DaemonControl;
  /** The cloudflared runner, when `tunnel.enabled`. */
  tunnel?: TunnelStatusSource | undefined;
  /** The Cloudflare auth worker's repoList (ListRepositories), when a worker is configured. */
  fetchRepoList?: (() => Promise<string[] | undefined>) | undefined;
  /** The API's own URL once it listens (the registry's proxy_base_url when no tunnel is up). */
  apiUrl?: (() => string | undefined) | undefined;
  /** The metrics service (samples, history, Prometheus text). */
  metrics?: MetricsSource | undefined;
  /** `metrics.prometheus`: whether GET /metrics answers. */
  prometheus?: boolean | undefined;
  /** The gRPC load balancers, when configured. */
  balancers?: BalancerSource | undefined;
  /** The autoscaler, when a process has scaling enabled. */
  autoscaler?: AutoscaleSource | undefined;
  /** Hot deploys: the update orchestrator, the version store and GitHub lookups. */
  updates?: UpdatesSource | undefined;
}

export interface App {
  processes: ProcessUseCases;
  logs: LogUseCases;
  daemon: DaemonUseCases;
  tunnel: TunnelUseCases;
  repositories: RepositoryUseCases;
  /** gRPC services of the instances by reflection, and JSON calls of their methods. */
  registry: RegistryUseCases;
  metrics: MetricsUseCases;
  /** Load balancers (routes, backends, stats) and autoscaler decisions. */
  balancers: BalancerUseCases;
  /** Updates and rollbacks from GitHub releases, versions, webhooks' triggers. */
  updates: UpdateUseCases;
  /** Supervisor events (lifecycle, health, scale) for streams. */
  subscribe(listener: (event: SupervisorEvent) => void): () => void;
}

export function createApp(options: AppOptions): App {
  const tunnel = new TunnelUseCases(options.tunnel);
  const metrics = new MetricsUseCases(
    options.supervisor,
    options.clock,
    options.metrics,
    options.prometheus ?? true,
  );
  return {
    tunnel,
    metrics,
    processes: new ProcessUseCases(options.supervisor, options.clock, (id, pid) =>
      metrics.ofInstance(id, pid),
    ),
    logs: new LogUseCases(options.supervisor),
    daemon: new DaemonUseCases(
      options.supervisor,
      options.clock,
      options.startedAt,
      options.version,
      options.control,
      () => tunnel.healthComponent(),
    ),
    repositories: new RepositoryUseCases({
      config: () => options.supervisor.currentConfig(),
      fetchRepoList: options.fetchRepoList,
      clock: options.clock,
    }),
    registry: new RegistryUseCases({
      supervisor: options.supervisor,
      clock: options.clock,
      baseUrl: () => liveTunnelUrl(tunnel.status()) ?? options.apiUrl?.(),
    }),
    balancers: new BalancerUseCases(
      options.supervisor,
      options.balancers,
      options.autoscaler,
      (name) => scalePolicy(options.supervisor.program(name).config.scaling),
    ),
    updates: new UpdateUseCases(options.supervisor, options.clock, options.updates),
    subscribe: (listener) => options.supervisor.events.subscribe(listener),
  };
}

export type { DaemonControl } from './daemon-use-cases.js';
export type { TunnelStatusSource, TunnelView } from './tunnel-use-cases.js';
export type * from './views.js';
export type { LogLineView } from './log-use-cases.js';
export { MAX_TAIL } from './log-use-cases.js';
export type { RepositoryUseCases } from './repository-use-cases.js';
export type * from './registry-use-cases.js';
export type * from './metrics-views.js';
export type {
  MetricsUseCases,
  MetricsSource,
  MetricsFrame,
  RangeInput,
} from './metrics-use-cases.js';
export type {
  AutoscaleSource,
  AutoscaleView,
  BalancerSource,
  BalancerUseCases,
  BalancerView,
} from './balancer-use-cases.js';
export type {
  AvailableUpdateView,
  ProcessVersionView,
  ReleaseNotice,
  RollbackInput,
  RollbackStartedView,
  TriggeredUpdate,
  UpdateAllEntry,
  UpdateAllView,
  UpdateInput,
  UpdateStartedView,
  UpdateStatusView,
  UpdatesSource,
  UpdateUseCases,
  VersionHistoryEntry,
  WebhookSettings,
} from './update-use-cases.js';
// Webhook signature and payload parsing, for the REST edge (services stay behind the app).
export {
  SIGNATURE_HEADER,
  cloudflareWebhookRequest,
  githubWebhookTrigger,
  verifyWebhookSignature,
  webhookSignature,
  type CloudflareWebhookRequest,
  type GithubTrigger,
} from '../services/updates/index.js';
