/**
 * S3 - the cost of metrics. N idle sleepers (as in S2) under a manager whose metrics run at
 * 1 Hz, with the load a monitoring user puts on it:
 *   gowinproc: `metrics: { interval: 1s, store: sqlite }` (a SQLite transaction every tick in
 *              <data>/metrics.db), and the bench GETs <api>/metrics every 15 s;
 *   PM2:       a separate node process (bench/lib/pm2-poller.mjs) calls pm2.list() through PM2's
 *              programmatic API every second, which makes the God Daemon sample every process
 *              with pidusage.
 * The load starts with the settle period (so one-time costs such as the first scrape's module
 * loading or the poller's connect fall before the window), then over the window the bench reads
 * the daemon's own /proc/<pid>/stat (utime + stime) at both ends and VmRSS every 5 s:
 *   CPU % of one core = ticks used / USER_HZ / window seconds x 100; RSS = median of the reads.
 * Neither the scraper (inside the bench) nor the poller (its own process) is counted.
 * gowinproc also reports `gowinproc_metrics_tick_seconds` (the last sampling tick's wall time)
 * in each scrape, and the size of metrics.db (+ its WAL) at the end.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { onCleanup } from '../lib/cleanup.mjs';
import { progress, sleep } from '../lib/log.mjs';
import { httpGet } from '../lib/net.mjs';
import {
  cpuTicks,
  pidsWithMarker,
  rssKiB,
  statusKiB,
  USER_HZ,
  waitExit,
  waitFor,
} from '../lib/procs.mjs';
import { median, summarize } from '../lib/stats.mjs';

const POLLER = fileURLToPath(new URL('../lib/pm2-poller.mjs', import.meta.url));
const SETTLE_MS = 15_000;
const RSS_EVERY_MS = 5_000;
const SCRAPE_EVERY_MS = 15_000;
// Scrapes fall half a period into it, so that none races the window's first or last reading.
const SCRAPE_PHASE_MS = SETTLE_MS - SCRAPE_EVERY_MS / 2;
const TICK_LINE = /^gowinproc_metrics_tick_seconds(?:\{[^}]*\})?\s+(\S+)/m;

/** The managers S3 measures: the ones with a 1 Hz metrics path to load. */
export const S3_MANAGERS = ['gowinproc', 'pm2'];

function fileBytes(path) {
  try {
    return statSync(path).size;
  } catch {
    return null;
  }
}

/** gowinproc's load: GET /metrics every 15 s from `SCRAPE_PHASE_MS` on. */
function startScraper(session) {
  const url = `${session.apiUrl}/metrics`;
  const started = performance.now();
  const events = [];
  const pending = new Set();
  let count = 0;
  let timer = null;

  async function scrape() {
    const at = performance.now();
    try {
      const response = await httpGet(url, 10_000);
      const match = response.status === 200 ? TICK_LINE.exec(response.body) : null;
      events.push({
        at,
        status: response.status,
        ms: response.ms,
        bytes: Buffer.byteLength(response.body),
        tickMs: match ? Number(match[1]) * 1000 : null,
        ...(response.status === 200 ? {} : { error: response.body.slice(0, 200) }),
      });
    } catch (error) {
      events.push({ at, error: error.message });
    }
  }

  const schedule = () => {
    const due = started + SCRAPE_PHASE_MS + count * SCRAPE_EVERY_MS;
    timer = setTimeout(
      () => {
        count++;
        const done = scrape();
        pending.add(done);
        done.finally(() => pending.delete(done));
        schedule();
      },
      Math.max(0, due - performance.now()),
    );
  };
  schedule();

  return {
    async stop() {
      clearTimeout(timer);
      await Promise.all(pending);
      return events;
    },
  };
}

