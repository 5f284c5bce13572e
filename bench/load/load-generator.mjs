/**
 * The in-repo gRPC load tool: unary calls over @grpc/grpc-js, closed loop (N callers, each
 * sending its next call when the last one answers) or open loop (calls sent at a fixed rate
 * whatever the answers; latency counted from each call's intended send time, so a stall is
 * charged to every call it delayed: no coordinated omission).
 *
 * Requests are encoded once (a Buffer, or an EchoRequest object through echo-codec.mjs) and sent
 * with identity serializers: the client spends its CPU on HTTP/2, not on protobuf objects.
 * Replies are not decoded unless served_by is asked for. `workers: n` splits the load over n
 * worker threads (load-worker.mjs) when one thread cannot keep up; their counts and hdr
 * histograms are merged.
 *
 * Phases: connect every channel, `warmupMs` of load that is not measured, then the window of
 * `durationMs`. Calls started in the window are the measured ones (`sent`, `byStatus`, `latency`);
 * after the window no call starts, and the ones in flight are awaited (up to `drainMs`, then
 * cancelled and counted as CANCELLED), so `sent` is always the sum of `byStatus`. Throughput and
 * the per-second timeline count completions that fall inside the window.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import * as grpc from '@grpc/grpc-js';
import { encodeEchoRequest, servedByOf } from './echo-codec.mjs';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  latencySummary,
  mergeInto,
  recordMs,
} from './histogram.mjs';

export const ECHO_UNARY = '/fixture.echo.Echo/Unary';

/** gRPC status names by code (OK, CANCELLED, ... UNAUTHENTICATED). */
export const STATUS_NAMES = Object.freeze(
  Object.entries(grpc.status)
    .filter(([, code]) => typeof code === 'number')
    .sort((a, b) => a[1] - b[1])
    .map(([name]) => name),
);
const statusName = (code) => STATUS_NAMES[code] ?? `CODE_${code}`;

const CHANNEL_OPTIONS = {
  // One HTTP/2 connection per client: without this grpc-js shares one subchannel between
  // clients of the same target, and `channels` would not mean connections.
  'grpc.use_local_subchannel_pool': 1,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
};
const CALLERS_PER_CHANNEL = 32;

/** Absolute milliseconds comparable between threads (each has its own performance.now() origin). */
const absoluteNow = () => performance.timeOrigin + performance.now();

const identity = (buffer) => buffer;

/**
 * Resolves once performance.now() has reached `time`. A timer alone can fire a little early
 * (libuv measures from its cached loop time), which would move calls across a phase boundary.
 */
async function until(time) {
  while (performance.now() < time)
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, time - performance.now())));
}

function positive(name, value, { integer = false, zero = false } = {}) {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (zero ? value >= 0 : value > 0) &&
    (!integer || Number.isInteger(value));
  if (!ok)
    throw new Error(
      `${name} must be a${integer ? ' whole' : ''} number ${zero ? '>= 0' : '> 0'}, got ${value}`,
    );
  return value;
}

/**
 * Checks the options and fills in the defaults. Throws an Error naming the bad option.
 *   target 'host:port'; method (default ECHO_UNARY); request: a Buffer (the serialized message)
 *   or an EchoRequest object (default {}); mode 'closed' | 'open' (default: 'open' when rate is
 *   given); concurrency: closed = callers (default 1), open = most calls in flight (default
 *   unlimited; beyond it sends wait in a queue, still timed from their intended time); rate:
 *   calls per second (open only); durationMs; warmupMs (default 0); channels: HTTP/2
 *   connections (default 1 per 32 callers); deadlineMs per call (default none); drainMs (wait
 *   for calls in flight after the window, default deadlineMs + 1000 or 10000); connectTimeoutMs
 *   (every channel must be ready within it, default 10000); workers: threads
 *   (default 1 = this thread); trackServedBy: count replies by EchoReply.served_by; onReply(
 *   servedBy, msSinceWindowStart) for each OK reply (this thread only); signal: an AbortSignal
 *   that ends the window early.
 */
