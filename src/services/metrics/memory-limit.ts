/**
 * `restart.max_memory` (PM2's max_memory_restart): which sampled instances are over their
 * process's limit. Pure: the service decides when to act and records the event.
 */
import type { InstanceSample } from './types.js';

export interface MemoryLimitBreach {
  sample: InstanceSample;
  limitBytes: number;
}

export function findMemoryLimitBreaches(
  samples: readonly InstanceSample[],
  limitOf: (sample: InstanceSample) => number | undefined,
): MemoryLimitBreach[] {
  const breaches: MemoryLimitBreach[] = [];
  for (const sample of samples) {
    const limitBytes = limitOf(sample);
    if (limitBytes !== undefined && limitBytes > 0 && sample.rssBytes > limitBytes) {
      breaches.push({ sample, limitBytes });
    }
  }
  return breaches;
}
