/**
 * How many instances a process should run. Pure: the signals, the policy, the history and the
 * time are all arguments; a new history is returned and the old one is never mutated.
 *
 * Kubernetes HPA semantics, with its names:
 * - per signal, ratio = observed / target and desired = ceil(current × ratio), or current when
 *   |ratio − 1| ≤ tolerance; the recommendation is the max over signals;
 * - as HPA does, instances that are not ready yet count as idle when a signal points up, so a
 *   scale-up whose new instances are still starting does not ask for the same instances again;
 * - stabilization: scale up only to the lowest recommendation of the up-window and down only to
 *   the highest of the down-window (both windows include this recommendation);
 * - steps: at most upStep added / downStep removed per action; then min..max instances.
 * Ours on top: the recommendation must point the same way for `sustain` before an action,
 * `cooldown` after an action, and a scale-down never removes the last ready instance (the
 * supervisor removes instances that are not ready first, so to ≥ 1 is enough).
 */
import { describeReading, describeSignalNames, formatElapsed, instances } from './scale-reason.js';
import type {
  ScaleDecision,
  ScaleHistory,
  ScaleHold,
  ScalePolicy,
  ScaleRecommendation,
  ScaleSignals,
  ScaleTrend,
  SignalReading,
} from './types.js';

export const EMPTY_SCALE_HISTORY: ScaleHistory = Object.freeze({
  recommendations: Object.freeze([]) as readonly ScaleRecommendation[],
});

export interface PlanScaleInput {
  /** Instances that exist (starting, ready or not). */
  current: number;
  /** Instances that are ready. */
  ready: number;
  metrics: ScaleSignals;
  policy: ScalePolicy;
  history: ScaleHistory;
  now: number;
}

export interface PlanScaleResult {
  decision: ScaleDecision;
  history: ScaleHistory;
}

/** A reading with how it was reached, for the reason. */
interface Assessed {
  reading: SignalReading;
  /** Its desired was forced to current by the tolerance. */
  withinTolerance: boolean;
  /** It points up and the instances that are not ready were counted as idle. */
  notReadyAsIdle: boolean;
}

/** Float noise (10 × 88/80 = 11.000000000000002) must neither add an instance nor leave tolerance. */
const EPSILON = 1e-9;

