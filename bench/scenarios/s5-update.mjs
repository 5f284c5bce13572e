/**
 * S5 - hot deploy under load. Four instances of the echo fixture behind gowinproc's balancer
 * take an open-loop load of --s5-rate (500) unary calls per second for --s5-duration seconds
 * (60); --s5-at seconds (20) into that window the bench starts an update through the REST API
 * (`POST /api/v1/processes/echo/update {"version","strategy":"rolling"}`) and polls
 * `GET /api/v1/updates/:id` every 100 ms until completed, failed or rolled_back. Releases come
 * from the project's fake GitHub (bench/lib/releases.mjs), each a tar.gz whose `echo` script
 * execs the fixture. Three variants, one after the other on the same daemon:
 *   a  v1 -> v2, a healthy release;
 *   b  v2 -> v3 whose instances fail their gRPC health check (UNHEALTHY=1): expect rolled_back;
 *   c  v2 -> v4, a slow starter (READY_DELAY_MS=3000).
 * Beside them, in the same run, the peer: nginx `grpc_pass` to four echo fixtures run by PM2 in
 * fork mode (one app, `instances: 4`, `increment_var: PORT`), same load, `pm2 reload echo` at the
 * same second (fork mode reloads restart each process in turn).
 * Reported per run: non-OK answers by status (target 0), p50/p99 of the answers completed before,
 * during and after the update, its time to finish, and which release served the calls after it
 * (each reply's served_by is `<tag>/<instance>`).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createHistogram, latencySummary, mergeInto } from '../load/histogram.mjs';
import { createShard, normalizeOptions, STATUS_NAMES } from '../load/load-generator.mjs';
import { ECHO_FIXTURE, launchDaemon, roundRobinBalancer, waitServing } from '../lib/balancer.mjs';
import { onCleanup } from '../lib/cleanup.mjs';
import { run, runChecked } from '../lib/exec.mjs';
import { progress, sleep } from '../lib/log.mjs';
import { waitPortsUp } from '../lib/net.mjs';
import { prepareNginx, startNginx } from '../lib/nginx.mjs';
import { isRunning, killAll, pidsWithMarker, waitExit } from '../lib/procs.mjs';
import { startReleaseHost } from '../lib/releases.mjs';
import { markdownTable } from '../lib/table.mjs';

const REPO = 'bench/echo';
const INSTANCES = 4;
/** Per-call deadline: a call stuck behind a stopped backend shows up as DEADLINE_EXCEEDED. */
const DEADLINE_MS = 5_000;
const WARMUP_MS = 2_000;
/** An update still running this long after its start is reported as timed out. */
const UPDATE_TIMEOUT_MS = 180_000;
const POLL_MS = 100;
const TERMINAL = new Set(['completed', 'failed', 'rolled_back']);

/** The releases published (v1 is installed before any load) and the variants that deploy them. */
const RELEASES = [
  { tag: 'v1', env: {} },
  { tag: 'v2', env: {} },
  { tag: 'v3', env: { UNHEALTHY: '1' } },
  { tag: 'v4', env: { READY_DELAY_MS: '3000' } },
];
export const S5_VARIANTS = [
  { id: 'a', label: 'gowinproc v1 -> v2', version: 'v2', expect: 'completed', serving: 'v2' },
  {
    id: 'b',
    label: 'gowinproc v2 -> v3 (fails health)',
    version: 'v3',
    expect: 'rolled_back',
    serving: 'v2',
  },
  {
    id: 'c',
    label: 'gowinproc v2 -> v4 (READY_DELAY_MS=3000)',
    version: 'v4',
    expect: 'completed',
    serving: 'v4',
  },
];

/** POST a JSON body over plain HTTP; resolves { status, json, body }. */
function postJson(url, value, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(value);
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`POST ${url} timed out`)));
    req.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => {
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON
        }
        resolve({ status: response.statusCode, json, body: text });
      });
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function untilPerf(time) {
  while (performance.now() < time) await sleep(Math.max(1, time - performance.now()));
}

