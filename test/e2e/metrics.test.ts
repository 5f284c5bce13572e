/**
 * Metrics of the real daemon over real child processes: the REST routes, the Prometheus text
 * (validated with a text-format parser), the CLI's columns, restart.max_memory, the SQLite
 * history across a daemon restart, and a corrupt database moved aside. The sampler's own accuracy
 * against each fixture's self-accounting is tested in src/services/metrics/sampler.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { portRange, startDaemon, writeConfig, type DaemonProcess } from '../helpers/daemon.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const MiB = 1024 * 1024;

interface InstanceMetrics {
  instance_id: string;
  index: number;
  cpu_usage: number | null;
  memory_usage: number;
  processes: number;
  network_recv: number | null;
}
interface ProcessMetrics {
  current: { instances: InstanceMetrics[]; aggregated: { instance_count: number } };
  series: Array<{ time: string; index: number; memory_usage: number; cpu_usage: number | null }>;
  step: string;
}

async function metricsOf(daemon: DaemonProcess, name: string, query = ''): Promise<ProcessMetrics> {
  const { status, json } = await daemon.api<ProcessMetrics>(
    'GET',
    `/api/v1/processes/${name}/metrics${query}`,
  );
  if (status !== 200) throw new Error(`metrics of ${name}: ${status} ${JSON.stringify(json)}`);
  return json;
}

/** The first instance's current sample once it has a CPU figure (its second sample). */
async function sampled(daemon: DaemonProcess, name: string): Promise<InstanceMetrics> {
  let sample: InstanceMetrics | undefined;
  await waitFor(async () => {
    sample = (await metricsOf(daemon, name)).current.instances[0];
    return (
      (sample !== undefined && sample.cpu_usage !== null) || `${name}: ${JSON.stringify(sample)}`
    );
  });
  return sample!;
}

