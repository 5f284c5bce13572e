/**
 * The one place an instance's state changes. setState checks the transition against
 * ALLOWED_TRANSITIONS, records an `instance.state` event in the instance's bounded log and hands it
 * to the publisher.
 */
import { DaemonError, RingBuffer } from '../../shared/index.js';
import type { SupervisorEvent, SupervisorEventBody } from '../events/types.js';
import { canTransition, type InstanceState } from './states.js';

export type Publish = (body: SupervisorEventBody) => SupervisorEvent;

export interface LifecycleOptions {
  process: string;
  instance: string;
  index: number;
  publish: Publish;
  now: () => number;
  eventLogSize?: number;
  /** Where the instance begins: `stopped` for a new one, `running` for an adopted process. */
  initial?: DistributiveOmit<InstanceState, 'since'>;
}

export class Lifecycle {
  private current: InstanceState;
  private readonly log: RingBuffer<SupervisorEvent>;
  private readonly watchers = new Set<(state: InstanceState) => void>();

  constructor(private readonly options: LifecycleOptions) {
    this.current = {
      ...(options.initial ?? { status: 'stopped', reason: 'created' }),
      since: options.now(),
    } as InstanceState;
    this.log = new RingBuffer(options.eventLogSize ?? 100);
  }

  state(): InstanceState {
    return this.current;
  }

  /** Calls `watcher` after every state change; returns the function that stops it. */
  watch(watcher: (state: InstanceState) => void): () => void {
    this.watchers.add(watcher);
    return () => {
      this.watchers.delete(watcher);
    };
  }

  /** Recent events of this instance, oldest first. */
  events(): SupervisorEvent[] {
    return this.log.toArray();
  }

  setState(next: DistributiveOmit<InstanceState, 'since'>): InstanceState {
    const from = this.current.status;
    if (!canTransition(from, next.status)) {
      throw new DaemonError(
        'internal',
        `illegal state change ${from} -> ${next.status} for ${this.options.instance}`,
      );
    }
    const state = { ...next, since: this.options.now() } as InstanceState;
    this.current = state;
    this.record({
      type: 'instance.state',
      instance: this.options.instance,
      index: this.options.index,
      from,
      to: state.status,
      ...describe(state),
    });
    for (const watcher of [...this.watchers]) watcher(state);
    return state;
  }

  /** Records any other event about this instance (health results, errors, hook failures). */
  record(body: SupervisorEventBody): SupervisorEvent {
    const event = this.options.publish(body);
    this.log.push(event);
    return event;
  }
}

function describe(
  state: InstanceState,
): Partial<Extract<SupervisorEventBody, { type: 'instance.state' }>> {
  switch (state.status) {
    case 'running':
    case 'healthy':
      return { pid: state.pid };
    case 'unhealthy':
    case 'stopping':
      return { pid: state.pid, reason: state.reason };
    case 'stopped':
      return { reason: state.reason, exitCode: state.exit?.code, exitSignal: state.exit?.signal };
    case 'backoff':
      return {
        reason: state.reason,
        attempt: state.attempt,
        nextAttemptAt: state.nextAttemptAt,
        exitCode: state.exit?.code,
        exitSignal: state.exit?.signal,
        stderrTail: state.stderrTail,
      };
    case 'failed':
      return {
        reason: state.reason,
        exitCode: state.exit?.code,
        exitSignal: state.exit?.signal,
        stderrTail: state.stderrTail,
      };
    default:
      return {};
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
