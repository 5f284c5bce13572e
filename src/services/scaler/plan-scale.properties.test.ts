/**
 * What planScale promises whatever the signals do: random policies, random signal sequences at
 * random times, each decision applied (current = to) before the next tick.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_SCALE_HISTORY, planScale } from './plan-scale.js';
import type { ScaleDecision, ScaleHistory, ScalePolicy, ScaleSignals } from './types.js';

const T0 = Date.UTC(2026, 0, 1);
const RUNS = 300;

const policyArb: fc.Arbitrary<ScalePolicy> = fc
  .record({
    minInstances: fc.integer({ min: 0, max: 4 }),
    extra: fc.integer({ min: 0, max: 8 }),
    cpu: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
    memory: fc.option(fc.integer({ min: 1 << 20, max: 1 << 30 }), { nil: undefined }),
    rps: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
    inFlight: fc.option(fc.integer({ min: 1, max: 64 }), { nil: undefined }),
    tolerance: fc.constantFrom(0, 0.05, 0.1, 0.25, 0.5),
    sustainMs: fc.constantFrom(0, 1000, 15_000, 30_000),
    cooldownMs: fc.constantFrom(0, 5000, 60_000),
    upStabilizationMs: fc.constantFrom(0, 10_000, 60_000),
    downStabilizationMs: fc.constantFrom(0, 30_000, 300_000),
    upStep: fc.integer({ min: 1, max: 5 }),
    downStep: fc.integer({ min: 1, max: 5 }),
  })
  .map((p) => {
    const targets: ScalePolicy['targets'] = {};
    if (p.cpu !== undefined) targets.cpuPercent = p.cpu;
    if (p.memory !== undefined) targets.memoryBytes = p.memory;
    if (p.rps !== undefined) targets.rpsPerInstance = p.rps;
    if (p.inFlight !== undefined) targets.inFlightPerInstance = p.inFlight;
    return {
      minInstances: p.minInstances,
      maxInstances: Math.max(1, p.minInstances + p.extra),
      targets,
      tolerance: p.tolerance,
      sustainMs: p.sustainMs,
      cooldownMs: p.cooldownMs,
      upStabilizationMs: p.upStabilizationMs,
      downStabilizationMs: p.downStabilizationMs,
      upStep: p.upStep,
      downStep: p.downStep,
    };
  });

/** Each signal as a multiple of a nominal target (0..5×, idle often), or unknown. */
const shareArb = fc.option(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 5, noNaN: true })), {
  nil: undefined,
});
const loadArb = fc.record({ cpu: shareArb, memory: shareArb, rps: shareArb, inFlight: shareArb });
type Load = typeof loadArb extends fc.Arbitrary<infer T> ? T : never;

const signalsFor = (load: Load): ScaleSignals => ({
  cpuPercent: load.cpu === undefined ? undefined : load.cpu * 80,
  memoryBytes: load.memory === undefined ? undefined : load.memory * (256 << 20),
  rpsPerInstance: load.rps === undefined ? undefined : load.rps * 200,
  inFlightPerInstance: load.inFlight === undefined ? undefined : load.inFlight * 8,
});

const tickArb = fc.record({
  dtMs: fc.integer({ min: 0, max: 20_000 }),
  load: loadArb,
  /** Share of the instances that are ready. */
  readyShare: fc.double({ min: 0, max: 1, noNaN: true }),
});

interface Step {
  now: number;
  ready: number;
  decision: ScaleDecision;
}

/** Runs the ticks, applying every decision, and returns what happened. */
function simulate(
  policy: ScalePolicy,
  start: number,
  ticks: ReadonlyArray<{ dtMs: number; signals: ScaleSignals; readyShare: number }>,
): Step[] {
  let history: ScaleHistory = EMPTY_SCALE_HISTORY;
  let current = start;
  let now = T0;
  const steps: Step[] = [];
  for (const tick of ticks) {
    now += tick.dtMs;
    const ready = Math.round(current * tick.readyShare);
    const result = planScale({ current, ready, metrics: tick.signals, policy, history, now });
    history = result.history;
    current = result.decision.to;
    steps.push({ now, ready, decision: result.decision });
  }
  return steps;
}

const withinBounds = (n: number, policy: ScalePolicy): boolean =>
  n >= policy.minInstances && n <= policy.maxInstances;

