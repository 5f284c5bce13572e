/**
 * The composition root: builds everything from the config, owns the signals and the graceful
 * shutdown. Order: config -> lock -> logger -> supervisor -> app -> REST listener (with Connect and
 * gRPC-Web) -> native gRPC listener -> adopt/start instances. Shutdown: stop every instance in
 * parallel, close both API ports, release the lock. A restart is a shutdown whose result says how
 * the daemon comes back; main.ts does that once everything here is closed.
 */
import { join } from 'node:path';
import { AuthPolicy } from '../api/auth/index.js';
import { rpcHttpMount, startGrpcServer, type RunningGrpcServer } from '../api/grpc/index.js';
import { buildRestApi, listen, type RunningServer } from '../api/rest/index.js';
import { createApp } from '../app/index.js';
import { loadConfigFile, type Config, type PathsConfig } from '../config/index.js';
import {
  acquireDaemonLock,
  NodeProcessDriver,
  Supervisor,
  type DaemonLock,
} from '../core/index.js';
import {
  createDaemonLogger,
  DaemonError,
  currentPlatform,
  apiUrl,
  isLoopbackHost,
  systemClock,
  type Logger,
} from '../shared/index.js';
import { logEvent } from './event-log.js';
import { restartMethod, type RestartMethod } from './restart-method.js';
import { buildServices, type Services } from './services.js';
import { onSignals, reloadSignals, shutdownSignals } from './signals.js';
import { readTlsFiles } from './tls-files.js';
import { VERSION } from './version.js';
import { findDashboardDir } from './web-dir.js';

export interface RunDaemonOptions {
  configPath: string;
  /** Absolute directories from --certs --keys --data --binaries --logs. */
  paths?: Partial<PathsConfig>;
  /** Where human-readable log lines go (the terminal); omit for the log file only. */
  console?: NodeJS.WritableStream;
  env?: Readonly<Record<string, string | undefined>>;
  /** The dashboard's build directory served at `/` (default: the package's web/dist). */
  webDir?: string;
}

/** How the daemon ended: the process's exit code and, after POST /api/v1/restart, how to restart. */
export interface DaemonExit {
  code: number;
  restart?: RestartMethod;
}

export interface RunningDaemon {
  config: Config;
  apiUrl: string;
  /** The native gRPC port (server.grpc_port, or the one the OS chose for 0). */
  grpcPort: number;
  /** Resolves once the daemon has stopped (the lock released, the log closed). */
  done: Promise<DaemonExit>;
  stop(): Promise<DaemonExit>;
}

