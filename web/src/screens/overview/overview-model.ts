/** The overview's pure parts: alerts from the process list, live totals, the host CPU series. */
import type { ChartData } from '../../components/chart';
import type { MetricsFrame, ProcessDetail, ProcessSummary } from '../../api/types';

export interface Alert {
  process: string;
  status: ProcessSummary['status'];
  /** Why, from the first troubled instance of the detail when it is loaded. */
  reason: string | undefined;
}

const TROUBLED = ['failed', 'backoff', 'unhealthy'];

/** Failed and degraded processes; their reasons come from the details fetched for them alone. */
export function alertsFor(
  items: readonly ProcessSummary[],
  details: ReadonlyMap<string, ProcessDetail>,
): Alert[] {
  return items
    .filter((p) => p.status === 'failed' || p.status === 'degraded')
    .map((p) => {
      const detail = details.get(p.name);
      const troubled = detail?.instances
        .filter((i) => TROUBLED.includes(i.status))
        .sort((a, b) => TROUBLED.indexOf(a.status) - TROUBLED.indexOf(b.status));
      const first = troubled?.[0];
      const reason = first
        ? `#${first.index} ${first.status}${first.reason ? `: ${first.reason}` : ''}${troubled.length > 1 ? ` (and ${troubled.length - 1} more)` : ''}`
        : detail && detail.ready_count < detail.desired
          ? `${detail.ready_count} of ${detail.desired} instances ready`
          : undefined;
      return { process: p.name, status: p.status, reason };
    });
}

export interface Totals {
  cpu: number | null;
  memory: number;
  instances: number;
}

/** A process's CPU and memory summed over its instances in the latest frame. */
export function totalsFor(frame: MetricsFrame | undefined, process: string): Totals | undefined {
  if (!frame) return undefined;
  let cpu: number | null = null;
  let memory = 0;
  let instances = 0;
  for (const m of frame.instances) {
    if (m.process_name !== process) continue;
    instances++;
    memory += m.memory_usage;
    if (m.cpu_usage !== null) cpu = (cpu ?? 0) + m.cpu_usage;
  }
  return instances === 0 ? undefined : { cpu, memory, instances };
}

/** The host's CPU and the used memory share over the live window. */
export function hostSeries(frames: readonly MetricsFrame[]): ChartData {
  return {
    x: frames.map((f) => Math.floor(Date.parse(f.time) / 1000)),
    series: [
      { label: 'CPU', values: frames.map((f) => f.host.cpu_percent) },
      {
        label: 'Memory',
        values: frames.map((f) =>
          f.host.memory_total > 0 ? (f.host.memory_used / f.host.memory_total) * 100 : null,
        ),
      },
    ],
  };
}
