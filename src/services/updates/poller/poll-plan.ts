import type { ErrorCode } from '../../../shared/index.js';
import type { PollTarget } from './types.js';

/**
 * The poller's decisions, pure and driven by `now`: which targets are due, and when a target is
 * checked again after a check.
 *
 * A new target (at start, or added by a config reload) is first checked `min(interval, 10 s)`
 * after it appears: soon enough that a daemon started behind a release catches up quickly, late
 * enough not to race the processes' own start-up, and without jitter so tests and operators can
 * predict it. After a successful check the next one is one interval after it ended, measured
 * with the target's current interval, so a reload that changes the interval applies at once.
 * After an error: a rate limit waits until GitHub's reset time; anything else backs off from
 * 30 s, doubling per error in a row, up to the interval. A success ends the back-off.
 */
export const FIRST_CHECK_MAX_DELAY_MS = 10_000;
export const ERROR_BACKOFF_INITIAL_MS = 30_000;

export interface TargetSchedule {
  /** The repository the schedule belongs to: a process whose repository changes starts afresh. */
  repository: string;
  firstSeenAt: number;
  /** End of the last check that was not an error. */
  lastSuccessAt: number | undefined;
  /** Set by an error, cleared by a success: the back-off's due time. */
  retryAt: number | undefined;
  /** Errors in a row. */
  errorStreak: number;
  /** A check of this target is running (one at a time). */
  inFlight: boolean;
}

export interface PollPlan {
  /** Targets whose check is due now and not already running. */
  due: PollTarget[];
  /** Targets without a schedule (new, or with another repository): schedule them from now. */
  added: PollTarget[];
  /** Processes with a schedule that are no longer targets. */
  removed: string[];
}

export interface CheckFailure {
  code: ErrorCode;
  /** GitHub's reset time (epoch ms) when the failure is a rate limit that names one. */
  resetAt?: number | undefined;
}

export function newSchedule(target: PollTarget, now: number): TargetSchedule {
  return {
    repository: target.repository,
    firstSeenAt: now,
    lastSuccessAt: undefined,
    retryAt: undefined,
    errorStreak: 0,
    inFlight: false,
  };
}

/** When a target with this schedule is due. */
export function dueAt(schedule: TargetSchedule, intervalMs: number): number {
  if (schedule.retryAt !== undefined) return schedule.retryAt;
  if (schedule.lastSuccessAt !== undefined) return schedule.lastSuccessAt + intervalMs;
  return schedule.firstSeenAt + Math.min(intervalMs, FIRST_CHECK_MAX_DELAY_MS);
}

export function pollPlan(
  targets: readonly PollTarget[],
  schedules: ReadonlyMap<string, TargetSchedule>,
  now: number,
): PollPlan {
  const plan: PollPlan = { due: [], added: [], removed: [] };
  const seen = new Set<string>();
  for (const target of targets) {
    if (seen.has(target.process)) continue; // a name appears once in a valid config
    seen.add(target.process);
    const schedule = schedules.get(target.process);
    if (schedule === undefined || schedule.repository !== target.repository) {
      plan.added.push(target);
    } else if (!schedule.inFlight && dueAt(schedule, target.intervalMs) <= now) {
      plan.due.push(target);
    }
  }
  for (const process of schedules.keys()) if (!seen.has(process)) plan.removed.push(process);
  return plan;
}

/**
 * When the check after one that ended at `now` is due. `errorStreak` counts this failure (1 for
 * the first error in a row).
 */
export function nextCheckAt(
  now: number,
  intervalMs: number,
  failure: CheckFailure | undefined,
  errorStreak: number,
): number {
  if (failure === undefined) return now + intervalMs;
  if (
    failure.code === 'github_rate_limited' &&
    failure.resetAt !== undefined &&
    failure.resetAt > now
  ) {
    return failure.resetAt;
  }
  const doublings = Math.min(Math.max(errorStreak - 1, 0), 30);
  const backoff = Math.min(ERROR_BACKOFF_INITIAL_MS * 2 ** doublings, intervalMs);
  return now + Math.max(backoff, 0);
}

/** The schedule after a check of `target` ended at `now`. */
export function scheduleAfterCheck(
  schedule: TargetSchedule,
  target: PollTarget,
  now: number,
  failure: CheckFailure | undefined,
): TargetSchedule {
  if (failure === undefined) {
    return { ...schedule, lastSuccessAt: now, retryAt: undefined, errorStreak: 0, inFlight: false };
  }
  const errorStreak = schedule.errorStreak + 1;
  return {
    ...schedule,
    retryAt: nextCheckAt(now, target.intervalMs, failure, errorStreak),
    errorStreak,
    inFlight: false,
  };
}
