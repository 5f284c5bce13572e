/**
 * How long the tunnel waits before the next cloudflared run or registration attempt. Both reuse
 * core's decideRestart (exponential, capped, +-20 % jitter), so the tunnel backs off exactly like
 * a supervised process does.
 */
import { decideRestart, type RestartPolicy, type RunRecord } from '../../core/index.js';

export interface TunnelBackoff {
  initialMs: number;
  maxMs: number;
  multiplier: number;
}

export const DEFAULT_TUNNEL_BACKOFF: TunnelBackoff = {
  initialMs: 1000,
  maxMs: 60_000,
  multiplier: 2,
};

/** A run that stayed up this long resets the back-off. */
export const STABLE_RUN_MS = 60_000;

/** The delay before the next cloudflared run, given the runs so far (the last one just ended). */
export function tunnelRestartDelay(
  runs: readonly RunRecord[],
  backoff: TunnelBackoff,
  now: number,
  random: () => number,
): number {
  const decision = decideRestart(runs, restartPolicy(backoff), now, random);
  // 'always' without max_restarts never gives up; the fallback only guards an empty history.
  return decision.kind === 'restart' ? decision.delayMs : backoff.initialMs;
}

/** The delay before registration attempt `failures + 1`; each failure counts as an unstable run. */
export function registrationRetryDelay(
  failures: number,
  backoff: TunnelBackoff,
  now: number,
  random: () => number,
): number {
  const attempts: RunRecord[] = Array.from({ length: Math.max(1, failures) }, () => ({
    startedAt: now,
    exitedAt: now,
    failed: true,
  }));
  return tunnelRestartDelay(attempts, backoff, now, random);
}

function restartPolicy(backoff: TunnelBackoff): RestartPolicy {
  return {
    policy: 'always',
    backoff: { initial: backoff.initialMs, max: backoff.maxMs, multiplier: backoff.multiplier },
    window: STABLE_RUN_MS,
    resetAfter: STABLE_RUN_MS,
  };
}
