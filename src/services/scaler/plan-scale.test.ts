import { describe, expect, it } from 'vitest';
import type { ScalingConfig } from '../../config/index.js';
import { EMPTY_SCALE_HISTORY, planScale, type PlanScaleInput } from './plan-scale.js';
import { scalePolicy } from './scale-policy.js';
import type { ScaleHistory, ScalePolicy } from './types.js';

const T0 = Date.UTC(2026, 0, 1);
const GiB = 1024 ** 3;

/** Every HPA brake off, so each test turns on only the one it is about. */
const POLICY: ScalePolicy = {
  minInstances: 1,
  maxInstances: 10,
  targets: { cpuPercent: 80 },
  tolerance: 0.1,
  sustainMs: 0,
  cooldownMs: 0,
  upStabilizationMs: 0,
  downStabilizationMs: 0,
  upStep: 100,
  downStep: 100,
};

const policyWith = (overrides: Partial<ScalePolicy>): ScalePolicy => ({ ...POLICY, ...overrides });

function plan(input: Partial<PlanScaleInput>) {
  return planScale({
    current: 2,
    ready: input.current ?? 2,
    metrics: {},
    policy: POLICY,
    history: EMPTY_SCALE_HISTORY,
    now: T0,
    ...input,
  });
}

/** Feeds planScale a series of ticks, carrying the history, and returns every decision. */
function run(
  ticks: Array<{ at: number; cpu?: number; current?: number; ready?: number }>,
  policy: ScalePolicy,
  startHistory: ScaleHistory = EMPTY_SCALE_HISTORY,
) {
  let history = startHistory;
  let current = ticks[0]?.current ?? 2;
  return ticks.map((tick) => {
    if (tick.current !== undefined) current = tick.current;
    const result = planScale({
      current,
      ready: tick.ready ?? current,
      metrics: { cpuPercent: tick.cpu },
      policy,
      history,
      now: tick.at,
    });
    history = result.history;
    current = result.decision.to;
    return result.decision;
  });
}

describe('scalePolicy', () => {
  const config: ScalingConfig = {
    enabled: true,
    min_instances: 2,
    max_instances: 8,
    cpu_threshold: 80,
    rps_threshold: 0,
    in_flight_threshold: 0,
    sustain: 15_000,
    cooldown: 60_000,
    tolerance: 0.1,
    scale_up_stabilization: 0,
    scale_down_stabilization: 300_000,
    scale_up_step: 4,
    scale_down_step: 1,
  };

  it('maps every field and keeps only the configured signals', () => {
    expect(scalePolicy(config)).toEqual({
      minInstances: 2,
      maxInstances: 8,
      targets: { cpuPercent: 80 },
      tolerance: 0.1,
      sustainMs: 15_000,
      cooldownMs: 60_000,
      upStabilizationMs: 0,
      downStabilizationMs: 300_000,
      upStep: 4,
      downStep: 1,
    });
  });

  it('a threshold of 0 is no signal; set ones are targets', () => {
    const policy = scalePolicy({
      ...config,
      cpu_threshold: 0,
      memory_threshold: GiB,
      rps_threshold: 200,
      in_flight_threshold: 16,
    });
    expect(policy.targets).toEqual({
      memoryBytes: GiB,
      rpsPerInstance: 200,
      inFlightPerInstance: 16,
    });
    expect('cpuPercent' in policy.targets).toBe(false);
  });
});

