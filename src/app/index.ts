/**
 * The application facade: the use cases every edge calls. Edges never reach into core directly.
 */
import type { Supervisor, SupervisorEvent } from '../core/index.js';
import type { Clock } from '../shared/index.js';
import { DaemonUseCases, type DaemonControl } from './daemon-use-cases.js';
import { LogUseCases } from './log-use-cases.js';
import { ProcessUseCases } from './process-use-cases.js';
import { TunnelUseCases, type TunnelStatusSource } from './tunnel-use-cases.js';

export interface AppOptions {
  supervisor: Supervisor;
  clock: Clock;
  startedAt: number;
  version: string;
  control: DaemonControl;
  /** The cloudflared runner, when `tunnel.enabled`. */
  tunnel?: TunnelStatusSource | undefined;
}

export interface App {
  processes: ProcessUseCases;
  logs: LogUseCases;
  daemon: DaemonUseCases;
  tunnel: TunnelUseCases;
  /** Supervisor events (lifecycle, health, scale) for streams. */
  subscribe(listener: (event: SupervisorEvent) => void): () => void;
}

export function createApp(options: AppOptions): App {
  const tunnel = new TunnelUseCases(options.tunnel);
  return {
    tunnel,
    processes: new ProcessUseCases(options.supervisor, options.clock),
    logs: new LogUseCases(options.supervisor),
    daemon: new DaemonUseCases(
      options.supervisor,
      options.clock,
      options.startedAt,
      options.version,
      options.control,
      () => tunnel.healthComponent(),
    ),
    subscribe: (listener) => options.supervisor.events.subscribe(listener),
  };
}

export type { DaemonControl } from './daemon-use-cases.js';
export type { TunnelStatusSource, TunnelView } from './tunnel-use-cases.js';
export type * from './views.js';
export type { LogLineView } from './log-use-cases.js';
export { MAX_TAIL } from './log-use-cases.js';