export function planScale(input: PlanScaleInput): PlanScaleResult {
  const { policy, now } = input;
  const current = Math.max(0, Math.floor(input.current));
  const ready = Math.min(current, Math.max(0, Math.floor(input.ready)));
  const assessed = assessSignals(input.metrics, policy, current, ready);
  const readings = assessed.map((a) => a.reading);
  const deciding = decidingSignal(assessed);
  const recommended = deciding?.reading.desired ?? current;

  const windowMs = Math.max(policy.upStabilizationMs, policy.downStabilizationMs, 0);
  const past = input.history.recommendations.filter((r) => r.at > now - windowMs);
  const recommendations = deciding ? remember(past, now, recommended) : past;
  const trend = deciding ? nextTrend(input.history.trend, recommended, current, now) : undefined;
  const lastScaleAt = input.history.lastScaleAt;

  const base = { at: now, from: current, recommended, signals: readings };
  const hold = (held: ScaleHold | undefined, reason: string): PlanScaleResult => ({
    decision: { ...base, action: 'none', to: current, held, reason },
    history: { recommendations, trend, lastScaleAt },
  });
  const act = (to: number, reason: string): PlanScaleResult => ({
    decision: { ...base, action: to > current ? 'scale_up' : 'scale_down', to, reason },
    history: { recommendations, trend: undefined, lastScaleAt: now },
  });
  const coolingFor = lastScaleAt === undefined ? undefined : now - lastScaleAt;
  const inCooldown = coolingFor !== undefined && coolingFor < policy.cooldownMs;
  const cooldownText = (): string =>
    `the last scale action was ${formatElapsed(coolingFor ?? 0)} ago (cooldown ${formatElapsed(policy.cooldownMs)})`;

  // Outside the bounds (config changed, instances stopped by hand): back to the bound at once.
  if (current < policy.minInstances || current > policy.maxInstances) {
    const below = current < policy.minInstances;
    const bound = below ? policy.minInstances : policy.maxInstances;
    const where = below
      ? `below min_instances ${policy.minInstances}`
      : `above max_instances ${policy.maxInstances}`;
    if (inCooldown) {
      return hold('cooldown', `${instances(current)} is ${where}, but ${cooldownText()}`);
    }
    return act(bound, `${instances(current)} is ${where}: ${current} → ${bound}`);
  }

  if (!deciding) {
    return hold('no_signal', `${describeSignalNames(policy)}: keeping ${instances(current)}`);
  }
  const signal = describeReading(deciding.reading, current - ready, deciding.notReadyAsIdle);

  let upRecommendation = recommended;
  let downRecommendation = recommended;
  for (const sample of past) {
    if (sample.at > now - policy.upStabilizationMs) {
      upRecommendation = Math.min(upRecommendation, sample.instances);
    }
    if (sample.at > now - policy.downStabilizationMs) {
      downRecommendation = Math.max(downRecommendation, sample.instances);
    }
  }
  const stabilized = Math.min(Math.max(current, upRecommendation), downRecommendation);

  if (stabilized === current) {
    if (recommended === current) {
      const tolerated = assessed.some((a) => a.withinTolerance && a.reading.desired === current);
      return hold(
        tolerated ? 'tolerance' : undefined,
        tolerated
          ? `${signal} is within tolerance (${percent(policy.tolerance)}): keeping ${instances(current)}`
          : `${signal}: keeping ${instances(current)}`,
      );
    }
    const up = recommended > current;
    return hold(
      'stabilization',
      up
        ? `${signal} recommends ${recommended}, but the lowest recommendation of the last ${formatElapsed(policy.upStabilizationMs)} (scale-up stabilization) is ${upRecommendation}: keeping ${instances(current)}`
        : `${signal} recommends ${recommended}, but the highest recommendation of the last ${formatElapsed(policy.downStabilizationMs)} (scale-down stabilization) is ${downRecommendation}: keeping ${instances(current)}`,
    );
  }

  const up = stabilized > current;
  const stepped = up
    ? Math.min(stabilized, current + policy.upStep)
    : Math.max(stabilized, current - policy.downStep);
  const bounded = Math.min(Math.max(stepped, policy.minInstances), policy.maxInstances);
  const keepsLastReady = !up && ready >= 1 && bounded < 1;
  const to = keepsLastReady ? 1 : bounded;

  if (to === current) {
    if (keepsLastReady) {
      return hold(
        'last_ready',
        `${signal} recommends ${recommended}, but the last ready instance is never removed: keeping ${instances(current)}`,
      );
    }
    const limit = up
      ? `max_instances is ${policy.maxInstances}`
      : `min_instances is ${policy.minInstances}`;
    return hold(
      'bounds',
      `${signal} recommends ${recommended}, but ${limit}: keeping ${instances(current)}`,
    );
  }

  const heldFor = trend ? now - trend.since : 0;
  if (heldFor < policy.sustainMs) {
    return hold(
      'sustain',
      `${signal} recommends ${recommended}: waiting until it has held for ${formatElapsed(policy.sustainMs)} (so far ${formatElapsed(heldFor)}) before ${current} → ${to}`,
    );
  }
  if (inCooldown) {
    return hold(
      'cooldown',
      `${signal} recommends ${recommended}: ${current} → ${to} waits, as ${cooldownText()}`,
    );
  }

  const notes: string[] = [];
  if (to !== recommended) {
    notes.push(`recommended ${recommended}`);
    if (stabilized !== recommended) notes.push(`stabilized to ${stabilized}`);
    if (stepped !== stabilized) {
      notes.push(up ? `step limit ${policy.upStep}` : `step limit ${policy.downStep}`);
    }
    if (bounded !== stepped) {
      notes.push(
        up ? `max_instances ${policy.maxInstances}` : `min_instances ${policy.minInstances}`,
      );
    }
    if (keepsLastReady) notes.push('the last ready instance stays');
  }
  const during = heldFor > 0 ? ` for ${formatElapsed(heldFor)}` : '';
  const noted = notes.length > 0 ? ` (${notes.join('; ')})` : '';
  return act(to, `${signal}${during}: ${current} → ${to}${noted}`);
}

