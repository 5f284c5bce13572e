/**
 * One live connection to GET /api/v1/events?metrics=1 for the whole dashboard: supervisor events
 * refresh the queries they affect (debounced, so a burst is one refetch), metrics frames feed the
 * live charts. Reconnects with back-off when the stream drops. No polling.
 */
import type { QueryClient } from '@tanstack/react-query';
import { ApiError } from '../api/client';
import { credential } from '../api/credential';
import { readEventStream } from '../api/event-stream';
import type { DaemonEvent, MetricsFrame } from '../api/types';

type Listener<T> = (value: T) => void;

export interface LiveState {
  connected: boolean;
  /** The newest events first, at most MAX_EVENTS. */
  events: DaemonEvent[];
  frame: MetricsFrame | undefined;
}

const MAX_EVENTS = 500;
const MAX_FRAMES = 600;

export class LiveEvents {
  private state: LiveState = { connected: false, events: [], frame: undefined };
  /** Recent metrics frames, oldest first (the live chart's window). */
  readonly frames: MetricsFrame[] = [];
  private readonly listeners = new Set<Listener<LiveState>>();
  private abort: AbortController | undefined;
  private pending = new Set<string>();
  private flush: ReturnType<typeof setTimeout> | undefined;
  /** A stream was connected before: events were missed while it was away. */
  private wasConnected = false;

  constructor(private readonly queries: QueryClient) {}

  snapshot(): LiveState {
    return this.state;
  }

  subscribe(listener: Listener<LiveState>): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  start(): void {
    if (this.abort) return;
    const abort = new AbortController();
    this.abort = abort;
    void this.run(abort.signal);
  }

  stop(): void {
    this.abort?.abort();
    this.abort = undefined;
    this.set({ connected: false });
  }

  private async run(signal: AbortSignal): Promise<void> {
    let delay = 500;
    while (!signal.aborted) {
      try {
        await readEventStream(
          '/api/v1/events?metrics=1',
          ({ event, data }) => {
            if (!this.state.connected) this.onConnected();
            delay = 500;
            this.onEvent(event, data);
          },
          signal,
        );
      } catch (error) {
        // Dropped or refused: retry below. A refused credential (the key was revoked, or the
        // daemon restarted with other keys) brings the login screen up, as any other request does.
        if (error instanceof ApiError && error.status === 401) credential.rejected();
      }
      if (signal.aborted) return;
      this.set({ connected: false });
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }

  private onEvent(event: string, data: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    if (event === 'metrics') {
      const frame = parsed as MetricsFrame;
      this.frames.push(frame);
      if (this.frames.length > MAX_FRAMES) this.frames.shift();
      this.set({ frame });
      return;
    }
    if (event === 'balancers') {
      this.queries.setQueryData(['balancers', 'live'], parsed);
      return;
    }
    if (event === 'dropped') {
      this.refreshAll(); // the daemon skipped events for this slow reader
      return;
    }
    if (event === 'message') return;
    const daemonEvent = parsed as DaemonEvent;
    this.set({ events: [daemonEvent, ...this.state.events].slice(0, MAX_EVENTS) });
    this.invalidateFor(daemonEvent);
  }

  private onConnected(): void {
    this.set({ connected: true });
    // Back after a drop: nothing says what changed meanwhile, so what is shown is read again.
    if (this.wasConnected) this.refreshAll();
    this.wasConnected = true;
  }

  /** Refetches every shown query but the caller's identity (the stream's own data comes live). */
  private refreshAll(): void {
    void this.queries.invalidateQueries({ predicate: (query) => query.queryKey[0] !== 'whoami' });
  }

  /** Marks the queries an event changes; they refetch together a moment later. */
  private invalidateFor(event: DaemonEvent): void {
    this.pending.add('processes');
    if (event.process) this.pending.add(`process:${event.process}`);
    if (event.type.startsWith('process.update')) this.pending.add('updates');
    if (event.type === 'balancer.backend' || event.type === 'process.autoscale')
      this.pending.add('balancers');
    if (event.type === 'tunnel.state') this.pending.add('tunnel');
    if (this.flush) return;
    this.flush = setTimeout(() => {
      this.flush = undefined;
      const keys = [...this.pending];
      this.pending.clear();
      for (const key of keys) {
        const [head, name] = key.split(':');
        void this.queries.invalidateQueries({
          queryKey: name === undefined ? [head] : [head, name],
        });
      }
    }, 150);
  }

  private set(patch: Partial<LiveState>): void {
    this.state = { ...this.state, ...patch };
    this.listeners.forEach((l) => l(this.state));
  }
}