/** `v2/echo-1-ab12cd` -> `v2`; an id without a tag (PM2's fixtures: the port) -> `-`. */
const tagOf = (servedBy) => (servedBy.includes('/') ? servedBy.split('/')[0] : '-');

/**
 * The open-loop load with one action `atMs` into the window. Runs the load tool's shard in this
 * thread (500 calls/s is far below one thread's limit) so that its per-second histograms, which
 * runLoad() merges away, give p50/p99 per phase. The action gets `since()` (ms since the window
 * started) and resolves details; its start and end split the window into before / during / after
 * on whole seconds (during = every second the action overlaps).
 */
async function loadWithAction({ target, rate, durationMs, atMs, action }) {
  const servedBySecond = [];
  let windowStart = Infinity;
  const o = normalizeOptions({
    target,
    rate,
    durationMs,
    warmupMs: WARMUP_MS,
    deadlineMs: DEADLINE_MS,
    onReply: (servedBy, sinceStartMs) => {
      if (sinceStartMs < 0) return;
      const second = Math.floor(sinceStartMs / 1000);
      const counts = (servedBySecond[second] ??= {});
      const tag = tagOf(servedBy);
      counts[tag] = (counts[tag] ?? 0) + 1;
    },
  });
  const shard = await createShard({ ...o, phaseMs: 0 });
  let raw;
  let act;
  try {
    const startAt = performance.timeOrigin + performance.now();
    windowStart = startAt - performance.timeOrigin + WARMUP_MS;
    const since = () => performance.now() - windowStart;
    const acting = (async () => {
      await untilPerf(windowStart + atMs);
      const startMs = since();
      try {
        const details = await action(since);
        return { startMs, endMs: since(), ...details };
      } catch (error) {
        return { startMs, endMs: since(), error: error.message };
      }
    })();
    raw = await shard.run(startAt);
    // An action that outlasts the window is still awaited (it ends the run's "during").
    act = await acting;
  } finally {
    shard.close();
  }

  const seconds = Math.ceil(raw.windowMs / 1000);
  const duringFrom = Math.min(seconds, Math.floor(act.startMs / 1000));
  const duringTo = Math.min(seconds, Math.max(duringFrom + 1, Math.ceil(act.endMs / 1000)));
  const phase = (from, to) => {
    const histogram = createHistogram();
    let completions = 0;
    let ok = 0;
    const servedBy = {};
    for (let s = from; s < to; s++) {
      const bucket = raw.timeline[s];
      if (bucket) {
        completions += bucket.completions;
        ok += bucket.ok;
        mergeInto(histogram, bucket.histogram);
      }
      for (const [tag, n] of Object.entries(servedBySecond[s] ?? {}))
        servedBy[tag] = (servedBy[tag] ?? 0) + n;
    }
    return {
      fromS: from,
      toS: to,
      completions,
      nonOk: completions - ok,
      latency: latencySummary(histogram),
      servedBy,
    };
  };
  const byStatus = {};
  for (const code of Object.keys(raw.byStatus).sort((a, b) => a - b))
    byStatus[STATUS_NAMES[code] ?? `CODE_${code}`] = raw.byStatus[code];
  const total = createHistogram();
  mergeInto(total, raw.histogram);
  return {
    rate,
    windowMs: raw.windowMs,
    sent: raw.sent,
    dropped: raw.dropped,
    byStatus,
    nonOk: Object.entries(byStatus).reduce((n, [name, c]) => n + (name === 'OK' ? 0 : c), 0),
    latency: latencySummary(total),
    phases: {
      before: phase(0, duringFrom),
      during: phase(duringFrom, duringTo),
      after: phase(duringTo, seconds),
    },
    perSecond: raw.timeline.map((b) => ({ completions: b.completions, ok: b.ok })),
    servedBySecond,
    action: act,
  };
}