function assessSignals(
  metrics: ScaleSignals,
  policy: ScalePolicy,
  current: number,
  ready: number,
): Assessed[] {
  const out: Assessed[] = [];
  const consider = (
    signal: SignalReading['signal'],
    known: number | undefined,
    target: number | undefined,
    missing = 0,
  ): void => {
    if (target === undefined || !(target > 0) || !Number.isFinite(target)) return;
    if (known === undefined || !Number.isFinite(known) || known < 0) return;
    const observed = withMissing(known, target, missing, ready);
    const ratio = observed / target;
    const knownRatio = known / target;
    let desired: number;
    let withinTolerance = false;
    let notReadyAsIdle = false;
    if (
      observed !== known &&
      ((knownRatio > 1 && ratio <= 1 + policy.tolerance + EPSILON) ||
        (knownRatio < 1 && ratio >= 1 - policy.tolerance - EPSILON))
    ) {
      // HPA: when counting the instances without a figure reverses the measured direction or
      // lands within tolerance, it does not scale.
      withinTolerance = true;
      desired = current;
    } else if (ratio > 1 && ready < current) {
      // HPA: instances that are not ready yet carry no load, so spread the ready ones' over all.
      notReadyAsIdle = true;
      const spread = (ratio * ready) / current;
      withinTolerance = spread <= 1 + policy.tolerance + EPSILON;
      desired = withinTolerance ? current : ceil(current * spread);
    } else {
      withinTolerance = Math.abs(ratio - 1) <= policy.tolerance + EPSILON;
      desired = withinTolerance ? current : ceil(current * ratio);
    }
    out.push({
      reading: { signal, observed, target, ratio, desired },
      withinTolerance,
      notReadyAsIdle,
    });
  };
  consider('cpu', metrics.cpuPercent, policy.targets.cpuPercent, metrics.cpuMissing);
  consider('memory', metrics.memoryBytes, policy.targets.memoryBytes, metrics.memoryMissing);
  consider('rps', metrics.rpsPerInstance, policy.targets.rpsPerInstance);
  consider('in_flight', metrics.inFlightPerInstance, policy.targets.inFlightPerInstance);
  return out;
}

/**
 * The average over every ready instance when `missing` of them have no figure (HPA's rule for
 * pods without metrics): those count as idle if the others point up, as at the target if down.
 */
function withMissing(known: number, target: number, missing: number, ready: number): number {
  const absent = Math.min(Math.max(0, Math.floor(missing)), ready);
  const measured = ready - absent;
  if (absent === 0 || measured <= 0) return known;
  const assumed = known > target ? 0 : target;
  return (known * measured + assumed * absent) / ready;
}

/** The signal asking for the most instances (the first of equals). */
function decidingSignal(assessed: readonly Assessed[]): Assessed | undefined {
  let best: Assessed | undefined;
  for (const a of assessed) if (!best || a.reading.desired > best.reading.desired) best = a;
  return best;
}

/** Appends, keeping only the newest of a run of equal values. */
function remember(
  past: readonly ScaleRecommendation[],
  now: number,
  instancesNow: number,
): ScaleRecommendation[] {
  const last = past[past.length - 1];
  const kept = last?.instances === instancesNow ? past.slice(0, -1) : past.slice();
  kept.push({ at: now, instances: instancesNow });
  return kept;
}

function nextTrend(
  previous: ScaleTrend | undefined,
  recommended: number,
  current: number,
  now: number,
): ScaleTrend | undefined {
  if (recommended === current) return undefined;
  const direction = recommended > current ? 'up' : 'down';
  return previous?.direction === direction ? previous : { direction, since: now };
}

function ceil(value: number): number {
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.ceil(value - EPSILON)));
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10}%`;
}
