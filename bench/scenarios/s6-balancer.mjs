/**
 * S6 - the gRPC load balancer's cost. Echo fixture instances (test/fixtures/echo-service.mjs)
 * answer Echo/Unary (empty request) under a closed-loop load from the in-repo load tool
 * (bench/load/), at each concurrency of --s6-concurrency (1, 32, 128), against:
 *   direct       one echo fixture, no proxy;
 *   lb1/lb2/lb4  gowinproc's balancer (the built daemon, `gowinproc run`, one process of 1, 2 or
 *                4 echo instances per balancer, round_robin, grpc health checks) - one daemon
 *                with three balancers, so each target runs on the same daemon;
 *   nginx4       Debian's nginx `grpc_pass` to 4 echo fixtures (upstream keepalive), one worker
 *                by default (the daemon's proxy is one event loop too).
 * Targets take turns within each concurrency, so background noise spreads over all of them.
 * Each run: --s6-warmup seconds (2) of load not measured, then --s6-duration seconds (10).
 * The CPU the proxy used in the window (daemon process, or nginx master + workers) is recorded.
 * Issue targets: lb1 >= 0.95 x direct calls/s at c=32; p50 + <= 0.5 ms per hop (lb1 - direct);
 * lb4 >= nginx4 calls/s.
 */
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { runLoad } from '../load/load-generator.mjs';
import {
  echoProcess,
  launchDaemon,
  roundRobinBalancer,
  startEchoFixture,
  treeCpuTicks,
  waitServing,
} from '../lib/balancer.mjs';
import { progress } from '../lib/log.mjs';
import { prepareNginx, startNginx } from '../lib/nginx.mjs';
import { USER_HZ } from '../lib/procs.mjs';
import { markdownTable, times } from '../lib/table.mjs';
import { ratio } from '../lib/stats.mjs';

export const S6_TARGETS = [
  { id: 'direct', label: 'direct -> 1 backend', backends: 1 },
  { id: 'lb1', label: 'gowinproc LB -> 1', backends: 1 },
  { id: 'lb2', label: 'gowinproc LB -> 2', backends: 2 },
  { id: 'lb4', label: 'gowinproc LB -> 4', backends: 4 },
  { id: 'nginx4', label: 'nginx -> 4', backends: 4 },
];

/** The figures of one load report worth keeping (the timeline stays for the JSON). */
function keep(report, proxyCpuPercent) {
  return {
    concurrency: report.concurrency,
    windowMs: report.windowMs,
    sent: report.sent,
    ok: report.ok,
    errors: report.errors,
    byStatus: report.byStatus,
    throughput: report.throughput,
    okThroughput: report.okThroughput,
    latency: report.latency,
    clientCpuPercent: report.clientCpuPercent,
    proxyCpuPercent,
    channels: report.channels,
    workers: report.workers,
    timeline: report.timeline,
  };
}

/**
 * Reads a process's CPU ticks when the load's window starts (after `warmupMs`, timed from this
 * call, i.e. give or take the load tool's connect) and when it ends; percent() is the % of one
 * core used in between (null when the window was cut short).
 */
function cpuInWindow(readTicks, { warmupMs, durationMs }) {
  const reads = [];
  const read = () => reads.push({ at: performance.now(), ticks: readTicks() });
  const timers = [setTimeout(read, warmupMs), setTimeout(read, warmupMs + durationMs)];
  return {
    percent() {
      for (const timer of timers) clearTimeout(timer);
      if (reads.length < 2) return null;
      const [first, last] = reads;
      return ((last.ticks - first.ticks) / USER_HZ / ((last.at - first.at) / 1000)) * 100;
    },
  };
}