describe('metrics of a real daemon', () => {
  it('measures real instances on REST, /metrics and the CLI, and restarts one over max_memory', async () => {
    const dir = tempDir();
    const range = portRange();
    const daemon = await startDaemon(
      dir,
      writeConfig(
        dir,
        `server: { port: 0, grpc_port: 0 }
metrics: { interval: 300ms }
processes:
  - name: burn
    binary_path: ${fixture('metrics-burn.mjs')}
    args: ['50']
    port_range: ${range}
    secrets: { enabled: false }
  - name: alloc
    binary_path: ${fixture('metrics-alloc.mjs')}
    args: ['64']
    port_range: ${range}
    secrets: { enabled: false }
  - name: fork
    binary_path: ${fixture('metrics-fork.mjs')}
    args: ['3', '16']
    port_range: ${range}
    secrets: { enabled: false }
  - name: hog
    binary_path: ${fixture('metrics-alloc.mjs')}
    args: ['96']
    port_range: ${range}
    secrets: { enabled: false }
    restart: { max_memory: 64MiB, max_restarts: 2, backoff: { initial: 300ms } }
`,
      ),
    );

    // Units: CPU in percent of one core, memory in bytes, the tree summed with its children.
    const burn = await sampled(daemon, 'burn');
    expect(burn.cpu_usage).toBeGreaterThan(10);
    expect(burn.cpu_usage).toBeLessThan(80);
    const alloc = await sampled(daemon, 'alloc');
    expect(alloc.memory_usage).toBeGreaterThan(64 * MiB);
    expect(alloc.memory_usage).toBeLessThan(400 * MiB);
    expect(alloc.network_recv).toBeNull(); // not measurable per process: null, never 0
    let fork!: InstanceMetrics;
    await waitFor(async () => {
      fork = await sampled(daemon, 'fork');
      return fork.processes === 4 || `fork tree has ${fork.processes} processes`;
    });
    expect(fork.memory_usage).toBeGreaterThan(3 * 16 * MiB);

    // The history: points per step for the instance, from the SQLite store.
    let history!: ProcessMetrics;
    await waitFor(async () => {
      history = await metricsOf(daemon, 'alloc', '?from=-1m&step=1s');
      return history.series.length >= 2 || `${history.series.length} points`;
    });
    expect(history.step).toBe('1s');
    expect(history.series.every((p) => p.index === 0 && p.memory_usage > 64 * MiB)).toBe(true);

    // The host and the daemon itself.
    const host = await daemon.api<{
      current: { memory_total: number; cores: number; disk_total: number } | null;
      daemon: { memory_rss: number; tick_ms: number } | null;
    }>('GET', '/api/v1/metrics/host');
    expect(host.json.current?.cores).toBeGreaterThan(0);
    expect(host.json.current?.memory_total).toBeGreaterThan(alloc.memory_usage);
    expect(host.json.daemon?.memory_rss).toBeGreaterThan(10 * MiB);

    // Prometheus: parses, labels are {process, instance} only, values in the stated units.
    const response = await fetch(`${daemon.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusTextFormat(await response.text());
    const family = (name: string) => {
      const found = families.find((f) => f.name === name);
      if (!found) throw new Error(`no ${name} in /metrics`);
      return found;
    };
    const value = (name: string, process: string) =>
      Number(
        family(name).metrics.find((m) => m.labels?.['process'] === process)?.value ?? Number.NaN,
      );
    expect(value('gowinproc_instance_memory_rss_bytes', 'alloc')).toBeGreaterThan(64 * MiB);
    expect(value('gowinproc_instance_processes', 'fork')).toBe(4);
    expect(value('gowinproc_instance_cpu_percent', 'burn')).toBeGreaterThan(10);
    for (const metric of family('gowinproc_instance_memory_rss_bytes').metrics)
      expect(Object.keys(metric.labels ?? {}).sort()).toEqual(['index', 'process']);
    expect(family('gowinproc_daemon_memory_rss_bytes').metrics[0]?.value).toBeDefined();

    // The CLI shows CPU and memory like `pm2 ls`.
    const status = await daemon.cli(['status']);
    expect(status.stdout).toMatch(/cpu\s+mem/);
    expect(status.stdout).toMatch(/alloc .*\d+\.\d%\s+\d+\.\dmb/);

    // restart.max_memory: the hog (96 MiB > 64 MiB) is killed at each start, the restart
    // policy backs off, and after max_restarts it is failed: no restart loop.
    let hog!: {
      status: string;
      instances: Array<{ status: string; restarts: number; reason?: string }>;
      events: Array<{ type: string }>;
    };
    await waitFor(
      async () => {
        hog = (await daemon.api<typeof hog>('GET', '/api/v1/processes/hog')).json;
        return hog.instances[0]?.status === 'failed' || JSON.stringify(hog.instances);
      },
      { timeoutMs: 20_000 },
    );
    expect(hog.instances[0]!.restarts).toBe(2);
    expect(hog.instances[0]!.reason).toMatch(/over restart\.max_memory 64\.0 MiB/);
    expect(hog.events.filter((e) => e.type === 'instance.memory_limit')).toHaveLength(3);
    const log = daemon.output.find((line) => line.includes('over restart.max_memory'));
    expect(log).toMatch(
      /uses \d+\.\d MiB \(with its child processes\), over restart\.max_memory 64\.0 MiB/,
    );
  });

  it('keeps history across a daemon restart, and moves a corrupt database aside', async () => {
    const dir = tempDir();
    const config = writeConfig(
      dir,
      `server: { port: 0, grpc_port: 0 }
metrics: { interval: 200ms }
processes:
  - name: alloc
    binary_path: ${fixture('metrics-alloc.mjs')}
    args: ['8']
    port_range: ${portRange()}
    secrets: { enabled: false }
`,
    );
    const first = await startDaemon(dir, config);
    let before!: ProcessMetrics;
    await waitFor(async () => {
      before = await metricsOf(first, 'alloc', '?from=-10m&step=1s');
      return before.series.length >= 3 || `${before.series.length} points`;
    });
    first.child.kill('SIGTERM');
    expect(await first.exitCode).toBe(0);

    const second = await startDaemon(dir, config);
    const after = await metricsOf(second, 'alloc', '?from=-10m&step=1s');
    const times = new Set(after.series.map((p) => p.time));
    expect(before.series.slice(0, 3).every((p) => times.has(p.time))).toBe(true);
    second.child.kill('SIGTERM');
    expect(await second.exitCode).toBe(0);

    // Garbage where the database was: the daemon starts, says where it moved it, starts afresh.
    const db = join(dir, 'data', 'metrics.db');
    expect(existsSync(db)).toBe(true);
    writeFileSync(db, Buffer.alloc(64 * 1024, 0x42));
    const third = await startDaemon(dir, config);
    await waitFor(
      () =>
        third.output.some((l) => l.includes('metrics.db') && l.includes('moved')) ||
        third.output.slice(-5).join(' | '),
    );
    expect(readdirSync(join(dir, 'data')).some((f) => f.startsWith('metrics.db.corrupt-'))).toBe(
      true,
    );
    await waitFor(async () => {
      const fresh = await metricsOf(third, 'alloc', '?from=-1m&step=1s');
      return fresh.series.length >= 2 || `${fresh.series.length} points after the move`;
    });
  });
});
