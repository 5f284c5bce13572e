/**
 * S4 - start and stop N listening instances (N = --instances, 100 by default), timed from
 * outside: "all up" = every one of the N ports accepted a TCP connection (all still-down ports
 * probed every 5 ms); "all gone" = no fixture process runs any more (pids polled every 5 ms,
 * then a fresh scan of /proc for the run's marker). Each repeat, per manager:
 *   cold start:  launch the manager with N autostarted instances -> all up
 *   stop all:    the manager's stop-all command (gowinproc stop / pm2 stop all /
 *                supervisorctl stop all) -> all gone
 *   warm start:  the manager's start command with its daemon up (gowinproc scale N /
 *                pm2 start ecosystem / supervisorctl start all) -> all up
 *   shutdown:    stop the daemon (SIGTERM / pm2 kill / supervisorctl shutdown) -> all gone
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { progress } from '../lib/log.mjs';
import { waitPortsUp } from '../lib/net.mjs';
import { pidsWithMarker, waitAllGone } from '../lib/procs.mjs';

const TIMEOUT_MS = 120_000;

/** Runs `action` while polling the ports; resolves with ms from the call to all ports up. */
async function timeUntilUp(ports, action) {
  const t0 = performance.now();
  const abort = { failed: null };
  const up = waitPortsUp(ports, { intervalMs: 5, timeoutMs: TIMEOUT_MS, abort });
  const done = Promise.resolve().then(action);
  done.catch((error) => (abort.failed = error));
  const [upAt, result] = await Promise.all([up, done]);
  return { ms: upAt - t0, result };
}

/** Runs `action` while watching the fixtures; resolves with ms from the call to none left. */
async function timeUntilGone(marker, action) {
  const pids = pidsWithMarker(marker);
  const t0 = performance.now();
  const abort = { failed: null };
  const done = Promise.resolve().then(action);
  done.catch((error) => (abort.failed = error));
  const gone = waitAllGone(pids, marker, { timeoutMs: TIMEOUT_MS, intervalMs: 5, abort });
  const [goneAt, result] = await Promise.all([gone, done]);
  return { ms: goneAt - t0, result, had: pids.length };
}

export async function runS4Once(manager, ports, repeat, ctx) {
  const count = ports.length;
  const dir = join(ctx.runDir, 's4', `${manager.id}-${repeat}`);
  const spec = {
    name: 's4listener',
    argv: ['/usr/bin/perl', join(ctx.fixtures, 'listener.pl'), ctx.marker],
    count,
    ports,
    health: 'tcp',
    marker: ctx.marker,
  };
  let session;
  const out = { repeat };
  try {
    const cold = await timeUntilUp(ports, () => manager.launch(spec, dir, ctx));
    session = cold.result;
    out.coldStart = cold.ms;
    progress(
      `S4 ${manager.label} #${repeat}: cold start of ${count} -> all accepting in ${cold.ms.toFixed(0)} ms`,
    );

    const stop = await timeUntilGone(ctx.marker, () => session.stopAll());
    out.stopAll = stop.ms;
    progress(
      `S4 ${manager.label} #${repeat}: stop all (${stop.had} processes) -> none left in ${stop.ms.toFixed(0)} ms`,
    );

    const warm = await timeUntilUp(ports, () => session.startAll());
    out.warmStart = warm.ms;
    progress(
      `S4 ${manager.label} #${repeat}: start all again -> all accepting in ${warm.ms.toFixed(0)} ms`,
    );

    const down = await timeUntilGone(ctx.marker, () => session.shutdown());
    out.shutdown = down.ms;
    progress(
      `S4 ${manager.label} #${repeat}: daemon shutdown (${down.had} processes) -> none left in ${down.ms.toFixed(0)} ms`,
    );
  } finally {
    await session?.shutdown();
  }
  return out;
}