export function normalizeOptions(options) {
  const { target } = options;
  if (typeof target !== 'string' || !/^[^\s:]+:\d+$|^\[[^\]]+\]:\d+$/.test(target))
    throw new Error(`target must be "host:port", got ${target}`);
  const method = options.method ?? ECHO_UNARY;
  if (typeof method !== 'string' || !/^\/[^/]+\/[^/]+$/.test(method))
    throw new Error(`method must be "/package.Service/Method", got ${method}`);
  const rate = options.rate === undefined ? undefined : positive('rate', options.rate);
  const mode = options.mode ?? (rate === undefined ? 'closed' : 'open');
  if (mode !== 'closed' && mode !== 'open')
    throw new Error(`mode must be "closed" or "open", got ${mode}`);
  if (mode === 'open' && rate === undefined) throw new Error('open loop needs a rate');
  if (mode === 'closed' && rate !== undefined)
    throw new Error('rate applies to the open loop only (mode "open")');
  const concurrency =
    options.concurrency === undefined
      ? mode === 'closed'
        ? 1
        : Infinity
      : positive('concurrency', options.concurrency, { integer: true });
  const workers =
    options.workers === undefined ? 1 : positive('workers', options.workers, { integer: true });
  if (mode === 'closed' && workers > concurrency)
    throw new Error(`workers (${workers}) cannot exceed the closed loop's concurrency`);
  const callers = Number.isFinite(concurrency) ? concurrency : CALLERS_PER_CHANNEL;
  const channels =
    options.channels === undefined
      ? Math.max(workers, Math.ceil(callers / CALLERS_PER_CHANNEL))
      : positive('channels', options.channels, { integer: true });
  if (channels < workers) throw new Error(`channels (${channels}) must be >= workers (${workers})`);
  const durationMs = positive('durationMs', options.durationMs);
  const warmupMs = positive('warmupMs', options.warmupMs ?? 0, { zero: true });
  const deadlineMs =
    options.deadlineMs === undefined ? undefined : positive('deadlineMs', options.deadlineMs);
  const drainMs = positive('drainMs', options.drainMs ?? (deadlineMs ?? 9000) + 1000, {
    zero: true,
  });
  const request = options.request ?? {};
  const requestBytes =
    request instanceof Uint8Array
      ? Buffer.from(request.buffer, request.byteOffset, request.byteLength)
      : encodeEchoRequest(request);
  const connectTimeoutMs = positive('connectTimeoutMs', options.connectTimeoutMs ?? 10_000);
  if (options.onReply !== undefined && typeof options.onReply !== 'function')
    throw new Error('onReply must be a function');
  if (options.onReply && workers > 1)
    throw new Error('onReply runs in this thread: it cannot be used with workers > 1');
  return {
    target,
    method,
    requestBytes,
    mode,
    concurrency,
    rate,
    durationMs,
    warmupMs,
    channels,
    deadlineMs,
    drainMs,
    connectTimeoutMs,
    workers,
    trackServedBy: Boolean(options.trackServedBy || options.onReply),
    onReply: options.onReply,
    signal: options.signal,
  };
}

function connect(target, channels, timeoutMs) {
  const clients = Array.from(
    { length: channels },
    () => new grpc.Client(target, grpc.credentials.createInsecure(), CHANNEL_OPTIONS),
  );
  const ready = clients.map(
    (client) =>
      new Promise((resolve, reject) =>
        client.waitForReady(Date.now() + timeoutMs, (error) =>
          error ? reject(new Error(`cannot connect to ${target}: ${error.message}`)) : resolve(),
        ),
      ),
  );
  return Promise.all(ready).then(
    () => clients,
    (error) => {
      for (const client of clients) client.close();
      throw error;
    },
  );
}

/**
 * One thread's share of the load: connects its channels, then run(startAt) sends from the
 * absolute time `startAt` (performance.timeOrigin-based ms) and resolves the raw counts.
 * `phaseMs` shifts an open loop's schedule so that several threads interleave their sends.
 */
