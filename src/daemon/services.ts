/**
 * Builds the services that plug into the supervisor (ARCHITECTURE.md: services): secrets,
 * certificates and the Cloudflare tunnel, with the auth-worker clients they share. Keys are
 * loaded here, before anything starts, so a missing or unreadable key stops the daemon with a
 * message that names the file instead of failing every instance start later.
 */
import { join } from 'node:path';
import type { TunnelToken } from '../api/auth/index.js';
import type { TunnelStatusSource } from '../app/index.js';
import type { Config } from '../config/index.js';
import type { LifecycleHook, ServiceEventBody, Supervisor } from '../core/index.js';
import { BalancerService } from '../services/balancer/index.js';
import { CertRenewer, certificatePaths, createCertificatesHook } from '../services/certs/index.js';
import { MetricsService } from '../services/metrics/index.js';
import { ScalerLoop, scalePolicy } from '../services/scaler/index.js';
import { SecretsService, secretsHook } from '../services/secrets/index.js';
import { releaseHook, VersionStore } from '../services/updates/index.js';
import { buildUpdates, type DaemonUpdates } from './updates.js';
import { tunnelHook, type IdentifyProcess } from '../services/tunnel/index.js';
import type { Clock, Platform } from '../shared/index.js';
import { CertificateRestarts } from './certificate-restarts.js';
import { DaemonTunnel } from './daemon-tunnel.js';
import { scaleSignals } from './scale-signals.js';
import { readTlsFiles } from './tls-files.js';
import { secretsWorkerClient, tunnelWorkerClient } from './worker-clients.js';

export interface ServicesOptions {
  config: Config;
  clock: Clock;
  platform: Platform;
  env: Readonly<Record<string, string | undefined>>;
  /** The OS identity of a pid (the process driver's), to recognise a leftover cloudflared. */
  identify: IdentifyProcess;
}

export interface Services {
  hooks: LifecycleHook[];
  /** The auth worker's repository list (ListRepositories), when secrets use a worker. */
  fetchRepoList: (() => Promise<string[] | undefined>) | undefined;
  /** The tunnel, when enabled: its status for the API and its token for the auth policy. */
  tunnel: (TunnelStatusSource & TunnelToken & { url(): string | undefined }) | undefined;
  /** Samples instances, the host and the daemon; the history and the Prometheus text. */
  metrics: MetricsService;
  /** The gRPC load balancers, when the config has any. */
  balancers: BalancerService | undefined;
  /** The autoscaler (it scales the processes whose config enables scaling, at each tick). */
  scaler: ScalerLoop;
  /** Hot deploys: updates, rollbacks, versions, GitHub lookups. */
  updates: DaemonUpdates;
  /** Opens the balancers' listeners; rejects when one cannot listen (the daemon does not start). */
  listen(): Promise<void>;
  /** Starts what runs beside the supervisor (metrics, renewal, tunnel) once the API listens. */
  start(supervisor: Supervisor, apiPort: number): Promise<void>;
  stop(): Promise<void>;
  /**
   * After the supervisor's shutdown: resolves once an update caught by it has put the previous
   * version back, so the daemon never exits with an unproven version current.
   */
  settled(): Promise<void>;
}