/** POSTs the update and polls its status until a terminal phase; resolves what it saw. */
async function updateAndFollow(session, version, since) {
  const posted = await postJson(`${session.apiUrl}/api/v1/processes/echo/update`, {
    version,
    strategy: 'rolling',
  });
  if (posted.status !== 202)
    throw new Error(
      `POST /api/v1/processes/echo/update answered ${posted.status}: ${posted.body.slice(0, 300)}`,
    );
  const id = posted.json?.update_id;
  if (!id) throw new Error(`the update answer has no update_id: ${posted.body.slice(0, 300)}`);
  const phases = [];
  const deadline = performance.now() + UPDATE_TIMEOUT_MS;
  let last = null;
  for (;;) {
    const answer = await session.get(`/api/v1/updates/${encodeURIComponent(id)}`).catch((e) => ({
      status: 0,
      json: null,
      body: e.message,
    }));
    if (answer.status === 200 && answer.json) {
      const phase = answer.json.status ?? answer.json.phase;
      if (phase !== last) {
        phases.push({ atMs: since(), phase, message: answer.json.message });
        last = phase;
      }
      if (TERMINAL.has(phase)) return { updateId: id, outcome: phase, phases, final: answer.json };
    }
    if (performance.now() > deadline)
      return { updateId: id, outcome: 'timed out', phases, lastAnswer: answer.body?.slice(0, 300) };
    await sleep(POLL_MS);
  }
}

/** The daemon's config: one echo process installed from the fake GitHub, behind a balancer. */
function daemonConfig({ gowinproc, apiUrl, ports, lbPort }) {
  return {
    server: { host: '127.0.0.1', port: gowinproc.apiPorts[0], grpc_port: gowinproc.apiPorts[1] },
    log_level: 'info',
    github: {
      api_url: apiUrl,
      update_mode: { polling: { enabled: false }, webhook: { enabled: false } },
    },
    processes: [
      {
        name: 'echo',
        repository: REPO,
        port: ports[0],
        port_range: `${ports[1]}-${ports[ports.length - 1]}`,
        instances: INSTANCES,
        min_instances: INSTANCES,
        max_instances: INSTANCES,
        restart: { policy: 'on-failure' },
        stop: { signal: 'SIGTERM', timeout: '10s' },
        secrets: { enabled: false },
        // start_period 5 s: v4 (ready after 3 s) makes it, v3 (never healthy) is refused after
        // start_period + (retries + 1) x interval + timeout = 8 s.
        health_check: {
          type: 'grpc',
          interval: '1s',
          timeout: '1s',
          retries: 1,
          start_period: '5s',
        },
        github: { checksum: 'optional' },
      },
    ],
    load_balancers: [roundRobinBalancer({ name: 'echo_lb', port: lbPort, process: 'echo' })],
  };
}