export async function createShard(shardOptions) {
  const o = shardOptions;
  const clients = await connect(o.target, o.channels, o.connectTimeoutMs);
  const requestBytes = Buffer.isBuffer(o.requestBytes)
    ? o.requestBytes
    : Buffer.from(o.requestBytes.buffer, o.requestBytes.byteOffset, o.requestBytes.byteLength);

  const histogram = createHistogram();
  const byStatus = new Map();
  const timeline = [];
  const servedBy = new Map();
  const inFlightCalls = new Set();
  const queue = []; // open loop: intended send times waiting for a free slot
  let sent = 0;
  let inFlight = 0;
  let windowStart = Infinity;
  let windowEnd = Infinity;
  let stopAt = Infinity;
  let issuing = false;
  let nextChannel = 0;
  let rescheduleEnd = () => {};
  let onIdle = null;

  const bucket = (index) => {
    while (timeline.length <= index)
      timeline.push({ completions: 0, ok: 0, histogram: createHistogram() });
    return timeline[index];
  };

  function finished(intended, measured, error, reply, afterDone) {
    const end = performance.now();
    inFlight--;
    const code = error ? (typeof error.code === 'number' ? error.code : grpc.status.UNKNOWN) : 0;
    const latencyMs = end - intended;
    if (measured) {
      byStatus.set(code, (byStatus.get(code) ?? 0) + 1);
      recordMs(histogram, latencyMs);
    }
    if (end >= windowStart && end < windowEnd) {
      const second = bucket(Math.floor((end - windowStart) / 1000));
      second.completions++;
      if (code === 0) second.ok++;
      recordMs(second.histogram, latencyMs);
    }
    if (code === 0 && o.trackServedBy && reply) {
      const id = servedByOf(reply);
      const sinceStart = end - windowStart;
      const seen = servedBy.get(id);
      if (seen) seen.count++;
      else servedBy.set(id, { count: 1, firstMs: sinceStart });
      o.onReply?.(id, sinceStart);
    }
    if (afterDone) afterDone();
    if (inFlight === 0 && !issuing && onIdle) onIdle();
  }

  function send(intended, afterDone) {
    const measured = intended >= windowStart && intended < windowEnd;
    if (measured) sent++;
    inFlight++;
    const client = clients[nextChannel];
    nextChannel = (nextChannel + 1) % clients.length;
    const callOptions = o.deadlineMs === undefined ? {} : { deadline: Date.now() + o.deadlineMs };
    const call = client.makeUnaryRequest(
      o.method,
      identity,
      identity,
      requestBytes,
      callOptions,
      (error, reply) => {
        inFlightCalls.delete(call);
        finished(intended, measured, error, reply, afterDone);
      },
    );
    inFlightCalls.add(call);
  }

  /** Open loop: sends a queued call when a slot is free (also after the window: they are due). */
  function release() {
    if (queue.length > 0 && inFlight < o.concurrency) send(queue.shift(), release);
  }

  function closedLoop() {
    const caller = () => {
      const now = performance.now();
      if (issuing && now < windowEnd) send(now, caller);
    };
    for (let i = 0; i < o.concurrency; i++) caller();
    return () => {};
  }

  function openLoop(t0) {
    const first = t0 + (o.phaseMs ?? 0);
    const intervalMs = 1000 / o.rate;
    let index = 0;
    let timer = null;
    const sendDue = (until) => {
      for (;;) {
        const intended = first + index * intervalMs;
        if (intended > until || intended >= windowEnd) break;
        index++;
        if (inFlight < o.concurrency && queue.length === 0) send(intended, release);
        else queue.push(intended);
      }
    };
    const tick = () => {
      timer = null;
      if (!issuing) return;
      sendDue(performance.now());
      timer = setTimeout(tick, Math.max(0, first + index * intervalMs - performance.now()));
    };
    tick();
    return () => {
      clearTimeout(timer);
      // A late timer must not lose calls: every intended time before the window's end is sent.
      sendDue(windowEnd);
    };
  }

  async function run(startAt) {
    const t0 = startAt - performance.timeOrigin;
    windowStart = t0 + o.warmupMs;
    windowEnd = Math.max(windowStart, Math.min(windowStart + o.durationMs, stopAt));
    await until(t0);
    issuing = true;
    const stopSending = o.mode === 'open' ? openLoop(t0) : closedLoop();

    // The window ends at its time, or earlier through stop().
    await new Promise((resolve) => {
      let timer = null;
      const check = () => {
        if (performance.now() >= windowEnd) resolve();
        else timer = setTimeout(check, Math.max(0, windowEnd - performance.now()));
      };
      rescheduleEnd = () => {
        clearTimeout(timer);
        check();
      };
      rescheduleEnd();
    });
    const closedAt = performance.now();
    windowEnd = Math.min(windowEnd, closedAt);
    issuing = false;
    stopSending();
    const windowMs = Math.max(0, windowEnd - windowStart);

    // Drain: queued open-loop sends still go out as slots free up; answers are awaited.
    if (inFlight > 0 || queue.length > 0)
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, o.drainMs);
        onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    const dropped = queue.length;
    queue.length = 0;
    if (inFlight > 0)
      // Past the drain time: cancel; their callbacks count them as CANCELLED.
      await new Promise((resolve) => {
        onIdle = resolve;
        for (const call of [...inFlightCalls]) call.cancel();
      });
    onIdle = null;
    return {
      sent,
      dropped,
      byStatus: Object.fromEntries(byStatus),
      histogram,
      windowMs,
      drainMs: performance.now() - closedAt,
      timeline,
      servedBy: Object.fromEntries(servedBy),
    };
  }

  return {
    run,
    /** Ends the window at absolute time `at` (now when omitted or already past). */
    stop(at = absoluteNow()) {
      stopAt = Math.min(stopAt, at - performance.timeOrigin);
      if (windowStart !== Infinity) {
        windowEnd = Math.max(windowStart, Math.min(windowEnd, stopAt));
        rescheduleEnd();
      }
    },
    close() {
      for (const client of clients) client.close();
    },
  };
}