export async function buildServices(options: ServicesOptions): Promise<Services> {
  const { config, clock } = options;
  let supervisor: Supervisor | undefined;
  const report = (name: string, body: ServiceEventBody): void =>
    void supervisor?.report(name, body);

  const secretsClient = await secretsWorkerClient(config, clock);
  const secrets = new SecretsService({
    config: () => supervisor?.currentConfig() ?? config,
    clock,
    fetchSecrets: secretsClient ? async () => (await secretsClient.login()).secretData : undefined,
  });

  // Installed releases (hot deploys): an installed current version runs instead of binary_path.
  const versions = new VersionStore({
    file: join(config.paths.data, 'versions.json'),
    binariesDir: config.paths.binaries,
    clock,
    warn: (message) => report('', { type: 'daemon.warning', message }),
  });

  const certSettings = () => (supervisor?.currentConfig() ?? config).certificates;
  const hooks: LifecycleHook[] = [
    releaseHook(versions),
    secretsHook(secrets),
    createCertificatesHook({ dir: config.paths.certs, settings: certSettings, clock, report }),
  ];

  const tunnel = config.tunnel.enabled
    ? new DaemonTunnel({
        ...options,
        client: await tunnelWorkerClient(config, clock),
        report: (body) => report('', body),
      })
    : undefined;
  if (tunnel) hooks.push(tunnelHook(tunnel));

  const balancers =
    config.load_balancers.length > 0
      ? new BalancerService({
          balancers: config.load_balancers,
          host: config.server.host,
          clock,
          tls: (balancer) =>
            readTlsFiles(
              config,
              balancer.tls,
              `load_balancers[${config.load_balancers.indexOf(balancer)}].tls`,
            ),
          report,
        })
      : undefined;
  // Drain before the other stop hooks: calls in flight finish while the instance still has its
  // secrets, certificate and tunnel registration.
  if (balancers) hooks.unshift(balancers.hook);

  const metrics = new MetricsService({
    config: config.metrics,
    dataDir: config.paths.data,
    clock,
    platform: options.platform,
    warn: (message) => report('', { type: 'daemon.warning', message }),
    prometheusFamilies: balancers
      ? [
          async (registry) =>
            (await import('../services/balancer/prometheus/index.js')).registerBalancerMetrics(
              registry,
              balancers,
            ),
        ]
      : [],
  });

  // Always there (idle without targets), so enabling scaling by a config reload takes effect.
  const scaler = new ScalerLoop({
    clock,
    intervalMs: Math.max(config.metrics.interval, 1000),
    // A process an operator stopped (or scaled to 0) is left alone, as HPA leaves a workload
    // scaled to zero; `failed` instances are not counted (the action replaces them).
    targets: () =>
      (supervisor?.list() ?? [])
        .filter((p) => p.config.scaling.enabled && p.desired > 0)
        .map((p) => ({
          name: p.name,
          policy: scalePolicy(p.config.scaling),
          current: p.active().filter((i) => i.status !== 'failed').length,
          ready: p.ready().length,
          busy:
            p.currentOperation !== undefined ||
            supervisor?.isClosing === true ||
            supervisor?.isReloading === true,
        })),
    signals: (name) =>
      scaleSignals(
        {
          supervisor: supervisor!,
          latestTick: () => metrics.latest(),
          metricsIntervalMs: config.metrics.interval,
          processLoad: (process) => balancers?.processLoad(process),
        },
        name,
        clock.now(),
      ),
    apply: (name, decision) => supervisor!.program(name).autoscale(decision.to, decision.reason),
    onDecision: (name, decision) =>
      report(name, {
        type: 'process.autoscale',
        action: decision.action,
        from: decision.from,
        to: decision.to,
        recommended: decision.recommended,
        held: decision.held,
        reason: decision.reason,
        signals: decision.signals,
        ...(decision.error === undefined ? {} : { error: decision.error }),
      }),
  });

  const updates = buildUpdates({
    config,
    clock,
    versions,
    supervisor: () => supervisor,
    report,
    workerToken: () => secrets.githubToken(),
  });

  let stopped = false;
  let renewer: CertRenewer | undefined;
  let restarts: CertificateRestarts | undefined;
  let updatesSettled: Promise<void> = Promise.resolve();
  return {
    hooks,
    fetchRepoList: secretsClient
      ? async () => (await secretsClient.login({ includeRepoList: true })).repoList
      : undefined,
    tunnel,
    metrics,
    balancers,
    scaler,
    updates,
    listen: async () => {
      await balancers?.listen();
    },
    async start(started, apiPort) {
      if (stopped) return;
      supervisor = started;
      // Before the supervisor boots (its instances' prestart hooks read it), after it exists
      // (a corrupt file's warning is its event).
      await versions.load();
      await metrics.start(started);
      balancers?.start(started);
      scaler.start();
      updates.start();
      // Beside the supervisor's boot, not before it: a slow worker must not hold up the other
      // processes; the boot's own starts share this login (one generation per process).
      void secrets.prepare(started.currentConfig().processes, (name, message) =>
        report(name, { type: 'process.warning', message }),
      );
      const certificateRestarts = new CertificateRestarts(started, clock, report);
      restarts = certificateRestarts;
      renewer = new CertRenewer({
        clock,
        dir: config.paths.certs,
        settings: certSettings,
        processes: () => started.currentConfig().processes,
        onRenewed: async (name, notAfter) => {
          report(name, {
            type: 'process.certificate',
            action: 'renewed',
            file: certificatePaths(config.paths.certs, name).certFile,
            notAfter,
            message: `certificate of ${name} renewed; restarting its instances (zero downtime) to load it`,
          });
          await certificateRestarts.restart(name);
        },
        onError: (name, error) =>
          report(name, {
            type: 'process.warning',
            message: `certificate renewal failed: ${error.message}`,
          }),
      });
      renewer.start();
      await tunnel?.start(apiPort);
    },
    async stop() {
      stopped = true;
      scaler.stop();
      // Not awaited here: a deploy under way ends when the supervisor shuts down (settled()).
      updatesSettled = updates.stop();
      metrics.stop();
      renewer?.stop();
      restarts?.stop();
      // No new calls through the balancers (GOAWAY); instances stop after this.
      await Promise.all([tunnel?.stop(), balancers?.close()]);
    },
    settled: () => updatesSettled,
  };
}