export async function startDaemon(options: RunDaemonOptions): Promise<RunningDaemon> {
  const env = options.env ?? process.env;
  const load = (): Promise<Config> =>
    loadConfigFile(options.configPath, { env, ...(options.paths ? { paths: options.paths } : {}) });
  const config = await load();
  const platform = currentPlatform();
  const driver = new NodeProcessDriver({ platform });
  // Before the lock: a missing or unreadable key stops the daemon here, naming the file.
  const services = await buildServices({
    config,
    clock: systemClock,
    platform,
    env,
    identify: (pid) => driver.identify(pid),
  });
  const lock = await acquireDaemonLock(config.paths.data, (pid) => driver.identify(pid));
  const { logger, close: closeLog } = createDaemonLogger({
    level: config.log_level,
    file: {
      path: join(config.paths.logs, 'gowinproc.log'),
      maxSize: config.logs.max_size,
      maxFiles: config.logs.max_files,
    },
    ...(options.console ? { console: options.console } : {}),
  });

  const supervisor = new Supervisor({
    config,
    driver,
    platform,
    daemonEnv: env,
    hooks: services.hooks,
  });
  const unsubscribeLog = supervisor.events.subscribe((event) => logEvent(logger, event));

  let stopping: Promise<DaemonExit> | undefined;
  let restart: RestartMethod | undefined;
  let resolveDone!: (exit: DaemonExit) => void;
  const done = new Promise<DaemonExit>((resolve) => (resolveDone = resolve));
  let server: RunningServer | undefined;
  let grpcServer: RunningGrpcServer | undefined;
  let removeSignals = (): void => undefined;

  const stop = (): Promise<DaemonExit> => {
    stopping ??= shutdown({
      logger,
      supervisor,
      services,
      server: () => server,
      grpcServer: () => grpcServer,
      lock,
      closeLog,
      removeSignals: () => removeSignals(),
      unsubscribeLog,
      restart: () => restart,
    }).then((code) => {
      const exit: DaemonExit = restart ? { code, restart } : { code };
      resolveDone(exit);
      return exit;
    });
    return stopping;
  };

  const startedAt = systemClock.now();
  const fetchRepoList = services.fetchRepoList;
  const app = createApp({
    supervisor,
    clock: systemClock,
    startedAt,
    version: VERSION,
    tunnel: services.tunnel,
    metrics: services.metrics,
    prometheus: config.metrics.prometheus,
    balancers: services.balancers,
    autoscaler: services.scaler,
    updates: services.updates.source,
    apiUrl: () =>
      server
        ? apiUrl(config.server.tls ? 'https' : 'http', config.server.host, server.port)
        : undefined,
    fetchRepoList: fetchRepoList
      ? () =>
          fetchRepoList().catch((error: unknown) => {
            logger.warn(
              { error: (error as Error).message },
              'the auth worker did not send its repository list; listing configured repositories only',
            );
            return undefined;
          })
      : undefined,
    control: {
      reload: async () => {
        const next = await load();
        const summary = await supervisor.reload(next);
        logger.level = next.log_level;
        logger.info(summary, 'config reloaded');
        return summary;
      },
      shutdown: () => void setImmediate(() => void stop()),
      restart: () => {
        if (stopping)
          throw new DaemonError(
            'shutting_down',
            'the daemon is already shutting down; start it again once it has stopped',
          );
        restart = restartMethod(env, platform);
        logger.info({ method: restart }, 'restart requested: stopping every instance first');
        setImmediate(() => void stop());
        return restart;
      },
    },
  });

  // One policy for REST, gRPC and gRPC-Web: one count of failed authentications per client.
  const auth = new AuthPolicy(config.server, services.tunnel);
  const onInternalError = (error: unknown): void => logger.error({ err: error }, 'internal error');
  const browser = {
    origins: config.server.cors.origins,
    loopbackOnly: isLoopbackHost(config.server.host),
    tunnelHost: () => hostOf(services.tunnel?.url()),
  };
  const rpc = { app, config: () => supervisor.currentConfig(), auth, onInternalError };
  try {
    const tls = await readTlsFiles(config, config.server.tls, 'server.tls');
    const dashboard = { dir: options.webDir ?? findDashboardDir() };
    server = await listen(buildRestApi({ app, auth, onInternalError, browser, dashboard }), {
      host: config.server.host,
      port: config.server.port,
      requestTimeoutMs: config.server.read_timeout,
      tls,
      mount: rpcHttpMount({ ...rpc, browser }),
    });
    grpcServer = await startGrpcServer({
      ...rpc,
      host: config.server.host,
      port: config.server.grpc_port,
      tls,
    });
    await services.listen();
  } catch (error) {
    await grpcServer?.close();
    await server?.close();
    unsubscribeLog();
    lock.release();
    await closeLog();
    throw error;
  }
  const url = apiUrl(config.server.tls ? 'https' : 'http', config.server.host, server.port);

  let firstSignalAt: number | undefined;
  removeSignals = combine(
    onSignals(shutdownSignals(platform), (signal) => {
      const now = Date.now();
      // A terminal's Ctrl+C often reaches us twice (directly and via npm): only a later one forces.
      if (firstSignalAt !== undefined && now - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
      if (firstSignalAt === undefined) {
        firstSignalAt = now;
        logger.info({ signal }, 'stopping every instance (send the signal again to exit at once)');
        void stop();
      } else {
        logger.warn(
          'exiting without waiting; the next `gowinproc run` adopts the instances still running',
        );
        resolveDone({ code: 130 });
      }
    }),
    onSignals(reloadSignals(platform), () => {
      void app.daemon
        .reload()
        .catch((error: unknown) =>
          logger.error(
            { error: (error as Error).message },
            'config reload failed; nothing changed',
          ),
        );
    }),
  );

  logger.info(
    {
      api: url,
      grpc: hostPort(config.server.host, grpcServer.port),
      ...(services.balancers
        ? {
            balancers: Object.fromEntries(
              [...services.balancers.ports()].map(([name, port]) => [
                name,
                hostPort(config.server.host, port),
              ]),
            ),
          }
        : {}),
      pid: process.pid,
      version: VERSION,
      config: config.source,
    },
    'gowinproc started',
  );
  await services.start(supervisor, server.port);
  await supervisor.start();
  logger.info({ processes: config.processes.map((p) => p.name) }, 'instances started');
  return { config, apiUrl: url, grpcPort: grpcServer.port, done, stop };
}

const DUPLICATE_SIGNAL_MS = 1000;

interface ShutdownParts {
  logger: Logger;
  supervisor: Supervisor;
  services: Services;
  server: () => RunningServer | undefined;
  grpcServer: () => RunningGrpcServer | undefined;
  lock: DaemonLock;
  closeLog: () => Promise<void>;
  removeSignals: () => void;
  unsubscribeLog: () => void;
  /** Set when POST /api/v1/restart started this shutdown. */
  restart: () => RestartMethod | undefined;
}

async function shutdown(parts: ShutdownParts): Promise<number> {
  let code = 0;
  try {
    await parts.services.stop(); // the tunnel first: no more traffic from the internet
    await parts.supervisor.shutdown();
    await parts.services.settled(); // an update caught by the shutdown has restored its version
    const restart = parts.restart();
    if (restart === undefined) parts.logger.info('every instance stopped; exiting');
    else
      parts.logger.info(
        { method: restart },
        restart === 'respawn'
          ? 'every instance stopped; starting a new daemon process'
          : 'every instance stopped; exiting for the service manager to restart the daemon',
      );
  } catch (error) {
    code = 1;
    parts.logger.error({ error: (error as Error).message }, 'shutdown failed');
  }
  await Promise.all([parts.server()?.close(), parts.grpcServer()?.close()]);
  parts.removeSignals();
  parts.unsubscribeLog();
  parts.lock.release();
  await parts.closeLog();
  return code;
}

function combine(...fns: Array<() => void>): () => void {
  return () => fns.forEach((fn) => fn());
}

/** host:port as gRPC clients write it (IPv6 in brackets). */
function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}