/** PM2's load: the poller process, connected, calling pm2.list() every second. */
async function startPoller(session, manager) {
  const child = spawn(process.execPath, [POLLER, manager.moduleDir], {
    env: { ...process.env, PM2_HOME: session.home, PM2_DISABLE_VERSION_CHECK: 'true' },
    cwd: session.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events = [];
  let connected = false;
  let exited = null;
  let stderr = '';
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop();
    const at = performance.now();
    for (const line of lines) {
      const [tag, kind, ...rest] = line.trim().split(' ');
      if (tag !== 'poll') continue; // PM2's own chatter
      if (kind === 'connected') connected = true;
      else if (kind === 'ok') events.push({ at, ms: Number(rest[0]), processes: Number(rest[1]) });
      else if (kind === 'skip') events.push({ at, skipped: true });
      else events.push({ at, error: rest.join(' ') });
    }
  });
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
  child.on('exit', (code, signal) => (exited = signal ?? code));

  let stopping = null;
  const stop = () =>
    (stopping ??= (async () => {
      if (exited === null) {
        child.kill('SIGTERM');
        await waitExit(child.pid, 10_000);
      }
      forget();
      return events;
    })());
  const forget = onCleanup(`PM2 poller pid ${child.pid}`, stop);

  try {
    await waitFor(
      () => {
        if (exited !== null)
          throw new Error(`the PM2 poller exited (${exited}): ${stderr.trim().slice(-300)}`);
        return connected;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: 'the PM2 poller to connect' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop, pid: child.pid };
}

/**
 * Reads the daemon's CPU ticks and VmRSS at 0, 5, 10 ... `durationMs` (the last read closes
 * the window). Each read is scheduled from the start, so a slow one does not shift the rest.
 */
async function measureWindow(pid, durationMs) {
  const t0 = performance.now();
  const samples = [];
  for (let due = 0; due <= durationMs; due += RSS_EVERY_MS) {
    await sleep(Math.max(0, t0 + due - performance.now()));
    const at = performance.now();
    const ticks = cpuTicks(pid);
    const rss = rssKiB(pid);
    if (ticks === null || rss === null) throw new Error(`daemon pid ${pid} exited in the window`);
    samples.push({ atMs: at - t0, ticks, rssKiB: rss });
  }
  const first = samples[0];
  const last = samples[samples.length - 1];
  const windowMs = last.atMs - first.atMs;
  const ticks = last.ticks - first.ticks;
  return {
    start: t0 + first.atMs,
    end: t0 + last.atMs,
    windowMs,
    cpuTicks: ticks,
    cpuPercent: (ticks / USER_HZ / (windowMs / 1000)) * 100,
    rssKiB: median(samples.map((s) => s.rssKiB)),
    samples,
  };
}

export async function runS3(manager, size, ctx) {
  const dir = join(ctx.runDir, 's3', `${manager.id}-${size}`);
  const ports = await ctx.ports.take(size);
  const spec = {
    name: 's3sleeper',
    argv: [ctx.sleeper, 'infinity'],
    count: size,
    ports,
    health: 'none',
    marker: ctx.marker,
    metrics: { interval: '1s', store: 'sqlite' },
  };
  const durationMs = ctx.options.s3Duration * 1000;
  progress(`S3 ${manager.label}: ${size} sleeper(s)`);
  const session = await manager.launch(spec, dir, ctx);
  let load = null;
  try {
    await waitFor(() => pidsWithMarker(ctx.marker).length >= size, {
      timeoutMs: 120_000,
      intervalMs: 100,
      what: `${size} sleepers to run`,
    });
    const pid = session.daemonPid;
    if (!pid) throw new Error('no daemon pid known');
    load = manager.id === 'gowinproc' ? startScraper(session) : await startPoller(session, manager);
    progress(
      `S3 ${manager.label}: ${size} running, daemon pid ${pid}, ${manager.id === 'gowinproc' ? 'scraping /metrics every 15 s' : 'poller calling pm2.list() every 1 s'}; settling ${SETTLE_MS / 1000} s`,
    );
    await sleep(SETTLE_MS);
    const loadBefore = loadavg()[0];
    progress(`S3 ${manager.label}: measuring for ${ctx.options.s3Duration} s`);
    const window = await measureWindow(pid, durationMs);
    const loadAfter = loadavg()[0];
    const events = await load.stop();
    const inWindow = events.filter((e) => e.at >= window.start && e.at <= window.end);

    const running = pidsWithMarker(ctx.marker).length;
    const notes = [];
    if (running !== size) notes.push(`${running} sleepers ran at the end, expected ${size}`);
    const result = {
      size,
      pid,
      windowMs: window.windowMs,
      cpuTicks: window.cpuTicks,
      cpuPercent: window.cpuPercent,
      rssKiB: window.rssKiB,
      hwmKiB: statusKiB(pid, 'VmHWM'),
      samples: window.samples,
      loadavg1: { before: loadBefore, after: loadAfter },
      running,
      notes,
    };

    if (manager.id === 'gowinproc') {
      const failed = inWindow.filter((e) => e.error !== undefined);
      if (inWindow.length === 0) notes.push('no scrape of /metrics fell in the window');
      if (failed.length > 0)
        notes.push(`${failed.length} of ${inWindow.length} scrape(s) failed: ${failed[0].error}`);
      const ticks = inWindow.map((e) => e.tickMs).filter((v) => Number.isFinite(v));
      result.scrapes = inWindow;
      result.tick = ticks.length > 0 ? summarize(ticks) : null;
      if (inWindow.length > failed.length && ticks.length === 0)
        notes.push(
          'gowinproc_metrics_tick_seconds is not in the /metrics output: tick unavailable',
        );
      const db = join(session.dataDir, 'metrics.db');
      const mainBytes = fileBytes(db);
      const walBytes = fileBytes(`${db}-wal`) ?? 0;
      result.db =
        mainBytes === null ? null : { mainBytes, walBytes, totalBytes: mainBytes + walBytes };
      if (mainBytes === null) notes.push(`no ${db} at the end of the window`);
    } else {
      const ok = inWindow.filter((e) => e.ms !== undefined);
      const errors = inWindow.filter((e) => e.error !== undefined);
      result.polls = {
        ok: ok.length,
        skipped: inWindow.filter((e) => e.skipped).length,
        errors: errors.length,
        listMs: summarize(ok.map((e) => e.ms)),
        processes: median(ok.map((e) => e.processes)),
      };
      if (ok.length === 0)
        throw new Error(
          `the PM2 poller got no answer in the window${errors[0] ? `: ${errors[0].error}` : ''}`,
        );
      if (errors.length > 0) notes.push(`${errors.length} pm2.list() call(s) failed`);
    }
    for (const note of notes) progress(`S3 ${manager.label}: note: ${note}`);
    progress(
      `S3 ${manager.label}: ${size} instance(s) -> CPU ${result.cpuPercent.toFixed(2)} % of a core, RSS ${(result.rssKiB / 1024).toFixed(1)} MiB${result.tick ? `, tick median ${result.tick.median.toFixed(1)} ms` : ''}`,
    );
    return result;
  } finally {
    await load?.stop();
    await session.shutdown();
  }
}
