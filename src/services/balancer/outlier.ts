/**
 * Passive outlier detection, as a pure state step per finished call (Envoy's consecutive-5xx
 * and connection-failure detectors, with its doubling ejection time).
 *
 * - A connection failure ejects the backend at once: nothing it could answer is worth a retry.
 * - `consecutiveUnavailable` calls in a row ending UNAVAILABLE (14) eject it; any other status
 *   resets the run. Calls the client cancelled say nothing about the backend and are ignored.
 * - The n-th ejection in a row lasts min(base × 2^(n-1), max). The count starts over once the
 *   backend has been back (not ejected) for `maxEjectionMs`, so a backend that flaps keeps
 *   doubling, and one that recovered for good starts from `base` next time.
 * - Outcomes that arrive while the backend is ejected (calls that were in flight when it was
 *   ejected) change nothing: a burst of concurrent failures is one ejection, not several doublings.
 */
import type { CallOutcome } from './types.js';

export interface OutlierPolicy {
  /** UNAVAILABLE answers in a row that eject a backend (at least 1). */
  consecutiveUnavailable: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
}

export const DEFAULT_OUTLIER_POLICY: OutlierPolicy = Object.freeze({
  consecutiveUnavailable: 5,
  baseEjectionMs: 10_000,
  maxEjectionMs: 300_000,
});

export interface OutlierState {
  /** UNAVAILABLE answers in a row since the last other answer or ejection. */
  readonly consecutive: number;
  /** Ejections in a row (the exponent of the next ejection's length). */
  readonly ejections: number;
  /** Ejected while now < ejectedUntil. */
  readonly ejectedUntil: number;
  /** When the last ejection began (0: never). */
  readonly lastEjectedAt: number;
}

export const FRESH_OUTLIER_STATE: OutlierState = Object.freeze({
  consecutive: 0,
  ejections: 0,
  ejectedUntil: 0,
  lastEjectedAt: 0,
});

const UNAVAILABLE = 14;

export function recordOutcome(
  state: OutlierState,
  outcome: Pick<CallOutcome, 'connectFailed' | 'grpcStatus' | 'cancelledByClient'>,
  now: number,
  policy: OutlierPolicy,
): OutlierState {
  if (isEjected(state, now)) return state;
  if (outcome.connectFailed) return eject(state, now, policy);
  if (outcome.cancelledByClient) return state;
  if (outcome.grpcStatus !== UNAVAILABLE) {
    // Returning the same object when nothing changes keeps the per-call path allocation-free.
    return state.consecutive === 0 ? state : { ...state, consecutive: 0 };
  }
  const consecutive = state.consecutive + 1;
  if (consecutive >= Math.max(1, policy.consecutiveUnavailable)) return eject(state, now, policy);
  return { ...state, consecutive };
}

export function isEjected(state: OutlierState, now: number): boolean {
  return now < state.ejectedUntil;
}

/** How long the next ejection of this backend would last if it began at `now`. */
export function nextEjectionMs(state: OutlierState, now: number, policy: OutlierPolicy): number {
  return ejectionLengthMs(ejectionsInARow(state, now, policy), policy);
}

function eject(state: OutlierState, now: number, policy: OutlierPolicy): OutlierState {
  const ejections = ejectionsInARow(state, now, policy);
  const ejectedUntil = now + ejectionLengthMs(ejections, policy);
  return { consecutive: 0, ejections: ejections + 1, ejectedUntil, lastEjectedAt: now };
}

function ejectionLengthMs(ejectionsBefore: number, policy: OutlierPolicy): number {
  return Math.min(policy.baseEjectionMs * 2 ** ejectionsBefore, policy.maxEjectionMs);
}

/** Measured from the end of the last ejection: a long ejection must not count as time spent well. */
function ejectionsInARow(state: OutlierState, now: number, policy: OutlierPolicy): number {
  return state.ejections > 0 && now - state.ejectedUntil >= policy.maxEjectionMs
    ? 0
    : state.ejections;
}