/** Starts every target; resolves { targets: {id: {target, pid?, children?} | {unavailable}} }. */
async function startTargets(gowinproc, ctx, dir) {
  const { marker } = ctx;
  const started = {};
  const fixturePorts = await ctx.ports.take(4);
  const fixtures = [];
  for (const [i, port] of fixturePorts.entries())
    fixtures.push(
      await startEchoFixture({
        port,
        marker,
        instanceId: `direct-${i}`,
        dir: join(dir, 'fixtures'),
      }),
    );
  started.direct = { target: `127.0.0.1:${fixturePorts[0]}` };
  started.stops = fixtures.map((f) => f.stop);

  const nginx = await prepareNginx();
  if (nginx.unavailable) started.nginx4 = { unavailable: nginx.unavailable };
  else {
    const [port] = await ctx.ports.take(1);
    try {
      const server = await startNginx({
        dir: join(dir, 'nginx'),
        port,
        backends: fixturePorts,
        workers: ctx.options.nginxWorkers,
        version: nginx.version,
      });
      started.stops.push(server.stop);
      await waitServing(`127.0.0.1:${port}`, 4, { timeoutMs: 20_000 });
      started.nginx4 = {
        target: `127.0.0.1:${port}`,
        pid: server.pid,
        children: true,
        version: nginx.version,
      };
    } catch (error) {
      started.nginx4 = { error: error.message };
    }
  }

  const lbIds = ['lb1', 'lb2', 'lb4'];
  if (gowinproc.unavailable) {
    for (const id of lbIds) started[id] = { unavailable: `gowinproc: ${gowinproc.unavailable}` };
    return started;
  }
  const processes = [];
  const balancers = [];
  const lbPorts = await ctx.ports.take(lbIds.length);
  for (const [i, id] of lbIds.entries()) {
    const n = S6_TARGETS.find((t) => t.id === id).backends;
    processes.push(
      echoProcess({ name: `echo${n}`, instances: n, ports: await ctx.ports.take(n + 2), marker }),
    );
    balancers.push(roundRobinBalancer({ name: `${id}_lb`, port: lbPorts[i], process: `echo${n}` }));
  }
  const config = {
    server: { host: '127.0.0.1', port: gowinproc.apiPorts[0], grpc_port: gowinproc.apiPorts[1] },
    log_level: 'info',
    processes,
    load_balancers: balancers,
  };
  let session;
  try {
    session = await launchDaemon({ dir: join(dir, 'gowinproc'), config, marker });
  } catch (error) {
    for (const id of lbIds) started[id] = { error: error.message };
    return started;
  }
  started.daemon = session;
  for (const [i, id] of lbIds.entries()) {
    const target = `127.0.0.1:${lbPorts[i]}`;
    const n = S6_TARGETS.find((t) => t.id === id).backends;
    try {
      await waitServing(target, n, { timeoutMs: 60_000, session });
      started[id] = { target, pid: session.pid, children: false };
    } catch (error) {
      const logged = /balancer.*listening/i.test(session.output());
      started[id] = {
        error: `${error.message}${logged ? '' : ' (the daemon never logged "balancer ... listening")'}`,
      };
    }
  }
  return started;
}