describe('planScale: the HPA formula', () => {
  it('desired = ceil(current × observed / target)', () => {
    const { decision } = plan({ current: 3, metrics: { cpuPercent: 100 } });
    expect(decision).toMatchObject({ action: 'scale_up', from: 3, to: 4, recommended: 4 });
    expect(decision.signals).toEqual([
      { signal: 'cpu', observed: 100, target: 80, ratio: 1.25, desired: 4 },
    ]);
  });

  it('takes the max over signals and names the deciding one', () => {
    const policy = policyWith({ targets: { cpuPercent: 80, rpsPerInstance: 100 } });
    const { decision } = plan({ policy, metrics: { cpuPercent: 40, rpsPerInstance: 300 } });
    expect(decision.signals.map((s) => [s.signal, s.desired])).toEqual([
      ['cpu', 1],
      ['rps', 6],
    ]);
    expect(decision).toMatchObject({ action: 'scale_up', to: 6, recommended: 6 });
    expect(decision.reason).toBe('300 requests/s per instance against a target of 100: 2 → 6');
  });

  it('scales down when every signal asks for fewer', () => {
    const policy = policyWith({ targets: { cpuPercent: 80, inFlightPerInstance: 10 } });
    const { decision } = plan({
      current: 6,
      policy,
      metrics: { cpuPercent: 20, inFlightPerInstance: 4 },
    });
    // cpu: ceil(6 × 0.25) = 2; in flight: ceil(6 × 0.4) = 3
    expect(decision).toMatchObject({ action: 'scale_down', from: 6, to: 3, recommended: 3 });
    expect(decision.reason).toMatch(
      /^4 calls in flight per instance against a target of 10: 6 → 3$/,
    );
  });

  it('float noise neither adds an instance nor leaves the tolerance', () => {
    // 88 / 80 - 1 = 0.10000000000000009 in floating point, 10 % as far as anyone can tell
    expect(plan({ current: 10, metrics: { cpuPercent: 88 } }).decision).toMatchObject({
      action: 'none',
      held: 'tolerance',
    });
    // 7 × (29 / 7) = 29.000000000000004 in floating point
    const noisy = plan({
      current: 7,
      metrics: { cpuPercent: 29 },
      policy: policyWith({ targets: { cpuPercent: 7 }, maxInstances: 100 }),
    });
    expect(noisy.decision).toMatchObject({ action: 'scale_up', to: 29, recommended: 29 });
  });

  it('describes memory in binary units', () => {
    const policy = policyWith({ targets: { memoryBytes: GiB } });
    const { decision } = plan({ policy, metrics: { memoryBytes: 1.5 * GiB } });
    expect(decision.reason).toBe('memory 1.5GiB per instance against a target of 1GiB: 2 → 3');
  });
});

describe('planScale: tolerance', () => {
  it('keeps current while the deciding signal is within 10 % of its target', () => {
    for (const cpu of [72, 80, 86, 88]) {
      const { decision } = plan({ current: 4, metrics: { cpuPercent: cpu } });
      expect(decision, `cpu ${cpu}`).toMatchObject({
        action: 'none',
        to: 4,
        recommended: 4,
        held: 'tolerance',
      });
      expect(decision.reason).toContain('within tolerance (10%): keeping 4 instances');
    }
  });

  it('a signal within tolerance holds off another that asks for fewer', () => {
    const policy = policyWith({ targets: { cpuPercent: 80, rpsPerInstance: 100 } });
    const { decision } = plan({
      current: 4,
      policy,
      metrics: { cpuPercent: 84, rpsPerInstance: 10 },
    });
    expect(decision).toMatchObject({ action: 'none', held: 'tolerance', recommended: 4 });
  });

  it('on target without the tolerance is no hold at all', () => {
    // ceil(1 × 0.5) = 1: the formula itself asks for what runs
    const { decision } = plan({ current: 1, metrics: { cpuPercent: 40 } });
    expect(decision).toMatchObject({ action: 'none', to: 1, held: undefined });
    expect(decision.reason).toBe(
      'cpu 40% of one core per instance against a target of 80%: keeping 1 instance',
    );
  });
});

describe('planScale: ready instances without a figure yet (HPA missing metrics)', () => {
  it('count as idle when the others point up', () => {
    // 160 % on the one measured instance of two: as if the other were at 0 %, 80 % on average.
    const { decision } = plan({ current: 2, metrics: { cpuPercent: 160, cpuMissing: 1 } });
    expect(decision).toMatchObject({ action: 'none', to: 2, held: 'tolerance' });
    expect(decision.signals[0]).toMatchObject({ observed: 80, ratio: 1 });
    // Without the missing one, the same figure asks for four.
    expect(plan({ current: 2, metrics: { cpuPercent: 160 } }).decision.to).toBe(4);
  });

  it('never reverse the measured direction (HPA: then it does not scale)', () => {
    // Just after 1 → 4: the old instance still runs hot (120 % against 80), the three new ones
    // are ready without a figure. Counted idle they would average 30 % and ask for 2.
    const { decision } = plan({ current: 4, metrics: { cpuPercent: 120, cpuMissing: 3 } });
    expect(decision).toMatchObject({ action: 'none', to: 4, held: 'tolerance' });
    // Measured below target, counted at target: 70 % on 5 of 10 and 5 missing average 75 %,
    // within tolerance: no scale-down (70 % alone would ask for 9).
    expect(
      plan({ current: 10, metrics: { cpuPercent: 70, cpuMissing: 5 } }).decision,
    ).toMatchObject({
      action: 'none',
      to: 10,
    });
    expect(plan({ current: 10, metrics: { cpuPercent: 70 } }).decision.to).toBe(9);
  });

  it('count as at the target when the others point down', () => {
    // 20 % on one of two against 80: (20 + 80) / 2 = 50 %, ceil(2 × 0.625) = 2.
    const { decision } = plan({ current: 2, metrics: { cpuPercent: 20, cpuMissing: 1 } });
    expect(decision).toMatchObject({ action: 'none', to: 2 });
    expect(decision.signals[0]).toMatchObject({ observed: 50 });
    expect(plan({ current: 2, metrics: { cpuPercent: 20 } }).decision.to).toBe(1);
  });
});

