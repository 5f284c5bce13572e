/**
 * S2 - the manager's own memory. N children of a sleeper (/bin/sleep infinity, through a
 * symlink whose name carries the run's marker) with no health check; once all N run, wait
 * `--settle` seconds, then read VmRSS of the manager's own process (gowinproc daemon, PM2 God
 * Daemon, supervisord) from /proc/<pid>/status five times a second apart and keep the median.
 */
import { join } from 'node:path';
import { progress, sleep } from '../lib/log.mjs';
import { pidsWithMarker, rssKiB, statusKiB, waitFor } from '../lib/procs.mjs';
import { median } from '../lib/stats.mjs';

const SAMPLES = 5;

export async function runS2(manager, size, ctx) {
  const dir = join(ctx.runDir, 's2', `${manager.id}-${size}`);
  const ports = await ctx.ports.take(size);
  const spec = {
    name: 's2sleeper',
    argv: [ctx.sleeper, 'infinity'],
    count: size,
    ports,
    health: 'none',
    marker: ctx.marker,
  };
  progress(`S2 ${manager.label}: ${size} sleeper(s)`);
  const session = await manager.launch(spec, dir, ctx);
  try {
    await waitFor(() => pidsWithMarker(ctx.marker).length >= size, {
      timeoutMs: 120_000,
      intervalMs: 100,
      what: `${size} sleepers to run`,
    });
    const pid = session.daemonPid;
    if (!pid) throw new Error('no daemon pid known');
    progress(
      `S2 ${manager.label}: ${size} running, daemon pid ${pid}; settling ${ctx.options.settle} s`,
    );
    await sleep(ctx.options.settle * 1000);
    const samples = [];
    for (let i = 0; i < SAMPLES; i++) {
      if (i > 0) await sleep(1000);
      samples.push(rssKiB(pid));
    }
    const running = pidsWithMarker(ctx.marker).length;
    if (running !== size)
      progress(`S2 ${manager.label}: warning: ${running} sleepers run, expected ${size}`);
    const result = {
      size,
      pid,
      rssKiB: median(samples),
      samples,
      hwmKiB: statusKiB(pid, 'VmHWM'),
      running,
    };
    progress(
      `S2 ${manager.label}: ${size} child(ren) -> RSS ${(result.rssKiB / 1024).toFixed(1)} MiB`,
    );
    return result;
  } finally {
    await session.shutdown();
  }
}