async function runGowinproc(gowinproc, host, ctx, dir, result) {
  const [lbPort] = await ctx.ports.take(1);
  const ports = await ctx.ports.take(INSTANCES * 2 + 2);
  const config = daemonConfig({ gowinproc, apiUrl: host.apiUrl, ports, lbPort });
  progress('S5: starting the daemon (echo from bench/echo on the fake GitHub, nothing installed)');
  const session = await launchDaemon({ dir: join(dir, 'gowinproc'), config, marker: ctx.marker });
  const target = `127.0.0.1:${lbPort}`;
  try {
    // The first install runs no load: there is nothing to serve it before v1.
    const since0 = performance.now();
    const first = await updateAndFollow(session, 'v1', () => performance.now() - since0);
    if (first.outcome !== 'completed')
      throw new Error(
        `installing v1 ended ${first.outcome}: ${JSON.stringify(first.final ?? first.lastAnswer)}`,
      );
    await waitServing(target, INSTANCES, { timeoutMs: 60_000, session });
    progress(`S5: v1 installed and serving from ${INSTANCES} instances`);
    for (const variant of S5_VARIANTS) {
      if (session.exited !== null) {
        result.runs[variant.id] = {
          label: variant.label,
          error: `the daemon exited (${session.exited})`,
        };
        continue;
      }
      progress(
        `S5 ${variant.label}: ${ctx.options.s5Rate} calls/s for ${ctx.options.s5Duration} s, update at ${ctx.options.s5At} s`,
      );
      try {
        const measured = await loadWithAction({
          target,
          rate: ctx.options.s5Rate,
          durationMs: ctx.options.s5Duration * 1000,
          atMs: ctx.options.s5At * 1000,
          action: (since) => updateAndFollow(session, variant.version, since),
        });
        const entry = { label: variant.label, expect: variant.expect, ...measured };
        entry.outcome = measured.action.error ? 'error' : measured.action.outcome;
        entry.problems = problemsOf(entry, variant);
        result.runs[variant.id] = entry;
        progress(`S5 ${variant.label}: ${summaryLine(entry)}`);
        // Before the next variant, every instance must be back in the balancer.
        await waitServing(target, INSTANCES, { timeoutMs: 60_000, session });
      } catch (error) {
        result.runs[variant.id] = { label: variant.label, error: error.message };
        progress(`S5 ${variant.label} FAILED: ${error.message}`);
      }
    }
  } finally {
    await session.shutdown();
  }
}

/** What a run did not meet: non-OK answers, the wrong outcome, the wrong release serving after. */
function problemsOf(entry, variant) {
  const problems = [];
  if (entry.action.error) problems.push(`action failed: ${entry.action.error}`);
  if (entry.nonOk > 0) problems.push(`${entry.nonOk} non-OK answer(s)`);
  if (variant.expect && entry.outcome !== variant.expect)
    problems.push(`ended ${entry.outcome}, expected ${variant.expect}`);
  const after = entry.phases.after;
  if (variant.serving && after.completions > 0) {
    const others = Object.entries(after.servedBy).filter(([tag]) => tag !== variant.serving);
    if (others.length > 0)
      problems.push(
        `after the update ${others.map(([t, n]) => `${n} answer(s) from ${t}`).join(', ')}`,
      );
  }
  return problems;
}