export async function runS6(gowinproc, ctx) {
  const { options } = ctx;
  const dir = join(ctx.runDir, 's6');
  const result = {
    durationMs: options.s6Duration * 1000,
    warmupMs: options.s6Warmup * 1000,
    concurrency: options.s6Concurrency,
    workers: options.s6Workers,
    nginxWorkers: options.nginxWorkers,
    loadavg1: { before: loadavg()[0] },
    targets: {},
  };
  progress('S6: starting 4 echo fixtures, nginx and the gowinproc daemon with 3 balancers');
  const started = await startTargets(gowinproc, ctx, dir);
  try {
    for (const t of S6_TARGETS) {
      const s = started[t.id];
      result.targets[t.id] = s.target
        ? { label: t.label, runs: {} }
        : {
            label: t.label,
            ...(s.unavailable ? { unavailable: s.unavailable } : { error: s.error }),
          };
      if (!s.target)
        progress(
          `S6 ${t.label}: ${s.unavailable ? 'unavailable' : 'error'}: ${s.unavailable ?? s.error}`,
        );
    }
    if (started.nginx4?.version) result.nginxVersion = started.nginx4.version;
    if (gowinproc.version) result.gowinprocVersion = gowinproc.version;

    for (const concurrency of options.s6Concurrency) {
      for (const t of S6_TARGETS) {
        const s = started[t.id];
        if (!s.target) continue;
        if (started.daemon && started.daemon.exited !== null) {
          result.targets[t.id].runs[concurrency] = {
            error: `the daemon exited (${started.daemon.exited})`,
          };
          continue;
        }
        try {
          const proxyCpu = s.pid
            ? cpuInWindow(() => treeCpuTicks(s.pid, { children: s.children }), result)
            : null;
          const report = await runLoad({
            target: s.target,
            concurrency,
            durationMs: result.durationMs,
            warmupMs: result.warmupMs,
            workers: Math.min(options.s6Workers, concurrency),
            deadlineMs: 10_000,
          });
          const proxyCpuPercent = proxyCpu?.percent() ?? null;
          const kept = keep(report, proxyCpuPercent);
          result.targets[t.id].runs[concurrency] = kept;
          progress(
            `S6 ${t.label} c=${concurrency}: ${kept.okThroughput.toFixed(0)} calls/s, p50 ${kept.latency.p50?.toFixed(3)} ms, p99 ${kept.latency.p99?.toFixed(3)} ms, errors ${kept.errors}, client CPU ${kept.clientCpuPercent?.toFixed(0)} %${proxyCpuPercent === null ? '' : `, proxy CPU ${proxyCpuPercent.toFixed(0)} %`}`,
          );
        } catch (error) {
          result.targets[t.id].runs[concurrency] = { error: error.message };
          progress(`S6 ${t.label} c=${concurrency} FAILED: ${error.message}`);
        }
      }
    }
    // Errors (not "unavailable") count as failed measurements: the bench then exits 1.
    result.failed = Object.values(result.targets).reduce(
      (n, entry) =>
        n + (entry.error ? 1 : 0) + Object.values(entry.runs ?? {}).filter((r) => r.error).length,
      0,
    );
  } finally {
    result.loadavg1.after = loadavg()[0];
    // Stopped here rather than at the very end, so that S7 starts on a quiet machine.
    await started.daemon?.shutdown();
    for (const stop of started.stops) await stop();
  }
  return result;
}