/** Splits an integer total over n shares (the first ones get the remainder). */
function split(total, n, index) {
  return Math.floor(total / n) + (index < total % n ? 1 : 0);
}

function shardOptionsFor(o, index) {
  const n = o.workers;
  return {
    target: o.target,
    method: o.method,
    requestBytes: o.requestBytes,
    mode: o.mode,
    concurrency: Number.isFinite(o.concurrency) ? split(o.concurrency, n, index) : Infinity,
    rate: o.rate === undefined ? undefined : o.rate / n,
    // Open loop: thread k sends k/n of an interval after thread 0, so the sends interleave.
    phaseMs: o.rate === undefined ? 0 : (index * 1000) / o.rate,
    channels: split(o.channels, n, index),
    durationMs: o.durationMs,
    warmupMs: o.warmupMs,
    deadlineMs: o.deadlineMs,
    drainMs: o.drainMs,
    connectTimeoutMs: o.connectTimeoutMs,
    trackServedBy: o.trackServedBy,
  };
}

/** Runs the shards in worker threads; resolves their raw results with histograms decoded. */
async function runInWorkers(o, onStart) {
  const workers = [];
  const results = [];
  try {
    const ready = [];
    for (let i = 0; i < o.workers; i++) {
      const worker = new Worker(new URL('./load-worker.mjs', import.meta.url), {
        workerData: shardOptionsFor(o, i),
      });
      workers.push(worker);
      results.push(
        new Promise((resolve, reject) => {
          worker.on('message', (message) => {
            if (message.type === 'result') resolve(message.raw);
            else if (message.type === 'error') reject(new Error(message.message));
          });
          worker.on('error', reject);
          worker.on('exit', (code) => reject(new Error(`load worker exited with code ${code}`)));
        }),
      );
      ready.push(
        new Promise((resolve, reject) => {
          worker.on('message', (message) => {
            if (message.type === 'ready') resolve();
            else if (message.type === 'error') reject(new Error(message.message));
          });
          worker.on('error', reject);
          worker.on('exit', (code) => reject(new Error(`load worker exited with code ${code}`)));
        }),
      );
    }
    // A failed connect rejects `ready`; keep the result promises from reporting it twice.
    for (const r of results) r.catch(() => {});
    await Promise.all(ready);
    const startAt = absoluteNow() + 50;
    for (const worker of workers) worker.postMessage({ type: 'start', startAt });
    onStart(startAt, (at) => {
      for (const worker of workers) worker.postMessage({ type: 'stop', at });
    });
    const raws = await Promise.all(results);
    return raws.map((raw) => ({
      ...raw,
      histogram: decodeHistogram(raw.histogram),
      timeline: raw.timeline.map((s) => ({ ...s, histogram: decodeHistogram(s.histogram) })),
    }));
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** A raw shard result with its histograms encoded, for postMessage. */
export function encodeRaw(raw) {
  return {
    ...raw,
    histogram: encodeHistogram(raw.histogram),
    timeline: raw.timeline.map((s) => ({ ...s, histogram: encodeHistogram(s.histogram) })),
  };
}

/** Merges the shards' raw results into the report runLoad() resolves. */
function finalize(o, raws, extra) {
  const histogram = createHistogram();
  const byCode = new Map();
  const timeline = [];
  const servedBy = {};
  let sent = 0;
  let dropped = 0;
  let windowMs = 0;
  for (const raw of raws) {
    sent += raw.sent;
    dropped += raw.dropped;
    windowMs = Math.max(windowMs, raw.windowMs);
    mergeInto(histogram, raw.histogram);
    for (const [code, n] of Object.entries(raw.byStatus))
      byCode.set(Number(code), (byCode.get(Number(code)) ?? 0) + n);
    raw.timeline.forEach((second, i) => {
      timeline[i] ??= { completions: 0, ok: 0, histogram: createHistogram() };
      timeline[i].completions += second.completions;
      timeline[i].ok += second.ok;
      mergeInto(timeline[i].histogram, second.histogram);
    });
    for (const [id, seen] of Object.entries(raw.servedBy)) {
      const merged = (servedBy[id] ??= { count: 0, firstMs: seen.firstMs });
      merged.count += seen.count;
      merged.firstMs = Math.min(merged.firstMs, seen.firstMs);
    }
  }
  const byStatus = {};
  for (const code of [...byCode.keys()].sort((a, b) => a - b))
    byStatus[statusName(code)] = byCode.get(code);
  const completed = [...byCode.values()].reduce((a, b) => a + b, 0);
  const ok = byCode.get(0) ?? 0;
  const seconds = windowMs / 1000;
  let completions = 0;
  let okCompletions = 0;
  const perSecond = [];
  for (let i = 0; i * 1000 < windowMs; i++) {
    const second = timeline[i] ?? { completions: 0, ok: 0, histogram: createHistogram() };
    const lengthS = Math.min(1000, windowMs - i * 1000) / 1000;
    completions += second.completions;
    okCompletions += second.ok;
    perSecond.push({
      second: i,
      rps: second.completions / lengthS,
      nonOk: second.completions - second.ok,
      p99: latencySummary(second.histogram).p99,
    });
  }
  return {
    target: o.target,
    method: o.method,
    mode: o.mode,
    concurrency: Number.isFinite(o.concurrency) ? o.concurrency : null,
    rate: o.rate ?? null,
    channels: o.channels,
    workers: o.workers,
    deadlineMs: o.deadlineMs ?? null,
    warmupMs: o.warmupMs,
    durationMs: o.durationMs,
    windowMs,
    sent,
    completed,
    ok,
    errors: completed - ok,
    dropped,
    byStatus,
    throughput: seconds > 0 ? completions / seconds : 0,
    okThroughput: seconds > 0 ? okCompletions / seconds : 0,
    latency: latencySummary(histogram),
    timeline: perSecond,
    ...(o.trackServedBy ? { servedBy } : {}),
    ...extra,
  };
}

/**
 * Runs one load and resolves its report: { sent, completed, ok, errors, dropped, byStatus
 * {OK: n, UNAVAILABLE: n, ...}, throughput and okThroughput (completions per second in the
 * window), latency {count, mean, p50, p90, p99, p999, max} in ms, timeline [{second, rps,
 * nonOk, p99}], servedBy? {id: {count, firstMs}}, clientCpuPercent (this process, all threads,
 * % of one core over the window), and the options used }.
 */
export async function runLoad(options) {
  const o = normalizeOptions(options);
  let cpuAtStart = null;
  let cpuTimer = null;
  let cpuEnd = null;
  const onStart = (startAt, stop) => {
    const windowStartIn = startAt + o.warmupMs - absoluteNow();
    cpuTimer = setTimeout(
      () => {
        cpuAtStart = { usage: process.cpuUsage(), at: performance.now() };
        cpuTimer = setTimeout(takeCpuEnd, o.durationMs);
      },
      Math.max(0, windowStartIn),
    );
    const takeCpuEnd = () => {
      clearTimeout(cpuTimer);
      if (cpuAtStart && !cpuEnd) {
        const used = process.cpuUsage(cpuAtStart.usage);
        const ms = performance.now() - cpuAtStart.at;
        cpuEnd = ms > 0 ? ((used.user + used.system) / 1000 / ms) * 100 : null;
      }
    };
    if (o.signal) {
      const abort = () => {
        takeCpuEnd();
        stop(absoluteNow());
      };
      if (o.signal.aborted) abort();
      else o.signal.addEventListener('abort', abort, { once: true });
    }
    return takeCpuEnd;
  };

  let raws;
  let takeCpuEnd = () => {};
  if (o.workers === 1) {
    const shard = await createShard({ ...o, phaseMs: 0 });
    try {
      const startAt = absoluteNow();
      const running = shard.run(startAt);
      takeCpuEnd = onStart(startAt, (at) => shard.stop(at));
      raws = [await running];
    } finally {
      shard.close();
    }
  } else {
    raws = await runInWorkers(o, (startAt, stop) => {
      takeCpuEnd = onStart(startAt, stop);
    });
  }
  takeCpuEnd();
  clearTimeout(cpuTimer);
  return finalize(o, raws, { clientCpuPercent: cpuEnd });
}