describe('planScale: instances that are not ready yet', () => {
  it('count as idle when a signal points up, so a scale-up is not asked for twice', () => {
    // 2 ready at 160 % while 2 more start: spread over 4 it is 80 %, on target
    const { decision } = plan({ current: 4, ready: 2, metrics: { cpuPercent: 160 } });
    expect(decision).toMatchObject({ action: 'none', held: 'tolerance', recommended: 4 });
    expect(decision.signals[0]).toMatchObject({ ratio: 2, desired: 4 });
    expect(decision.reason).toContain('2 instances not ready yet counted as idle');
  });

  it('still scale up when the ready ones carry more than all would', () => {
    const { decision } = plan({ current: 4, ready: 2, metrics: { cpuPercent: 240 } });
    // ceil(2 ready × 3) = 6
    expect(decision).toMatchObject({ action: 'scale_up', to: 6 });
  });

  it('do not change a scale-down', () => {
    const { decision } = plan({ current: 4, ready: 2, metrics: { cpuPercent: 20 } });
    expect(decision).toMatchObject({ action: 'scale_down', to: 1 });
  });
});

describe('planScale: sustain', () => {
  const policy = policyWith({ sustainMs: 15_000 });

  it('acts once the recommendation has pointed the same way for sustain', () => {
    const decisions = run(
      [
        { at: T0, cpu: 163 },
        { at: T0 + 5_000, cpu: 163 },
        { at: T0 + 15_000, cpu: 163 },
      ],
      policy,
    );
    expect(decisions.map((d) => [d.action, d.held])).toEqual([
      ['none', 'sustain'],
      ['none', 'sustain'],
      ['scale_up', undefined],
    ]);
    expect(decisions[1]!.reason).toBe(
      'cpu 163% of one core per instance against a target of 80% recommends 5: waiting until it has held for 15s (so far 5s) before 2 → 5',
    );
    expect(decisions[2]!.reason).toBe(
      'cpu 163% of one core per instance against a target of 80% for 15s: 2 → 5',
    );
  });

  it('starts over when the signal falls back into tolerance or goes unknown', () => {
    const decisions = run(
      [
        { at: T0, cpu: 163 },
        { at: T0 + 10_000, cpu: 80 },
        { at: T0 + 12_000, cpu: 163 },
        { at: T0 + 20_000 },
        { at: T0 + 22_000, cpu: 163 },
        { at: T0 + 36_000, cpu: 163 },
        { at: T0 + 37_000, cpu: 163 },
      ],
      policy,
    );
    expect(decisions.map((d) => d.held ?? d.action)).toEqual([
      'sustain',
      'tolerance',
      'sustain',
      'no_signal',
      'sustain',
      'sustain',
      'scale_up',
    ]);
  });

  it('starts over after an action', () => {
    const decisions = run(
      [
        { at: T0, cpu: 400 },
        { at: T0 + 15_000, cpu: 400 },
        { at: T0 + 20_000, cpu: 400 },
      ],
      policyWith({ sustainMs: 15_000, upStep: 1 }),
    );
    expect(decisions.map((d) => d.held ?? d.action)).toEqual(['sustain', 'scale_up', 'sustain']);
  });
});

describe('planScale: cooldown', () => {
  it('takes no action within cooldown of the last one, then acts', () => {
    const decisions = run(
      [
        { at: T0, cpu: 400 },
        { at: T0 + 30_000, cpu: 400 },
        { at: T0 + 60_000, cpu: 400 },
      ],
      policyWith({ cooldownMs: 60_000, upStep: 2 }),
    );
    expect(decisions.map((d) => [d.action, d.from, d.to, d.held])).toEqual([
      ['scale_up', 2, 4, undefined],
      ['none', 4, 4, 'cooldown'],
      ['scale_up', 4, 6, undefined],
    ]);
    expect(decisions[1]!.reason).toBe(
      'cpu 400% of one core per instance against a target of 80% recommends 20: 4 → 6 waits, as the last scale action was 30s ago (cooldown 1m)',
    );
  });
});

