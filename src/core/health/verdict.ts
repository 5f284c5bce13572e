/**
 * The health verdict over probe results. Pure: the tracker, the probe outcome and the policy go
 * in; the next tracker and what changed come out.
 *
 * - A success makes the instance healthy (ready) at once and resets the failure count.
 * - Before the first success, failures within `start_period` do not count (it is starting up).
 * - After `retries` consecutive counted failures it is unhealthy (the supervisor restarts it).
 * - Type `none`: healthy once the process has stayed up for `start_period`.
 */
export type HealthStatus = 'pending' | 'healthy' | 'unhealthy';

export interface HealthTracker {
  status: HealthStatus;
  consecutiveFailures: number;
  everHealthy: boolean;
}

export interface HealthPolicy {
  retries: number;
  startPeriod: number;
  interval: number;
}

export const INITIAL_HEALTH: HealthTracker = {
  status: 'pending',
  consecutiveFailures: 0,
  everHealthy: false,
};

/** While starting up, probes run this often (capped by the interval) so readiness is seen quickly. */
export const STARTUP_PROBE_INTERVAL_MS = 100;

export interface HealthVerdict {
  tracker: HealthTracker;
  /** Set when the status changed with this result. */
  changed?: HealthStatus | undefined;
  /** Whether this failure counted toward `retries`. */
  counted: boolean;
}

export function judgeHealth(
  tracker: HealthTracker,
  probe: { ok: boolean; at: number },
  policy: HealthPolicy,
  startedAt: number,
): HealthVerdict {
  if (probe.ok) {
    const next: HealthTracker = { status: 'healthy', consecutiveFailures: 0, everHealthy: true };
    return {
      tracker: next,
      changed: tracker.status === 'healthy' ? undefined : 'healthy',
      counted: false,
    };
  }
  if (!tracker.everHealthy && probe.at - startedAt < policy.startPeriod) {
    return { tracker, counted: false };
  }
  const failures = tracker.consecutiveFailures + 1;
  const status: HealthStatus = failures >= policy.retries ? 'unhealthy' : tracker.status;
  return {
    tracker: { ...tracker, status, consecutiveFailures: failures },
    changed: status !== tracker.status ? status : undefined,
    counted: true,
  };
}

/** Milliseconds until the next probe. */
export function nextProbeDelay(
  tracker: HealthTracker,
  policy: HealthPolicy,
  startedAt: number,
  now: number,
): number {
  const startingUp = !tracker.everHealthy && now - startedAt < policy.startPeriod;
  return startingUp ? Math.min(policy.interval, STARTUP_PROBE_INTERVAL_MS) : policy.interval;
}

/** For type `none`: ready once up for start_period. Returns ms still to wait (0 = ready now). */
export function timeUntilPresumedHealthy(
  startedAt: number,
  now: number,
  startPeriod: number,
): number {
  return Math.max(0, startedAt + startPeriod - now);
}