describe('planScale properties', () => {
  it('never leaves the bounds once inside, and every action lands inside them', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.integer({ min: 0, max: 15 }),
        fc.array(tickArb, { minLength: 1, maxLength: 60 }),
        (policy, start, ticks) => {
          const steps = simulate(
            policy,
            start,
            ticks.map((t) => ({ ...t, signals: signalsFor(t.load) })),
          );
          let inside = withinBounds(start, policy);
          for (const { decision } of steps) {
            if (decision.action !== 'none') expect(withinBounds(decision.to, policy)).toBe(true);
            if (inside) expect(withinBounds(decision.to, policy)).toBe(true);
            inside ||= withinBounds(decision.to, policy);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('never acts within cooldown of the last action', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.integer({ min: 0, max: 15 }),
        fc.array(tickArb, { minLength: 1, maxLength: 60 }),
        (policy, start, ticks) => {
          const steps = simulate(
            policy,
            start,
            ticks.map((t) => ({ ...t, signals: signalsFor(t.load) })),
          );
          let lastActionAt: number | undefined;
          for (const { now, decision } of steps) {
            if (decision.action === 'none') continue;
            if (lastActionAt !== undefined) {
              expect(now - lastActionAt).toBeGreaterThanOrEqual(policy.cooldownMs);
            }
            lastActionAt = now;
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('never removes the last ready instance, and only ever moves as far as it says', () => {
    // min_instances 0 and mostly idle signals, so that scaling to zero is asked for often
    const idleShare = fc.oneof(
      { arbitrary: fc.constant(0), weight: 4 },
      { arbitrary: fc.double({ min: 0, max: 5, noNaN: true }), weight: 1 },
    );
    const idleTickArb = fc.record({
      dtMs: fc.integer({ min: 0, max: 60_000 }),
      load: fc.record({ cpu: idleShare, memory: idleShare, rps: idleShare, inFlight: idleShare }),
      readyShare: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.oneof(
          policyArb,
          policyArb.map((p) => ({ ...p, minInstances: 0 })),
        ),
        fc.integer({ min: 0, max: 15 }),
        fc.array(fc.oneof(tickArb, idleTickArb), { minLength: 1, maxLength: 60 }),
        (policy, start, ticks) => {
          const steps = simulate(
            policy,
            start,
            ticks.map((t) => ({ ...t, signals: signalsFor(t.load) })),
          );
          for (const { ready, decision } of steps) {
            if (decision.action === 'scale_down' && ready >= 1) {
              expect(decision.to).toBeGreaterThanOrEqual(1);
            }
            if (decision.action === 'none') expect(decision.to).toBe(decision.from);
            if (decision.action === 'scale_up') expect(decision.to).toBeGreaterThan(decision.from);
            if (decision.action === 'scale_down') expect(decision.to).toBeLessThan(decision.from);
            expect(decision.action === 'none' || decision.held === undefined).toBe(true);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a steady signal never flaps: the direction of actions never reverses', () => {
    fc.assert(
      fc.property(
        policyArb,
        loadArb,
        fc.array(
          fc.record({
            dtMs: fc.integer({ min: 0, max: 20_000 }),
            readyShare: fc.double({ min: 0, max: 1, noNaN: true }),
          }),
          { minLength: 1, maxLength: 80 },
        ),
        fc.integer({ min: 0, max: 10 }),
        (policy, load, ticks, offset) => {
          const start = Math.min(policy.maxInstances, policy.minInstances + offset);
          const signals = signalsFor(load);
          const steps = simulate(
            policy,
            start,
            ticks.map((t) => ({ ...t, signals })),
          );
          const directions = steps.map((s) => s.decision.action).filter((a) => a !== 'none');
          expect(new Set(directions).size).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('within tolerance it holds, again and again', () => {
    fc.assert(
      fc.property(
        policyArb.filter((p) => Object.keys(p.targets).length > 0),
        fc.integer({ min: 0, max: 10 }),
        fc.array(
          fc.record({
            dtMs: fc.integer({ min: 0, max: 60_000 }),
            readyShare: fc.double({ min: 0, max: 1, noNaN: true }),
            /** Each signal somewhere within the tolerance band around its target. */
            within: fc.array(fc.double({ min: -0.999, max: 0.999, noNaN: true }), {
              minLength: 4,
              maxLength: 4,
            }),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        (policy, offset, ticks) => {
          const start = Math.min(policy.maxInstances, policy.minInstances + offset);
          const at = (t: { within: number[] }, i: number, target: number | undefined) =>
            target === undefined ? undefined : target * (1 + policy.tolerance * (t.within[i] ?? 0));
          const steps = simulate(
            policy,
            start,
            ticks.map((t) => ({
              ...t,
              signals: {
                cpuPercent: at(t, 0, policy.targets.cpuPercent),
                memoryBytes: at(t, 1, policy.targets.memoryBytes),
                rpsPerInstance: at(t, 2, policy.targets.rpsPerInstance),
                inFlightPerInstance: at(t, 3, policy.targets.inFlightPerInstance),
              },
            })),
          );
          for (const { decision } of steps) {
            expect(decision).toMatchObject({ action: 'none', to: start, recommended: start });
            expect(decision.held).toBe('tolerance');
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('is pure: the same input gives the same answer and the input is left alone', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.integer({ min: 0, max: 15 }),
        fc.array(tickArb, { minLength: 2, maxLength: 30 }),
        (policy, start, ticks) => {
          let history: ScaleHistory = EMPTY_SCALE_HISTORY;
          let current = start;
          let now = T0;
          for (const tick of ticks) {
            now += tick.dtMs;
            const input = {
              current,
              ready: Math.round(current * tick.readyShare),
              metrics: signalsFor(tick.load),
              policy,
              history: structuredClone(history),
              now,
            };
            const before = structuredClone(input);
            const first = planScale(input);
            expect(input).toEqual(before);
            expect(planScale(input)).toEqual(first);
            history = first.history;
            current = first.decision.to;
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
