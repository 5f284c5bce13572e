/**
 * An instance's states, as a discriminated union.
 *
 *                 ┌──────────────────────────────────────────────┐
 *                 v                                              │
 *   starting ──> running ──> healthy <──> unhealthy ──> stopping ──> stopped
 *      │            │           │             │                        │
 *      └────────────┴───────────┴─────────────┴──> backoff ──> starting (again)
 *                                             └──> failed (gave up)    │
 *                                                                      v
 *                                                                   starting
 *
 * `running`: the process is up, its health check has not passed yet (or it has none).
 * `backoff`: it exited and waits for the next attempt (`nextAttemptAt`).
 * `failed`: it exited too often within the window; no more attempts until started again.
 */
import type { ExitInfo } from '../driver/index.js';

export type InstanceStatus =
  'starting' | 'running' | 'healthy' | 'unhealthy' | 'stopping' | 'stopped' | 'backoff' | 'failed';

export type InstanceState =
  | { status: 'starting'; since: number }
  | { status: 'running'; since: number; pid: number }
  | { status: 'healthy'; since: number; pid: number }
  | { status: 'unhealthy'; since: number; pid: number; reason: string }
  | { status: 'stopping'; since: number; pid: number; reason: string }
  | { status: 'stopped'; since: number; reason: string; exit?: ExitInfo | undefined }
  | {
      status: 'backoff';
      since: number;
      reason: string;
      attempt: number;
      nextAttemptAt: number;
      exit?: ExitInfo | undefined;
      stderrTail: string[];
    }
  | {
      status: 'failed';
      since: number;
      reason: string;
      exit?: ExitInfo | undefined;
      stderrTail: string[];
    };

export const ALLOWED_TRANSITIONS: Readonly<Record<InstanceStatus, readonly InstanceStatus[]>> = {
  starting: ['running', 'backoff', 'failed', 'stopping', 'stopped'],
  running: ['healthy', 'unhealthy', 'stopping', 'backoff', 'failed', 'stopped'],
  healthy: ['unhealthy', 'stopping', 'backoff', 'failed', 'stopped'],
  unhealthy: ['healthy', 'stopping', 'backoff', 'failed', 'stopped'],
  stopping: ['stopped'],
  stopped: ['starting'],
  backoff: ['starting', 'stopping', 'stopped', 'failed'],
  failed: ['starting', 'stopped'],
};

export function canTransition(from: InstanceStatus, to: InstanceStatus): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

/** States in which an OS process exists for the instance. */
export function hasProcess(state: InstanceState): state is Extract<InstanceState, { pid: number }> {
  return 'pid' in state;
}

/** Ready = receives traffic and counts as up during a rolling restart. */
export function isReady(state: InstanceState): boolean {
  return state.status === 'healthy';
}

/** Counts toward the process's instance count (not on its way out). */
export function isActive(state: InstanceState): boolean {
  return state.status !== 'stopping' && state.status !== 'stopped';
}