describe('planScale: stabilization windows', () => {
  it('scales down only to the highest recommendation of the down-window', () => {
    const policy = policyWith({ downStabilizationMs: 300_000 });
    const decisions = run(
      [
        { at: T0, cpu: 80, current: 4 }, // recommends 4
        { at: T0 + 60_000, cpu: 60 }, // 3
        { at: T0 + 120_000, cpu: 20 }, // 1
        { at: T0 + 300_001, cpu: 20 }, // the 4 has left the window: down to 3
        { at: T0 + 360_001, cpu: 20 }, // the 3 has left: down to 1
      ],
      policy,
    );
    expect(decisions.map((d) => [d.action, d.to, d.recommended, d.held])).toEqual([
      ['none', 4, 4, 'tolerance'],
      ['none', 4, 3, 'stabilization'],
      ['none', 4, 1, 'stabilization'],
      ['scale_down', 3, 1, undefined],
      ['scale_down', 1, 1, undefined],
    ]);
    expect(decisions[2]!.reason).toContain(
      'recommends 1, but the highest recommendation of the last 5m (scale-down stabilization) is 4: keeping 4 instances',
    );
    expect(decisions[3]!.reason).toContain('(recommended 1; stabilized to 3)');
  });

  it('scales up only to the lowest recommendation of the up-window', () => {
    const policy = policyWith({ upStabilizationMs: 60_000 });
    const decisions = run(
      [
        { at: T0, cpu: 80 }, // 2
        { at: T0 + 10_000, cpu: 240 }, // 6
        { at: T0 + 20_000, cpu: 160 }, // 4
        { at: T0 + 60_001, cpu: 240 }, // window: 6, 4, 6 → up to 4
      ],
      policy,
    );
    expect(decisions.map((d) => [d.action, d.to, d.held])).toEqual([
      ['none', 2, 'tolerance'],
      ['none', 2, 'stabilization'],
      ['none', 2, 'stabilization'],
      ['scale_up', 4, undefined],
    ]);
    expect(decisions[2]!.reason).toContain(
      'recommends 4, but the lowest recommendation of the last 1m (scale-up stabilization) is 2: keeping 2 instances',
    );
    expect(decisions[3]!.reason).toMatch(/: 2 → 4 \(recommended 6; stabilized to 4\)$/);
  });

  it('keeps only the longest window of recommendations, one entry per run of equal values', () => {
    const policy = policyWith({ upStabilizationMs: 10_000, downStabilizationMs: 30_000 });
    let history = EMPTY_SCALE_HISTORY;
    for (let at = T0; at <= T0 + 60_000; at += 1000) {
      const cpu = at < T0 + 40_000 ? 80 : 84; // both recommend 2 while at 2
      history = planScale({
        current: 2,
        ready: 2,
        metrics: { cpuPercent: cpu },
        policy,
        history,
        now: at,
      }).history;
    }
    expect(history.recommendations).toEqual([{ at: T0 + 60_000, instances: 2 }]);
    const mixed = run(
      [
        { at: T0, cpu: 80 },
        { at: T0 + 10_000, cpu: 120 },
        { at: T0 + 40_000, cpu: 80 },
      ],
      policyWith({ downStabilizationMs: 30_000, sustainMs: 1_000_000 }),
    );
    expect(mixed.map((d) => d.recommended)).toEqual([2, 3, 2]);
  });
});

