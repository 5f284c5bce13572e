/**
 * `gowinproc tray`: the tray icon as its own per-user process (a Windows service cannot show UI),
 * talking to the daemon over its REST API. Runs until the user picks "Close tray", the process
 * gets SIGINT/SIGTERM, or the native helper goes away.
 */
import { DaemonClient } from '../client/index.js';
import { currentPlatform, systemClock, type Platform } from '../shared/index.js';
import { TrayController, type TrayDesktop } from './controller.js';
import { clipboardCommand, isOnPath, launch, openCommand, runWithInput } from './desktop.js';
import { Systray2Backend } from './systray2-backend.js';

export interface RunTrayOptions {
  baseUrl: string;
  apiKey?: string | undefined;
  /** The native gRPC address to show, when known (from the config file). */
  grpcAddress?: string | undefined;
  /** The daemon's logs folder, when known (from the config file or --logs). */
  logsDir?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  stderr: NodeJS.WritableStream;
  platform?: Platform;
  pollIntervalMs?: number;
}

/** Resolves with the exit code: 0 when the user closed the tray, 1 when its helper died. */
export async function runTray(options: RunTrayOptions): Promise<number> {
  const platform = options.platform ?? currentPlatform();
  // Short timeouts: a hung daemon must turn the icon grey, not freeze the menu.
  const client = new DaemonClient({
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    timeoutMs: 5000,
  });
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const backend = new Systray2Backend({
    platform,
    onHelperExit: (code, signal) => {
      options.stderr.write(`error: the tray helper exited (${signal ?? `code ${code}`})\n`);
      finish(1);
    },
  });
  const controller = new TrayController({
    client,
    backend,
    clock: systemClock,
    desktop: desktopFor(platform, options.env),
    addresses: {
      rest: client.baseUrl,
      grpc: options.grpcAddress,
      dashboard: client.baseUrl,
    },
    logsDir: options.logsDir,
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    onClose: () => finish(0),
    onError: (error) => options.stderr.write(`error: ${error.message}\n`),
  });
  const onSignal = (): void => void controller.close();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // The poll timers are unref'd (systemClock): this keeps the process alive while the tray shows.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    await controller.start();
    return await finished;
  } finally {
    clearInterval(keepAlive);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await controller.close();
  }
}

export function desktopFor(
  platform: Platform,
  env: Readonly<Record<string, string | undefined>>,
): TrayDesktop {
  const clipboard = clipboardCommand(platform, env, (command) => isOnPath(command, env));
  return {
    openUrl: (url) => launch(openCommand(platform, url)),
    openFolder: (path) => launch(openCommand(platform, path)),
    copyText: clipboard ? (text) => runWithInput(clipboard, text) : undefined,
  };
}
