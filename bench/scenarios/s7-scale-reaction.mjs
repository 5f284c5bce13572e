/**
 * S7 - how fast the autoscaler reacts. One echo process behind gowinproc's balancer, 1 instance,
 * scaling enabled: cpu_threshold 50 (% of one core per instance), sustain 5 s, cooldown 20 s,
 * scale_up_stabilization 0, 1..4 instances, metrics sampled every second. After an idle period
 * (no calls) the load steps to a CPU-heavy closed loop (Echo/Unary with burn_ms 20 at
 * concurrency 4: one instance spins a whole core). Measured from the step, on the bench's clock:
 *   - the first reply served by a new instance (EchoReply.served_by = its INSTANCE_ID), for
 *     each new instance: the time that matters to a caller;
 *   - from the daemon's event stream (GET /api/v1/events), when it happened: each autoscaler
 *     decision (process.autoscale, with its reason), each new instance's start and health, and
 *     the balancer's "joined" - the breakdown of the time above.
 * The load stops 3 s after the last instance the policy allows serves, or after 90 s.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { runLoad } from '../load/load-generator.mjs';
import { echoProcess, launchDaemon, roundRobinBalancer, waitServing } from '../lib/balancer.mjs';
import { progress, sleep } from '../lib/log.mjs';
import { markdownTable } from '../lib/table.mjs';

const SCALING = {
  enabled: true,
  min_instances: 1,
  max_instances: 4,
  cpu_threshold: 50,
  sustain: '5s',
  cooldown: '20s',
  scale_up_stabilization: '0s',
};
const IDLE_MS = 10_000;
const STEP_MAX_MS = 90_000;
const AFTER_LAST_MS = 3_000;
const STEP_LOAD = { concurrency: 4, request: { burn_ms: 20 } };

/**
 * Follows the daemon's SSE event stream; each event is kept with performance.now() of its
 * arrival. Resolves { events, close() } once the stream is open.
 */
