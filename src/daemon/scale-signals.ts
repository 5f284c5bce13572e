/**
 * What the autoscaler observes of one process, from the parts that measure it: CPU and memory
 * per ready instance from the latest metrics tick, requests per second and calls in flight per
 * ready instance from the balancers. A tick older than three sampling intervals is not used (the
 * figures would be stale), so the autoscaler holds rather than act on old data.
 */
import type { Supervisor } from '../core/index.js';
import type { MetricsTick } from '../services/metrics/index.js';
import type { ScaleSignals } from '../services/scaler/index.js';

export interface ScaleSignalSources {
  supervisor: Supervisor;
  latestTick: () => MetricsTick | undefined;
  metricsIntervalMs: number;
  processLoad: (
    name: string,
  ) => { rpsPerInstance: number; inFlightPerInstance: number } | undefined;
}

export function scaleSignals(sources: ScaleSignalSources, name: string, now: number): ScaleSignals {
  const signals: ScaleSignals = {};
  const program = sources.supervisor.list().find((p) => p.name === name);
  const ready = new Set(program?.ready().map((i) => i.id) ?? []);
  const tick = sources.latestTick();
  if (tick && now - tick.at <= 3 * sources.metricsIntervalMs && ready.size > 0) {
    // Averages over the ready instances with a figure; those without one yet (just became
    // ready) are counted for planScale, which treats them as HPA treats pods without metrics.
    let cpuSum = 0;
    let cpuKnown = 0;
    let rssSum = 0;
    let rssKnown = 0;
    for (const sample of tick.instances) {
      if (sample.process !== name || !ready.has(sample.instance)) continue;
      if (sample.cpuPercent !== null) {
        cpuSum += sample.cpuPercent;
        cpuKnown++;
      }
      rssSum += sample.rssBytes;
      rssKnown++;
    }
    if (cpuKnown > 0) {
      signals.cpuPercent = cpuSum / cpuKnown;
      signals.cpuMissing = ready.size - cpuKnown;
    }
    if (rssKnown > 0) {
      signals.memoryBytes = rssSum / rssKnown;
      signals.memoryMissing = ready.size - rssKnown;
    }
  }
  const load = sources.processLoad(name);
  if (load) {
    signals.rpsPerInstance = load.rpsPerInstance;
    signals.inFlightPerInstance = load.inFlightPerInstance;
  }
  return signals;
}