const fixed = (value, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

function summaryLine(entry) {
  const p = entry.phases;
  return `${entry.outcome} in ${fixed((entry.action.endMs - entry.action.startMs) / 1000, 1)} s; non-OK ${entry.nonOk} ${JSON.stringify(entry.byStatus)}; p99 before/during/after ${fixed(p.before.latency.p99)}/${fixed(p.during.latency.p99)}/${fixed(p.after.latency.p99)} ms`;
}

/**
 * PM2 in fork mode running the echo fixture 4 times (one app, `instances: 4`, PORT incremented
 * per instance), with a fresh PM2_HOME. `kill_signal: SIGTERM` so a reloaded fixture drains its
 * calls as under gowinproc (PM2's default SIGINT would make node exit at once).
 */
async function launchPm2Echo({ pm2, dir, ports, marker }) {
  mkdirSync(dir, { recursive: true });
  const home = join(dir, 'pm2-home');
  const env = { ...process.env, PM2_HOME: home, PM2_DISABLE_VERSION_CHECK: 'true' };
  const ecosystem = join(dir, 'ecosystem.config.cjs');
  const app = {
    name: 'echo',
    script: process.execPath,
    args: [ECHO_FIXTURE, marker],
    interpreter: 'none',
    exec_mode: 'fork',
    instances: ports.length,
    increment_var: 'PORT',
    env: { PORT: String(ports[0]) },
    kill_signal: 'SIGTERM',
    autorestart: true,
    vizion: false,
  };
  writeFileSync(ecosystem, `module.exports = ${JSON.stringify({ apps: [app] }, null, 2)};\n`);
  const cli = (...args) =>
    runChecked([process.execPath, pm2.bin, ...args], { env, cwd: dir, timeoutMs: 180_000 });
  let stopped = false;
  const shutdown = async () => {
    if (stopped) return;
    stopped = true;
    let pid = null;
    try {
      pid = Number(readFileSync(join(home, 'pm2.pid'), 'utf8').trim()) || null;
    } catch {
      // no daemon
    }
    const killed = await run([process.execPath, pm2.bin, 'kill'], {
      env,
      cwd: dir,
      timeoutMs: 60_000,
    }).catch((e) => ({ code: -1, stderr: e.message }));
    if (killed.code !== 0) progress(`pm2 kill failed (${killed.stderr.trim().slice(-200)})`);
    if (pid && isRunning(pid) && !(await waitExit(pid, 15_000)))
      progress(`PM2 God Daemon ${pid} still ran after pm2 kill`);
    const left = pidsWithMarker(marker);
    if (left.length > 0) {
      progress(`PM2 left ${left.length} fixture process(es) after pm2 kill: killed`);
      killAll(left);
    }
    forget();
  };
  const forget = onCleanup(`PM2 daemon (PM2_HOME=${home})`, shutdown);
  await cli('start', ecosystem);
  return { reload: () => cli('reload', 'echo'), shutdown };
}

/**
 * The peer runs twice on the same PM2 daemon, each time behind a fresh nginx: first with
 * nginx's defaults (`max_fails=1 fail_timeout=10s`: a refused connection takes a backend out for
 * 10 s, so four backends restarted within a second leave "no live upstreams"), then with
 * `max_fails=0` on every server (never taken out; a refused connection still moves the call to the
 * next backend through grpc_next_upstream's default `error timeout`) - what an operator would
 * tune. bench/lib/nginx.mjs writes `server 127.0.0.1:<backend>;`, so the parameter rides along
 * with the port.
 */
export const S5_PEERS = [
  { id: 'pm2', label: 'PM2 reload + nginx (defaults)', serverParams: '' },
  { id: 'pm2_tuned', label: 'PM2 reload + nginx max_fails=0', serverParams: ' max_fails=0' },
];

async function runPm2Nginx(pm2, ctx, dir, result) {
  const unavailable = (reason) => {
    for (const peer of S5_PEERS) result.runs[peer.id] = { label: peer.label, unavailable: reason };
  };
  if (!pm2 || pm2.unavailable) return unavailable(pm2?.unavailable ?? 'not selected by --managers');
  const nginx = await prepareNginx();
  if (nginx.unavailable) return unavailable(`nginx: ${nginx.unavailable}`);
  result.nginxVersion = nginx.version;
  const ports = await ctx.ports.take(INSTANCES);
  progress(`S5: PM2 (fork mode, ${INSTANCES} instances) behind nginx ${nginx.version}`);
  const pm2Session = await launchPm2Echo({
    pm2,
    dir: join(dir, 'pm2'),
    ports,
    marker: ctx.marker,
  });
  try {
    for (const peer of S5_PEERS) {
      let server = null;
      try {
        await waitPortsUp(ports, { intervalMs: 20, timeoutMs: 30_000 });
        const [nginxPort] = await ctx.ports.take(1);
        server = await startNginx({
          dir: join(dir, `nginx-${peer.id}`),
          port: nginxPort,
          backends: ports.map((port) => `${port}${peer.serverParams}`),
          workers: ctx.options.nginxWorkers,
          version: nginx.version,
        });
        const target = `127.0.0.1:${nginxPort}`;
        await waitServing(target, INSTANCES, { timeoutMs: 30_000 });
        progress(
          `S5 ${peer.label}: ${ctx.options.s5Rate} calls/s for ${ctx.options.s5Duration} s, pm2 reload at ${ctx.options.s5At} s`,
        );
        const measured = await loadWithAction({
          target,
          rate: ctx.options.s5Rate,
          durationMs: ctx.options.s5Duration * 1000,
          atMs: ctx.options.s5At * 1000,
          action: async (since) => {
            await pm2Session.reload();
            const reloadedMs = since();
            // `pm2 reload` returns once each process is spawned again, not listening: the
            // reload ends for callers when all four ports accept again.
            await waitPortsUp(ports, { intervalMs: 5, timeoutMs: 30_000 });
            return { outcome: 'reloaded', reloadReturnedMs: reloadedMs };
          },
        });
        const entry = { label: peer.label, ...measured };
        entry.outcome = measured.action.error ? 'error' : measured.action.outcome;
        entry.problems = problemsOf(entry, {});
        result.runs[peer.id] = entry;
        progress(`S5 ${peer.label}: ${summaryLine(entry)}`);
      } catch (error) {
        result.runs[peer.id] = { label: peer.label, error: error.message };
        progress(`S5 ${peer.label} FAILED: ${error.message}`);
      } finally {
        await server?.stop();
      }
    }
  } finally {
    await pm2Session.shutdown();
  }
}

export async function runS5(gowinproc, pm2, ctx) {
  const { options } = ctx;
  if (options.s5At >= options.s5Duration)
    throw new Error(
      `--s5-at (${options.s5At}) must fall inside --s5-duration (${options.s5Duration})`,
    );
  const dir = join(ctx.runDir, 's5');
  const result = {
    durationMs: options.s5Duration * 1000,
    atMs: options.s5At * 1000,
    rate: options.s5Rate,
    warmupMs: WARMUP_MS,
    deadlineMs: DEADLINE_MS,
    instances: INSTANCES,
    loadavg1: { before: loadavg()[0] },
    runs: {},
  };
  try {
    if (gowinproc.unavailable) {
      for (const v of S5_VARIANTS)
        result.runs[v.id] = { label: v.label, unavailable: `gowinproc: ${gowinproc.unavailable}` };
    } else {
      if (gowinproc.version) result.gowinprocVersion = gowinproc.version;
      const host = await startReleaseHost({ dir: join(dir, 'github'), marker: ctx.marker });
      try {
        for (const r of RELEASES) await host.publishEcho({ repo: REPO, tag: r.tag, env: r.env });
        result.releases = RELEASES;
        await runGowinproc(gowinproc, host, ctx, dir, result);
      } catch (error) {
        for (const v of S5_VARIANTS) result.runs[v.id] ??= { label: v.label, error: error.message };
        progress(`S5 gowinproc FAILED: ${error.message}`);
      } finally {
        await host.close();
      }
    }
    await runPm2Nginx(pm2, ctx, dir, result);
  } finally {
    result.loadavg1.after = loadavg()[0];
  }
  // Errors (not "unavailable", not a missed target) count as failed measurements.
  result.failed = Object.values(result.runs).filter((r) => r.error).length;
  return result;
}

const ms2 = (value) => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');
const secondsOf = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'n/a');
const byStatusText = (byStatus) =>
  Object.entries(byStatus)
    .filter(([name]) => name !== 'OK')
    .map(([name, n]) => `${name} ${n}`)
    .join(', ') || '0';