const ms3 = (value) => (Number.isFinite(value) ? `${value.toFixed(3)} ms` : 'n/a');
const signedMs = (value) =>
  Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(3)} ms` : 'n/a';
const verdict = (ok) => (ok === null ? 'n/a' : ok ? 'met' : 'NOT met');

/** The S6 section of the report (markdown lines). */
export function renderS6(s6) {
  if (!s6) return [];
  if (s6.error) return ['## S6 gRPC load balancer', '', `error: ${s6.error}`];
  const run = (id, c) => s6.targets[id]?.runs?.[c];
  const cellOf = (id, c) => {
    const entry = s6.targets[id];
    if (entry?.unavailable) return 'unavailable';
    if (entry?.error) return 'error';
    const r = run(id, c);
    if (!r) return 'not run';
    if (r.error) return 'error';
    return null;
  };
  const header = [
    'target',
    'c',
    'calls/s',
    'p50',
    'p99',
    'errors',
    'vs direct',
    'p50 vs direct',
    'proxy CPU',
    'proxy CPU per call',
    'client CPU',
  ];
  const rows = [];
  for (const c of s6.concurrency)
    for (const t of S6_TARGETS) {
      const problem = cellOf(t.id, c);
      if (problem) {
        rows.push([s6.targets[t.id]?.label ?? t.label, c, problem, ...Array(8).fill('')]);
        continue;
      }
      const r = run(t.id, c);
      const direct = cellOf('direct', c) ? null : run('direct', c);
      rows.push([
        s6.targets[t.id].label,
        c,
        r.okThroughput.toFixed(0),
        ms3(r.latency.p50),
        ms3(r.latency.p99),
        r.errors,
        t.id === 'direct' ? '' : times(ratio(r.okThroughput, direct?.okThroughput)),
        t.id === 'direct' ? '' : signedMs(direct ? r.latency.p50 - direct.latency.p50 : NaN),
        Number.isFinite(r.proxyCpuPercent) ? `${r.proxyCpuPercent.toFixed(0)} %` : '',
        Number.isFinite(r.proxyCpuPercent) && r.okThroughput > 0
          ? `${((r.proxyCpuPercent / 100 / r.okThroughput) * 1e6).toFixed(0)} µs`
          : '',
        Number.isFinite(r.clientCpuPercent) ? `${r.clientCpuPercent.toFixed(0)} %` : '',
      ]);
    }

  const figure = (id, c) => (cellOf(id, c) ? null : run(id, c));
  const targets = [];
  const direct32 = figure('direct', 32);
  const lb1at32 = figure('lb1', 32);
  const throughputRatio = ratio(lb1at32?.okThroughput, direct32?.okThroughput);
  targets.push(
    `- LB -> 1 backend >= 0.95 x direct at c=32: ${throughputRatio === null ? 'n/a' : `${times(throughputRatio)}, ${verdict(throughputRatio >= 0.95)}`}`,
  );
  const hops = s6.concurrency
    .map((c) => {
      const d = figure('direct', c);
      const l = figure('lb1', c);
      if (!d || !l) return null;
      const added = l.latency.p50 - d.latency.p50;
      return `c=${c} ${signedMs(added)} ${verdict(added <= 0.5)}`;
    })
    .filter(Boolean);
  targets.push(
    `- p50 added per hop (LB -> 1 minus direct) <= +0.5 ms: ${hops.join('; ') || 'n/a'}`,
  );
  const vsNginx = s6.concurrency
    .filter((c) => c > 1)
    .map((c) => {
      const l = figure('lb4', c);
      const n = figure('nginx4', c);
      const r = ratio(l?.okThroughput, n?.okThroughput);
      return r === null ? null : `c=${c} ${times(r)} ${verdict(r >= 1)}`;
    })
    .filter(Boolean);
  targets.push(`- LB -> 4 calls/s >= nginx -> 4: ${vsNginx.join('; ') || 'n/a'}`);

  const notes = [];
  for (const t of S6_TARGETS) {
    const entry = s6.targets[t.id];
    if (entry?.unavailable) notes.push(`- ${t.label}: unavailable: ${entry.unavailable}`);
    if (entry?.error) notes.push(`- ${t.label}: error: ${entry.error}`);
    for (const [c, r] of Object.entries(entry?.runs ?? {}))
      if (r.error) notes.push(`- ${t.label} c=${c}: error: ${r.error}`);
  }
  return [
    `## S6 gRPC load balancer (echo Unary, closed loop, ${s6.durationMs / 1000} s after ${s6.warmupMs / 1000} s warm-up, ${s6.workers} client thread(s))`,
    '',
    markdownTable(header, rows),
    '',
    'Targets:',
    ...targets,
    '',
    `calls/s: OK answers per second in the window; p50/p99: latency of every call started in the window; proxy CPU: the daemon process (LB) or nginx's master + ${s6.nginxWorkers} worker(s) over the run, % of one core. ` +
      `nginx ${s6.nginxVersion ?? '(not run)'}, grpc_pass with upstream keepalive; gowinproc ${s6.gowinprocVersion ?? ''} balancers round_robin with grpc health checks. ` +
      `Load average (1 min) ${s6.loadavg1.before.toFixed(2)} -> ${s6.loadavg1.after?.toFixed(2) ?? 'n/a'}.`,
    ...(notes.length > 0 ? ['', 'Notes:', ...notes] : []),
  ];
}