describe('planScale: steps and bounds', () => {
  it('adds at most upStep and removes at most downStep', () => {
    const up = plan({
      metrics: { cpuPercent: 800 },
      policy: policyWith({ upStep: 4, maxInstances: 100 }),
    });
    expect(up.decision).toMatchObject({ action: 'scale_up', to: 6, recommended: 20 });
    expect(up.decision.reason).toMatch(/: 2 → 6 \(recommended 20; step limit 4\)$/);
    const down = plan({
      current: 8,
      metrics: { cpuPercent: 8 },
      policy: policyWith({ downStep: 1 }),
    });
    expect(down.decision).toMatchObject({ action: 'scale_down', to: 7, recommended: 1 });
  });

  it('is capped at max_instances and floored at min_instances', () => {
    const capped = plan({ current: 8, metrics: { cpuPercent: 800 } });
    expect(capped.decision).toMatchObject({ action: 'scale_up', to: 10 });
    expect(capped.decision.reason).toMatch(/\(recommended 80; max_instances 10\)$/);
    const atMax = plan({ current: 10, metrics: { cpuPercent: 800 } });
    expect(atMax.decision).toMatchObject({ action: 'none', to: 10, held: 'bounds' });
    expect(atMax.decision.reason).toMatch(
      /recommends 100, but max_instances is 10: keeping 10 instances$/,
    );
    const atMin = plan({
      current: 2,
      metrics: { cpuPercent: 8 },
      policy: policyWith({ minInstances: 2 }),
    });
    expect(atMin.decision).toMatchObject({ action: 'none', held: 'bounds' });
    expect(atMin.decision.reason).toContain('min_instances is 2');
  });

  it('moves back inside the bounds at once, without signals or sustain', () => {
    const policy = policyWith({ sustainMs: 60_000, minInstances: 2, maxInstances: 4 });
    expect(plan({ current: 6, policy }).decision).toMatchObject({
      action: 'scale_down',
      to: 4,
      reason: '6 instances is above max_instances 4: 6 → 4',
    });
    expect(plan({ current: 0, ready: 0, policy }).decision).toMatchObject({
      action: 'scale_up',
      to: 2,
      reason: '0 instances is below min_instances 2: 0 → 2',
    });
  });

  it('but not within cooldown', () => {
    const policy = policyWith({ cooldownMs: 60_000, maxInstances: 4 });
    const history: ScaleHistory = { recommendations: [], lastScaleAt: T0 - 10_000 };
    const { decision } = plan({ current: 6, policy, history });
    expect(decision).toMatchObject({ action: 'none', to: 6, held: 'cooldown' });
    expect(decision.reason).toBe(
      '6 instances is above max_instances 4, but the last scale action was 10s ago (cooldown 1m)',
    );
  });
});

describe('planScale: the last ready instance', () => {
  const policy = policyWith({ minInstances: 0 });

  it('is never removed, even with min_instances 0', () => {
    const { decision } = plan({ current: 1, ready: 1, policy, metrics: { cpuPercent: 0 } });
    expect(decision).toMatchObject({ action: 'none', to: 1, recommended: 0, held: 'last_ready' });
    expect(decision.reason).toContain('the last ready instance is never removed');
  });

  it('stays when a scale-down would go to zero', () => {
    const { decision } = plan({ current: 3, ready: 1, policy, metrics: { cpuPercent: 0 } });
    expect(decision).toMatchObject({ action: 'scale_down', to: 1 });
    expect(decision.reason).toContain('the last ready instance stays');
  });

  it('is no concern when none is ready', () => {
    const { decision } = plan({ current: 2, ready: 0, policy, metrics: { cpuPercent: 0 } });
    expect(decision).toMatchObject({ action: 'scale_down', to: 0 });
  });
});

describe('planScale: no signal', () => {
  it('takes no action while nothing is known', () => {
    const { decision, history } = plan({ current: 3, metrics: {} });
    expect(decision).toMatchObject({ action: 'none', to: 3, held: 'no_signal', signals: [] });
    expect(decision.reason).toBe('no value is known yet for cpu: keeping 3 instances');
    expect(history.recommendations).toEqual([]);
  });

  it('ignores values without a target and values that are not numbers', () => {
    for (const metrics of [
      { rpsPerInstance: 500 },
      { cpuPercent: Number.NaN },
      { cpuPercent: -1 },
    ]) {
      expect(plan({ metrics }).decision.held).toBe('no_signal');
    }
  });

  it('says so when no signal is configured', () => {
    const { decision } = plan({
      policy: policyWith({ targets: {} }),
      metrics: { cpuPercent: 500 },
    });
    expect(decision.reason).toContain('no scaling signal is configured');
  });
});

describe('planScale: purity', () => {
  it('never mutates its input history and answers the same for the same input', () => {
    const history: ScaleHistory = Object.freeze({
      recommendations: Object.freeze([Object.freeze({ at: T0 - 1000, instances: 5 })]),
      trend: Object.freeze({ direction: 'up' as const, since: T0 - 1000 }),
    });
    const input = {
      current: 2,
      ready: 2,
      metrics: { cpuPercent: 300 },
      policy: policyWith({ upStabilizationMs: 5000 }),
      history,
      now: T0,
    };
    const first = planScale(input);
    expect(planScale(input)).toEqual(first);
    expect(first.decision).toMatchObject({ action: 'scale_up', to: 5 });
    expect(first.history).toEqual({
      recommendations: [
        { at: T0 - 1000, instances: 5 },
        { at: T0, instances: 8 },
      ],
      trend: undefined,
      lastScaleAt: T0,
    });
  });
});
