/**
 * An instance that is ready but has no CPU figure yet (its first sample, or it became ready after
 * the latest tick): HPA counts such a pod at 0 % on a scale-up and at the target on a scale-down,
 * so a brand-new instance neither asks for more instances nor for fewer.
 */
import { describe, expect, it } from 'vitest';
import type { Supervisor } from '../core/index.js';
import type { InstanceSample, MetricsTick } from '../services/metrics/index.js';
import { EMPTY_SCALE_HISTORY, planScale, type ScalePolicy } from '../services/scaler/index.js';
import { scaleSignals } from './scale-signals.js';

const NOW = 1_000_000;

function sample(instance: string, cpuPercent: number | null): InstanceSample {
  return { process: 'api', instance, cpuPercent, rssBytes: 1 } as unknown as InstanceSample;
}

const supervisor = {
  list: () => [{ name: 'api', ready: () => [{ id: 'api-0' }, { id: 'api-1' }] }],
} as unknown as Supervisor;

const POLICY: ScalePolicy = {
  minInstances: 1,
  maxInstances: 4,
  targets: { cpuPercent: 80 },
  tolerance: 0.1,
  sustainMs: 0,
  cooldownMs: 0,
  upStabilizationMs: 0,
  downStabilizationMs: 0,
  upStep: 4,
  downStep: 1,
};

describe('scaleSignals with a ready instance that has no CPU figure yet', () => {
  it('does not make the plan remove an instance (HPA: missing = target on the way down)', () => {
    const tick = { at: NOW, instances: [sample('api-0', 60), sample('api-1', null)] };
    const signals = scaleSignals(
      {
        supervisor,
        latestTick: () => tick as unknown as MetricsTick,
        metricsIntervalMs: 1000,
        processLoad: () => undefined,
      },
      'api',
      NOW,
    );
    // HPA: 60 % < 80 %, so the missing pod counts at the target: (60 + 80) / 2 = 70, ratio
    // 0.875, ceil(2 × 0.875) = 2. The docs' "left out": 60, ceil(2 × 0.75) = 2. Today: 30 → 1.
    const { decision } = planScale({
      current: 2,
      ready: 2,
      metrics: signals,
      policy: POLICY,
      history: EMPTY_SCALE_HISTORY,
      now: NOW,
    });
    expect(decision.recommended, decision.reason).toBe(2);
  });
});
