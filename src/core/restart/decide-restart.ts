/**
 * Whether and when an exited instance runs again. Pure: the history, the policy, the time and
 * the randomness are all arguments.
 *
 * - A run that stayed healthy for `reset_after` before exiting counts as stable: the next start
 *   is immediate (as PM2 and supervisord do for a one-off crash).
 * - Consecutive unstable runs back off exponentially: initial, initial*multiplier, ... capped at
 *   `max`, each with +-20 % jitter so a fleet does not restart in lockstep.
 * - With `max_restarts` set, more than that many restarts within `window` gives up (`failed`).
 *   Unset, it never gives up.
 */
import type { RestartPolicyName } from '../../config/index.js';

export interface RunRecord {
  startedAt: number;
  exitedAt: number;
  /** When the run first became healthy (ready); undefined if it never did. */
  readyAt?: number | undefined;
  /** Exited on its own with a non-zero code, by a signal it was not sent, or was judged unhealthy. */
  failed: boolean;
}

export interface RestartPolicy {
  policy: RestartPolicyName;
  backoff: { initial: number; max: number; multiplier: number };
  maxRestarts?: number | undefined;
  window: number;
  resetAfter: number;
}

export type RestartDecision =
  | { kind: 'restart'; delayMs: number; attempt: number; reason: string }
  | { kind: 'give-up'; reason: string }
  | { kind: 'done'; reason: string };

export const JITTER = 0.2;

export function decideRestart(
  history: readonly RunRecord[],
  policy: RestartPolicy,
  now: number,
  random: () => number,
): RestartDecision {
  const last = history[history.length - 1];
  if (!last) return { kind: 'done', reason: 'nothing has run' };
  if (policy.policy === 'never') return { kind: 'done', reason: 'restart policy is "never"' };
  if (policy.policy === 'on-failure' && !last.failed) {
    return { kind: 'done', reason: 'exited successfully and the restart policy is "on-failure"' };
  }

  if (policy.maxRestarts !== undefined) {
    const exitsInWindow = history.filter((run) => run.exitedAt > now - policy.window).length;
    if (exitsInWindow > policy.maxRestarts) {
      return {
        kind: 'give-up',
        reason: `exited ${exitsInWindow} times within ${policy.window}ms (max_restarts: ${policy.maxRestarts})`,
      };
    }
  }

  const unstable = consecutiveUnstableRuns(history, policy.resetAfter);
  if (unstable === 0)
    return { kind: 'restart', delayMs: 0, attempt: 1, reason: 'exited after a stable run' };
  const base = Math.min(
    policy.backoff.max,
    policy.backoff.initial * policy.backoff.multiplier ** (unstable - 1),
  );
  const jittered = base * (1 - JITTER + 2 * JITTER * clamp01(random()));
  return {
    kind: 'restart',
    delayMs: Math.round(Math.min(policy.backoff.max, jittered)),
    attempt: unstable,
    reason:
      unstable === 1
        ? 'exited before becoming stable'
        : `exited ${unstable} times in a row before becoming stable`,
  };
}

/** How many runs at the end of the history ended before staying healthy for `resetAfter`. */
export function consecutiveUnstableRuns(history: readonly RunRecord[], resetAfter: number): number {
  let count = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const run = history[i]!;
    const stable = run.readyAt !== undefined && run.exitedAt - run.readyAt >= resetAfter;
    if (stable) break;
    count++;
  }
  return count;
}

const clamp01 = (n: number): number => Math.min(1, Math.max(0, n));
