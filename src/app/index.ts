/**
 * The application facade: the use cases every edge calls. Edges never reach into core directly.
 */
import type { Supervisor, SupervisorEvent } from '../core/index.js';
import type { Clock } from '../shared/index.js';
import { DaemonUseCases, type DaemonControl } from './daemon-use-cases.js';
import { LogUseCases } from './log-use-cases.js';
import { ProcessUseCases } from './process-use-cases.js';

export interface AppOptions {
  supervisor: Supervisor;
  clock: Clock;
  startedAt: number;
  version: string;
  control: DaemonControl;
}

export interface App {
  processes: ProcessUseCases;
  logs: LogUseCases;
  daemon: DaemonUseCases;
  /** Supervisor events (lifecycle, health, scale) for streams. */
  subscribe(listener: (event: SupervisorEvent) => void): () => void;
}

export function createApp(options: AppOptions): App {
  return {
    processes: new ProcessUseCases(options.supervisor, options.clock),
    logs: new LogUseCases(options.supervisor),
    daemon: new DaemonUseCases(
      options.supervisor,
      options.clock,
      options.startedAt,
      options.version,
      options.control,
    ),
    subscribe: (listener) => options.supervisor.events.subscribe(listener),
  };
}

export type { DaemonControl } from './daemon-use-cases.js';
export type * from './views.js';
export type { LogLineView } from './log-use-cases.js';
export { MAX_TAIL } from './log-use-cases.js';
