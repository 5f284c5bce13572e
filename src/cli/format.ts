/** Text output of the CLI: tables like `pm2 ls`, durations like `3h12m`. */
import type {
  AutoscaleView,
  BalancerView,
  InstanceView,
  LogLineView,
  ProcessSummary,
} from '../app/index.js';

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatUptime(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${seconds % 60 ? `${seconds % 60}s` : ''}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h${minutes % 60 ? `${minutes % 60}m` : ''}`;
  const days = Math.floor(hours / 24);
  return `${days}d${hours % 24 ? `${hours % 24}h` : ''}`;
}

export function statusTable(
  processes: Array<{ summary: ProcessSummary; instances: InstanceView[] }>,
): string {
  const rows: string[][] = [];
  for (const { summary, instances } of processes) {
    if (instances.length === 0) {
      rows.push([
        summary.name,
        '-',
        '-',
        summary.status,
        '-',
        '-',
        '-',
        String(summary.restarts),
        '-',
        '-',
      ]);
    }
    for (const instance of instances) {
      rows.push([
        summary.name,
        String(instance.index),
        instance.id,
        instance.status +
          (instance.status === 'backoff' && instance.next_attempt_at
            ? ` (next ${new Date(instance.next_attempt_at).toISOString().slice(11, 19)})`
            : ''),
        instance.pid === null ? '-' : String(instance.pid),
        instance.port === null ? '-' : String(instance.port),
        formatUptime(instance.uptime_seconds),
        String(instance.restarts),
        formatCpu(instance.metrics?.cpu_usage),
        formatMemory(instance.metrics?.memory_usage),
      ]);
    }
  }
  return table(
    ['name', 'instance', 'id', 'state', 'pid', 'port', 'uptime', 'restarts', 'cpu', 'mem'],
    rows,
  );
}

/** Percent of one core, like `pm2 ls`; `-` before the first sample. */
export function formatCpu(percent: number | null | undefined): string {
  return percent === null || percent === undefined ? '-' : `${percent.toFixed(1)}%`;
}

/** Bytes in binary units: 512.0kb, 48.3mb, 1.2gb (pm2's spelling). */
export function formatMemory(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '-';
  const units = ['b', 'kb', 'mb', 'gb', 'tb'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value}b` : `${value.toFixed(1)}${units[unit]}`;
}

export function formatLogLine(line: LogLineView, showInstance: boolean): string {
  const prefix = showInstance ? `${line.process}/${line.instance} ` : '';
  return `${prefix}${line.time.slice(11, 23)} ${line.stream === 'out' ? '   ' : line.stream} ${line.text}`;
}

const ms = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

/** Each balancer's listener and rate, then its backends with their calls (like `pm2 ls`). */
export function balancersText(balancers: readonly BalancerView[]): string {
  if (balancers.length === 0) return 'no load balancers are configured';
  return balancers
    .map((b) => {
      const head = `${b.name}  ${b.tls ? 'grpcs' : 'grpc'}://${b.address}  ${b.rps} req/s${b.unmatched > 0 ? `  ${b.unmatched} unmatched` : ''}`;
      const routes = b.routes.map(
        (r) =>
          `  route ${r.index}: ${r.methods.join(' | ')} -> ${r.target_processes.join(', ')} (${r.strategy})`,
      );
      const rows = b.backends.map((backend) => [
        backend.id,
        backend.state,
        backend.address,
        String(backend.stats.inFlight),
        String(backend.stats.requests),
        String(backend.stats.errors),
        backend.stats.latency.count > 0 ? ms(backend.stats.latency.p50Ms) : '-',
        backend.stats.latency.count > 0 ? ms(backend.stats.latency.p99Ms) : '-',
      ]);
      const backends =
        rows.length === 0
          ? '  no backend yet (no ready instance of the targets)'
          : table(
              ['backend', 'state', 'address', 'in flight', 'calls', 'errors', 'p50 ms', 'p99 ms'],
              rows,
            );
      return [head, ...routes, backends].join('\n');
    })
    .join('\n\n');
}

/** A process's autoscaling: the policy in one line, then its latest decisions, newest last. */
export function autoscaleText(view: AutoscaleView, last = 10): string {
  if (!view.enabled || !view.policy) return `${view.process}: autoscaling is not enabled`;
  const p = view.policy;
  const targets = [
    p.targets.cpuPercent === undefined ? '' : `cpu ${p.targets.cpuPercent}%`,
    p.targets.memoryBytes === undefined ? '' : `memory ${formatMemory(p.targets.memoryBytes)}`,
    p.targets.rpsPerInstance === undefined ? '' : `${p.targets.rpsPerInstance} req/s`,
    p.targets.inFlightPerInstance === undefined ? '' : `${p.targets.inFlightPerInstance} in flight`,
  ].filter(Boolean);
  const lines = [
    `${view.process}: ${view.instances.current} instance(s), ${view.instances.ready} ready; autoscaling ${p.minInstances}..${p.maxInstances} on ${targets.join(', ') || 'no signal'} per instance`,
  ];
  const decisions = view.decisions.slice(-last);
  if (decisions.length === 0) lines.push('  no decision yet');
  for (const d of decisions)
    lines.push(
      `  ${new Date(d.at).toISOString()}  ${d.action === 'none' ? `hold${d.held ? ` (${d.held})` : ''}` : d.action}  ${d.reason}`,
    );
  return lines.join('\n');
}
