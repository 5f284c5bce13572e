/**
 * Everything the supervisor reports, as one typed union. Each event is appended to its instance's
 * bounded log and published on the daemon's event bus (REST/SSE, gRPC streams, logs, metrics).
 * Events never carry secret values.
 */
import type { ErrorCode } from '../../shared/index.js';
import type { InstanceStatus } from '../lifecycle/states.js';

interface EventBase {
  /** Monotonic within one daemon run. */
  seq: number;
  /** Milliseconds since the epoch. */
  at: number;
  process: string;
}

interface InstanceRef {
  instance: string;
  index: number;
}

export type SupervisorEventBody =
  | ({
      type: 'instance.state';
      from: InstanceStatus;
      to: InstanceStatus;
      reason?: string | undefined;
      pid?: number | undefined;
      port?: number | undefined;
      exitCode?: number | null | undefined;
      exitSignal?: string | null | undefined;
      attempt?: number | undefined;
      nextAttemptAt?: number | undefined;
      stderrTail?: string[] | undefined;
    } & InstanceRef)
  | ({
      type: 'instance.health';
      ok: boolean;
      check: string;
      detail: string;
      consecutiveFailures: number;
    } & InstanceRef)
  | ({ type: 'instance.error'; code: ErrorCode; message: string } & InstanceRef)
  | ({ type: 'instance.adopted'; pid: number; port: number } & InstanceRef)
  | ({ type: 'hook.failed'; hook: string; phase: string; message: string } & InstanceRef)
  | ({
      type: 'instance.secrets';
      source: 'local' | 'cloudflare';
      file: string;
      /** How many variables the instance received; names only below, never values. */
      keys: number;
      added: string[];
      removed: string[];
      changed: string[];
    } & InstanceRef)
  | ({ type: 'instance.warning'; message: string } & InstanceRef)
  | ({
      type: 'instance.memory_limit';
      /** The RSS of the instance and its child processes at the sample, and the limit (bytes). */
      rssBytes: number;
      limitBytes: number;
      message: string;
    } & InstanceRef)
  | {
      type: 'process.certificate';
      action: 'generated' | 'renewed';
      file: string;
      notAfter: number;
      message: string;
    }
  | { type: 'process.warning'; message: string }
  | { type: 'tunnel.state'; state: string; url?: string | undefined; message: string }
  | { type: 'process.scaled'; from: number; to: number; reason: string }
  | {
      /** An autoscaler decision: an action, or a change in why it holds (not every idle tick). */
      type: 'process.autoscale';
      action: 'scale_up' | 'scale_down' | 'none';
      from: number;
      to: number;
      /** The raw recommendation before sustain, stabilization, steps and bounds. */
      recommended: number;
      held?: string | undefined;
      reason: string;
      /** Set when applying the action failed (the reason says so too). */
      error?: string | undefined;
      signals: Array<{
        signal: string;
        observed: number;
        target: number;
        ratio: number;
        desired: number;
      }>;
    }
  | {
      /** A backend's place in a load balancer's pool changed. */
      type: 'balancer.backend';
      balancer: string;
      instance: string;
      index: number;
      change: 'joined' | 'left' | 'ejected' | 'draining' | 'drained';
      message: string;
    }
  | { type: 'process.restart'; phase: 'started' | 'completed' | 'failed'; message: string }
  | {
      /** An update or rollback changed phase (download progress stays in its own status stream). */
      type: 'process.update';
      updateId: string;
      kind: 'update' | 'rollback';
      phase: string;
      from?: string | undefined;
      to: string;
      strategy: string;
      trigger?: string | undefined;
      progress: number;
      message: string;
      error?: { code: ErrorCode; message: string } | undefined;
    }
  | {
      /** The poller looked for a newer release (reported when the outcome changes, or acts). */
      type: 'process.update_check';
      outcome: 'up_to_date' | 'triggered' | 'skipped' | 'error';
      current?: string | undefined;
      latest?: string | undefined;
      message: string;
      code?: ErrorCode | undefined;
    }
  | { type: 'process.config'; change: 'added' | 'removed' | 'changed' }
  | { type: 'daemon.warning'; message: string };

export type SupervisorEvent = EventBase & SupervisorEventBody;

/** What a prestart hook may record about the instance it prepares. */
export type HookEventBody =
  | Omit<Extract<SupervisorEventBody, { type: 'instance.secrets' }>, 'instance' | 'index'>
  | Omit<Extract<SupervisorEventBody, { type: 'instance.warning' }>, 'instance' | 'index'>;

/** What services record in one instance's log (Instance.report). */
export type InstanceReportBody =
  | HookEventBody
  | Omit<Extract<SupervisorEventBody, { type: 'instance.memory_limit' }>, 'instance' | 'index'>;

/** What services report about a process or the daemon as a whole (not one instance). */
export type ServiceEventBody = Extract<
  SupervisorEventBody,
  {
    type:
      | 'process.certificate'
      | 'process.warning'
      | 'process.autoscale'
      | 'process.update'
      | 'process.update_check'
      | 'balancer.backend'
      | 'tunnel.state'
      | 'daemon.warning';
  }
>;

export type SupervisorEventType = SupervisorEvent['type'];