const servedText = (servedBy) => {
  // PM2's fixtures run no release: their served_by carries no tag.
  if (Object.keys(servedBy).every((tag) => tag === '-')) return 'n/a';
  const total = Object.values(servedBy).reduce((a, b) => a + b, 0);
  if (total === 0) return 'n/a';
  return Object.entries(servedBy)
    .sort((a, b) => b[1] - a[1])
    .map(([tag, n]) => `${tag} ${((n / total) * 100).toFixed(1)} %`)
    .join(', ');
};

/** The S5 section of the report (markdown lines). */
export function renderS5(s5) {
  if (!s5) return [];
  const title = `## S5 hot deploy under load (open loop ${s5.rate ?? '?'} calls/s for ${(s5.durationMs ?? 0) / 1000} s, update at ${(s5.atMs ?? 0) / 1000} s, ${s5.instances ?? INSTANCES} instances)`;
  if (s5.error) return [title, '', `error: ${s5.error}`];
  const header = [
    'run',
    'outcome',
    'time to finish',
    'calls',
    'non-OK (by status)',
    'non-OK before / during / after',
    'p50 before / during / after',
    'p99 before / during / after',
    'served after',
  ];
  const ids = [...S5_VARIANTS.map((v) => v.id), ...S5_PEERS.map((p) => p.id)];
  const rows = [];
  const notes = [];
  for (const id of ids) {
    const r = s5.runs[id];
    if (!r) continue;
    if (r.unavailable || r.error) {
      rows.push([r.label, r.unavailable ? 'unavailable' : 'error', ...Array(7).fill('')]);
      notes.push(`- ${r.label}: ${r.unavailable ?? r.error}`);
      continue;
    }
    const p = r.phases;
    const finish = r.action.endMs - r.action.startMs;
    rows.push([
      r.label,
      r.outcome,
      secondsOf(finish),
      r.sent,
      byStatusText(r.byStatus),
      `${p.before.nonOk} / ${p.during.nonOk} / ${p.after.nonOk}`,
      `${ms2(p.before.latency.p50)} / ${ms2(p.during.latency.p50)} / ${ms2(p.after.latency.p50)} ms`,
      `${ms2(p.before.latency.p99)} / ${ms2(p.during.latency.p99)} / ${ms2(p.after.latency.p99)} ms`,
      servedText(p.after.servedBy),
    ]);
    if (r.action.phases?.length)
      notes.push(
        `- ${r.label}: ${r.action.phases.map((ph) => `${ph.phase} at +${((ph.atMs - r.action.startMs) / 1000).toFixed(1)} s`).join(', ')}; during = seconds ${p.during.fromS}-${p.during.toS} of the window`,
      );
    else if (r.action.reloadReturnedMs !== undefined)
      notes.push(
        `- ${r.label}: pm2 reload returned after ${secondsOf(r.action.reloadReturnedMs - r.action.startMs)}, all ports accepting after ${secondsOf(finish)}; during = seconds ${p.during.fromS}-${p.during.toS} of the window`,
      );
    for (const problem of r.problems ?? []) notes.push(`- ${r.label}: NOT met: ${problem}`);
  }
  const targets = ids
    .filter(
      (id) =>
        !S5_PEERS.some((p) => p.id === id) &&
        s5.runs[id] &&
        !s5.runs[id].error &&
        !s5.runs[id].unavailable,
    )
    .map((id) => {
      const r = s5.runs[id];
      const met = r.nonOk === 0 && (!r.expect || r.outcome === r.expect);
      return `${id}: ${r.nonOk} non-OK, ${r.outcome}${r.expect ? ` (expected ${r.expect})` : ''} ${met ? 'met' : 'NOT met'}`;
    });
  return [
    title,
    '',
    markdownTable(header, rows),
    '',
    `Target: 0 non-OK answers, and a release that fails health rolled back: ${targets.join('; ') || 'n/a'}.`,
    '',
    `Calls: started in the window (after ${(s5.warmupMs ?? 0) / 1000} s of warm-up), deadline ${(s5.deadlineMs ?? 0) / 1000} s each; latency from each call's intended send time. ` +
      'before / during / after: answers completed in the whole seconds before the update started, the seconds it overlapped, and the seconds after it ended. ' +
      "time to finish: from the update's POST to the poll (every 100 ms) that saw its final status; for PM2, from `pm2 reload` until all four ports accept again. " +
      'served after: the release tag of the answers after the update (each reply names its release). ' +
      `gowinproc ${s5.gowinprocVersion ?? ''} rolling strategy, grpc health checks every 1 s; nginx ${s5.nginxVersion ?? '(not run)'} grpc_pass (default grpc_next_upstream error timeout) to PM2 fork-mode instances. ` +
      `Load average (1 min) ${fixed(s5.loadavg1?.before)} -> ${fixed(s5.loadavg1?.after)}.`,
    ...(notes.length > 0 ? ['', 'Notes:', ...notes] : []),
  ];
}
