/**
 * One consistent view of the source for one scrape: every collector of a scrape reads the same
 * instance list and the same tick, so a series cannot come from two different moments.
 */
import type { DaemonSample, HostSample, InstanceSample } from '../types.js';
import type { PrometheusInstance, PrometheusSource } from './source.js';

/** The only labels a per-instance series carries: the index, never a pid or an id. */
export interface InstanceLabels {
  process: string;
  index: string;
}

export interface InstanceRow {
  /** One object per instance per scrape, shared by every series of that instance. */
  labels: InstanceLabels;
  instance: PrometheusInstance;
  /** The tick's sample of the process the instance runs now; undefined when there is none. */
  sample: InstanceSample | undefined;
}

export interface ScrapeSnapshot {
  instances: InstanceRow[];
  host: HostSample | undefined;
  daemon: DaemonSample | undefined;
  dataDir: string;
}

export function takeSnapshot(source: PrometheusSource): ScrapeSnapshot {
  const tick = source.tick();
  const samples = new Map<string, InstanceSample>();
  for (const sample of tick?.instances ?? []) samples.set(seriesKey(sample), sample);

  const instances: InstanceRow[] = [];
  for (const instance of source.instances()) {
    const sample = samples.get(seriesKey(instance));
    instances.push({
      labels: { process: instance.process, index: String(instance.index) },
      instance,
      // A sample of an earlier pid (the instance restarted since the tick) describes a process
      // that is gone; showing it under the new one would mislabel its figures.
      sample: sample !== undefined && sample.pid === instance.pid ? sample : undefined,
    });
  }
  return { instances, host: tick?.host, daemon: tick?.daemon, dataDir: source.dataDir };
}

function seriesKey(instance: { process: string; index: number }): string {
  // Process names cannot contain a NUL (config names are letters, digits, ".", "_", "-").
  return `${instance.process}\u0000${instance.index}`;
}
