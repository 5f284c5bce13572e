/**
 * The autoscaler's vocabulary. The names follow the Kubernetes HorizontalPodAutoscaler (ratio,
 * desired, tolerance, stabilization window) so an operator who knows HPA can read a decision.
 */

/** Observed averages per READY instance; undefined = not known (no sample yet). */
export interface ScaleSignals {
  /** Percent of one core, averaged over the ready instances that have a figure. */
  cpuPercent?: number | undefined;
  /** Averaged over the ready instances that have a figure. */
  memoryBytes?: number | undefined;
  /**
   * Ready instances without a CPU (memory) figure yet, e.g. one that just became ready. As HPA
   * does with pods without metrics, they count as idle when the signal points up and as at the
   * target when it points down, so a new instance neither asks for more nor for fewer.
   */
  cpuMissing?: number | undefined;
  memoryMissing?: number | undefined;
  /** Requests per second per instance, from the balancer. */
  rpsPerInstance?: number | undefined;
  /** Streams in flight per instance, from the balancer. */
  inFlightPerInstance?: number | undefined;
}

/** The per-instance targets a process scales towards; only the configured ones are present. */
export interface ScaleTargets {
  cpuPercent?: number | undefined;
  memoryBytes?: number | undefined;
  rpsPerInstance?: number | undefined;
  inFlightPerInstance?: number | undefined;
}

/** `scaling` of a process, in milliseconds and without the config's spelling. */
export interface ScalePolicy {
  minInstances: number;
  maxInstances: number;
  targets: ScaleTargets;
  /** No change while the deciding signal is within this fraction of its target (HPA: 0.1). */
  tolerance: number;
  /** The recommendation must point the same way this long before an action. */
  sustainMs: number;
  /** No action for this long after an action. */
  cooldownMs: number;
  /** Scale up only to the lowest recommendation of this window (HPA scaleUp stabilization). */
  upStabilizationMs: number;
  /** Scale down only to the highest recommendation of this window (HPA scaleDown stabilization). */
  downStabilizationMs: number;
  /** At most this many instances added per action. */
  upStep: number;
  /** At most this many instances removed per action. */
  downStep: number;
}

/** One raw recommendation (before sustain, stabilization, steps and bounds). */
export interface ScaleRecommendation {
  readonly at: number;
  readonly instances: number;
}

/** Since when the raw recommendation has pointed the same way, without a break. */
export interface ScaleTrend {
  readonly direction: 'up' | 'down';
  readonly since: number;
}

/**
 * What planScale remembers between calls; a new value is returned by every call and the old one
 * is never mutated.
 */
export interface ScaleHistory {
  /**
   * Raw recommendations within the longest stabilization window, oldest first. A run of equal
   * values keeps only its newest entry: the window's min and max are the same without the others.
   */
  readonly recommendations: readonly ScaleRecommendation[];
  readonly trend?: ScaleTrend | undefined;
  /** When the last scale action was decided. */
  readonly lastScaleAt?: number | undefined;
}

export type ScaleSignalName = 'cpu' | 'memory' | 'rps' | 'in_flight';

export interface SignalReading {
  signal: ScaleSignalName;
  observed: number;
  target: number;
  /** observed / target. */
  ratio: number;
  /** What this signal alone asks for: ceil(current × ratio), or current within tolerance. */
  desired: number;
}

export type ScaleAction = 'scale_up' | 'scale_down' | 'none';

/** Why an action that the signals point to was not taken (or was cut short) this time. */
export type ScaleHold =
  'tolerance' | 'sustain' | 'cooldown' | 'stabilization' | 'no_signal' | 'last_ready' | 'bounds';

export interface ScaleDecision {
  at: number;
  action: ScaleAction;
  from: number;
  to: number;
  /** The raw max over signals, before sustain, stabilization, steps and bounds. */
  recommended: number;
  /** One operator-readable sentence. */
  reason: string;
  held?: ScaleHold | undefined;
  signals: SignalReading[];
  /** Set by the loop when applying the decision failed (the message is also in `reason`). */
  error?: string | undefined;
}

/** A process the loop scales. */
export interface ScalerTarget {
  name: string;
  policy: ScalePolicy;
  /** Instances that exist (starting, ready or not). */
  current: number;
  /** Instances that are ready (healthy). */
  ready: number;
  /** An operation (start, stop, update...) is in progress: skip this tick. */
  busy: boolean;
}