function followEvents(apiUrl, processName) {
  const events = [];
  return new Promise((resolve, reject) => {
    const req = request(`${apiUrl}/api/v1/events?process=${encodeURIComponent(processName)}`, {
      headers: { accept: 'text/event-stream' },
    });
    req.on('response', (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`GET /api/v1/events answered ${response.statusCode}`));
        return;
      }
      response.setEncoding('utf8');
      let buffered = '';
      response.on('data', (chunk) => {
        buffered += chunk;
        const frames = buffered.split('\n\n');
        buffered = frames.pop();
        const at = performance.now();
        for (const frame of frames) {
          const data = frame
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trimStart())
            .join('\n');
          if (!data) continue;
          try {
            events.push({ receivedAt: at, event: JSON.parse(data) });
          } catch {
            // not an event (a comment or a keep-alive)
          }
        }
      });
      response.on('error', () => {});
      resolve({ events, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

const seconds = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'n/a');

export async function runS7(gowinproc, ctx) {
  if (gowinproc.unavailable) return { unavailable: `gowinproc: ${gowinproc.unavailable}` };
  const dir = join(ctx.runDir, 's7');
  const [lbPort] = await ctx.ports.take(1);
  const ports = await ctx.ports.take(SCALING.max_instances + 2);
  const config = {
    server: { host: '127.0.0.1', port: gowinproc.apiPorts[0], grpc_port: gowinproc.apiPorts[1] },
    log_level: 'info',
    metrics: { interval: '1s' },
    processes: [
      echoProcess({
        name: 'echo',
        instances: 1,
        minInstances: SCALING.min_instances,
        maxInstances: SCALING.max_instances,
        ports,
        marker: ctx.marker,
        scaling: SCALING,
      }),
    ],
    load_balancers: [roundRobinBalancer({ name: 'echo_lb', port: lbPort, process: 'echo' })],
  };
  const target = `127.0.0.1:${lbPort}`;
  const result = {
    scaling: SCALING,
    load: { ...STEP_LOAD, method: 'Echo/Unary' },
    idleMs: IDLE_MS,
    loadavg1: { before: loadavg()[0] },
  };
  progress('S7: starting the daemon: 1 echo instance with scaling enabled, behind a balancer');
  const session = await launchDaemon({ dir, config, marker: ctx.marker });
  let stream = null;
  try {
    const initial = await waitServing(target, 1, { timeoutMs: 60_000, session });
    result.initial = initial;
    stream = await followEvents(session.apiUrl, 'echo').catch((error) => {
      progress(`S7: no event stream (${error.message}): only served_by times are measured`);
      return null;
    });
    progress(`S7: serving from ${initial.join(', ')}; idle for ${IDLE_MS / 1000} s`);
    await sleep(IDLE_MS);
    const idleStatus = await session.get('/api/v1/processes/echo/status').catch(() => null);
    result.instancesAfterIdle = idleStatus?.json?.count ?? null;

    progress(
      `S7: step to ${STEP_LOAD.concurrency} callers of Echo/Unary with burn_ms ${STEP_LOAD.request.burn_ms} (sustain ${SCALING.sustain}, cooldown ${SCALING.cooldown}, cpu_threshold ${SCALING.cpu_threshold} %)`,
    );
    const known = new Set(initial);
    const joined = [];
    const controller = new AbortController();
    let stopTimer = null;
    const stepAt = performance.now();
    const report = await runLoad({
      target,
      ...STEP_LOAD,
      durationMs: STEP_MAX_MS,
      deadlineMs: 10_000,
      signal: controller.signal,
      onReply: (servedBy, sinceStepMs) => {
        if (known.has(servedBy)) return;
        known.add(servedBy);
        joined.push({ servedBy, firstReplyMs: sinceStepMs });
        progress(
          `S7: new instance ${servedBy} served its first reply ${seconds(sinceStepMs)} after the step`,
        );
        if (known.size >= SCALING.max_instances && !stopTimer)
          stopTimer = setTimeout(() => controller.abort(), AFTER_LAST_MS);
      },
    });
    clearTimeout(stopTimer);
    result.loadavg1.after = loadavg()[0];

    // The daemon's account of the same minutes, on the bench's clock (ms since the step).
    const since = (e) => e.receivedAt - stepAt;
    const events = (stream?.events ?? []).filter((e) => e.receivedAt >= stepAt);
    result.decisions = events
      .filter((e) => e.event.type === 'process.autoscale')
      .map((e) => ({
        atMs: since(e),
        action: e.event.action,
        from: e.event.from,
        to: e.event.to,
        held: e.event.held,
        reason: e.event.reason,
      }));
    const firstOf = (instance, predicate) => {
      const found = events.find((e) => e.event.instance === instance && predicate(e.event));
      return found ? since(found) : null;
    };
    result.newInstances = joined.map((j) => ({
      ...j,
      startedMs: firstOf(j.servedBy, (ev) => ev.type === 'instance.state' && ev.to === 'starting'),
      runningMs: firstOf(j.servedBy, (ev) => ev.type === 'instance.state' && ev.to === 'running'),
      healthyMs: firstOf(
        j.servedBy,
        (ev) =>
          (ev.type === 'instance.state' && ev.to === 'healthy') ||
          (ev.type === 'instance.health' && ev.ok),
      ),
      joinedBalancerMs: firstOf(
        j.servedBy,
        (ev) => ev.type === 'balancer.backend' && ev.change === 'joined',
      ),
    }));
    result.eventTypes = [...new Set(events.map((e) => e.event.type))];
    result.stepToFirstNewMs = joined[0]?.firstReplyMs ?? null;
    result.load = {
      ...result.load,
      windowMs: report.windowMs,
      sent: report.sent,
      ok: report.ok,
      errors: report.errors,
      byStatus: report.byStatus,
      latency: report.latency,
      timeline: report.timeline,
    };
    if (joined.length === 0)
      result.note = `no new instance served within ${STEP_MAX_MS / 1000} s of the step`;
    // No reaction to measure counts as a failed measurement: the bench then exits 1.
    result.failed = joined.length === 0 ? 1 : 0;
    progress(
      `S7: step -> first new instance serving: ${seconds(result.stepToFirstNewMs)}; ${joined.length} new instance(s); ${report.errors} failed call(s) of ${report.sent}`,
    );
    return result;
  } finally {
    stream?.close();
    await session.shutdown();
  }
}

/** The S7 section of the report (markdown lines). */
export function renderS7(s7) {
  if (!s7) return [];
  const title = '## S7 autoscaler reaction (idle, then a CPU-heavy step)';
  if (s7.unavailable) return [title, '', `unavailable: ${s7.unavailable}`];
  if (s7.error) return [title, '', `error: ${s7.error}`];
  const policy = `cpu_threshold ${s7.scaling.cpu_threshold} % of one core per instance, sustain ${s7.scaling.sustain}, cooldown ${s7.scaling.cooldown}, scale_up_stabilization ${s7.scaling.scale_up_stabilization}, ${s7.scaling.min_instances}..${s7.scaling.max_instances} instances`;
  const header = ['new instance', 'decision', 'started', 'healthy', 'joined LB', 'first reply'];
  const scaleUps = (s7.decisions ?? []).filter((d) => d.action === 'scale_up');
  const rows = (s7.newInstances ?? []).map((n, i) => {
    // The decision that made room for it: the last scale-up before it started (or served).
    const reference = n.startedMs ?? n.firstReplyMs;
    const decision = [...scaleUps].reverse().find((d) => d.atMs <= reference + 1);
    return [
      `#${i + 1} ${n.servedBy}`,
      decision ? `${seconds(decision.atMs)} (${decision.from} -> ${decision.to})` : 'n/a',
      seconds(n.startedMs),
      seconds(n.healthyMs),
      seconds(n.joinedBalancerMs),
      seconds(n.firstReplyMs),
    ];
  });
  const out = [
    title,
    '',
    `Policy: ${policy}. Load: ${s7.load.concurrency} callers of Echo/Unary with burn_ms ${s7.load.request.burn_ms}, after ${s7.idleMs / 1000} s idle (${s7.instancesAfterIdle ?? '?'} instance(s) at the step).`,
    '',
    `**Step -> first new instance serving traffic: ${seconds(s7.stepToFirstNewMs)}** (sustain ${s7.scaling.sustain}, cooldown ${s7.scaling.cooldown})`,
    '',
  ];
  if (rows.length > 0) out.push(markdownTable(header, rows), '');
  // Calls per second, averaged over 5 s blocks: the capacity each new instance added.
  const timeline = s7.load.timeline ?? [];
  const blocks = [];
  for (let i = 0; i < timeline.length; i += 5) {
    const block = timeline.slice(i, i + 5);
    blocks.push((block.reduce((sum, t) => sum + t.rps, 0) / block.length).toFixed(0));
  }
  out.push(
    `All times from the step. Calls in the step: ${s7.load.sent} sent, ${s7.load.errors} failed${s7.load.errors ? ` (${JSON.stringify(s7.load.byStatus)})` : ''}; calls/s in 5 s blocks from the step: ${blocks.join(' ')}.`,
  );
  if (scaleUps.length > 0)
    out.push(
      '',
      'Scale-up decisions:',
      ...scaleUps.map((d) => `- ${seconds(d.atMs)}: ${d.reason}`),
    );
  if (s7.note) out.push('', `Note: ${s7.note}`);
  out.push(
    '',
    `Load average (1 min) ${s7.loadavg1.before.toFixed(2)} -> ${s7.loadavg1.after?.toFixed(2) ?? 'n/a'}.`,
  );
  return out;
}
