#!/usr/bin/env node
/**
 * `npm run bench`: gowinproc against PM2 and supervisord on the same fixtures in one run.
 * Progress goes to stderr, the markdown report to stdout, raw figures to bench/results/*.json.
 * Every daemon the bench starts is stopped at the end, also on failure or Ctrl+C.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions, USAGE } from './lib/args.mjs';
import { installSignalCleanup, onCleanup, runCleanups } from './lib/cleanup.mjs';
import { which } from './lib/exec.mjs';
import { progress } from './lib/log.mjs';
import { PortPool } from './lib/net.mjs';
import { killAll, pidsWithMarker } from './lib/procs.mjs';
import { renderReport } from './lib/report.mjs';
import { summarize } from './lib/stats.mjs';
import { gowinproc } from './managers/gowinproc.mjs';
import { pm2 } from './managers/pm2.mjs';
import { supervisord } from './managers/supervisord.mjs';
import { runS1 } from './scenarios/s1-restart.mjs';
import { runS2 } from './scenarios/s2-memory.mjs';
import { runS3, S3_MANAGERS } from './scenarios/s3-metrics.mjs';
import { runS4Once } from './scenarios/s4-start-stop.mjs';
import { renderS5, runS5 } from './scenarios/s5-update.mjs';
import { renderS6, runS6 } from './scenarios/s6-balancer.mjs';
import { renderS7, runS7 } from './scenarios/s7-scale-reaction.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));

let options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error.message}\n${USAGE}\n`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (process.platform !== 'linux') {
  process.stderr.write('the bench reads /proc and runs supervisord: it needs Linux\n');
  process.exit(2);
}

installSignalCleanup();
// A stray rejection in a background poll must not kill the bench before it stops its daemons.
process.on('unhandledRejection', (error) =>
  progress(`unhandled rejection: ${error?.message ?? error}`),
);
const runDir = mkdtempSync(join(tmpdir(), 'gowinproc-bench-'));
const marker = `gwpbenchfx${randomBytes(4).toString('hex')}`;
const sleeper = join(runDir, `${marker}-sleep`);
symlinkSync((await which('sleep')) ?? '/bin/sleep', sleeper);
const ctx = {
  options,
  runDir,
  marker,
  sleeper,
  fixtures: join(BENCH, 'fixtures'),
  ports: new PortPool(),
  pm2Prefix: options.pm2Prefix,
};

let failures = 0;
// Registered first, so it runs last: after every daemon is stopped, also on Ctrl+C.
onCleanup('temporary run directory', () => {
  if (options.keep || failures > 0) progress(`run directory kept for inspection: ${runDir}`);
  else rmSync(runDir, { recursive: true, force: true });
});

const all = { gowinproc, pm2, supervisord };
// S3 measures only the managers with a metrics path, S5 gowinproc and PM2 (its peer, behind
// nginx), and S6/S7 only gowinproc (its balancer and autoscaler), so a run of those scenarios
// alone need not prepare the others.
const managers = options.managers
  .map((id) => all[id])
  .filter(
    (m) =>
      options.only.some((s) => ['s1', 's2', 's4'].includes(s)) ||
      (options.only.includes('s3') && S3_MANAGERS.includes(m.id)) ||
      (options.only.includes('s5') && ['gowinproc', 'pm2'].includes(m.id)) ||
      (m.id === 'gowinproc' && options.only.some((s) => s === 's6' || s === 's7')),
  );
const results = {
  meta: {
    startedAt: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadavg: loadavg().map((l) => l.toFixed(2)),
    options,
    runDir,
  },
  managers: {},
};

async function attempt(what, fn) {
  try {
    return await fn();
  } catch (error) {
    failures++;
    progress(`${what} FAILED: ${error.message}`);
    return { error: error.message.split('\n')[0] };
  }
}

try {
  progress(`run directory ${runDir}; fixture marker ${marker}`);
  if (loadavg()[0] > cpus().length * 0.5)
    progress(
      `warning: load average ${loadavg()[0].toFixed(2)} on ${cpus().length} CPUs: timings will be noisy`,
    );
  for (const manager of managers) {
    await manager.prepare(ctx).catch((error) => (manager.unavailable = error.message));
    results.managers[manager.id] = {
      label: manager.label,
      version: manager.version,
      unavailable: manager.unavailable,
    };
    progress(
      `${manager.label}: ${manager.unavailable ? `not available (${manager.unavailable})` : 'ready'}`,
    );
  }
  const ready = managers.filter((m) => !m.unavailable);

  if (options.only.includes('s1')) {
    results.s1 = {};
    for (const m of ready) results.s1[m.id] = await attempt(`S1 ${m.label}`, () => runS1(m, ctx));
  }

  if (options.only.includes('s2')) {
    results.s2 = Object.fromEntries(ready.map((m) => [m.id, {}]));
    for (const size of options.sizes)
      for (const m of ready)
        results.s2[m.id][size] = await attempt(`S2 ${m.label} x${size}`, () => runS2(m, size, ctx));
  }

  if (options.only.includes('s3')) {
    const measured = ready.filter((m) => S3_MANAGERS.includes(m.id));
    results.s3 = Object.fromEntries(measured.map((m) => [m.id, {}]));
    for (const size of options.s3Sizes)
      for (const m of measured)
        results.s3[m.id][size] = await attempt(`S3 ${m.label} x${size}`, () => runS3(m, size, ctx));
  }

  if (options.only.includes('s4')) {
    results.s4 = Object.fromEntries(ready.map((m) => [m.id, { runs: [], errors: [] }]));
    const ports = {};
    for (const m of ready) ports[m.id] = await ctx.ports.take(options.instances);
    // Managers take turns within each repeat so that background noise spreads over all of them.
    for (let repeat = 1; repeat <= options.repeats; repeat++) {
      for (const m of ready) {
        const run = await attempt(`S4 ${m.label} #${repeat}`, () =>
          runS4Once(m, ports[m.id], repeat, ctx),
        );
        if (run.error) results.s4[m.id].errors.push(run.error);
        else results.s4[m.id].runs.push(run);
      }
    }
    for (const m of ready) {
      const entry = results.s4[m.id];
      for (const key of ['coldStart', 'stopAll', 'warmStart', 'shutdown'])
        entry[key] = summarize(entry.runs.map((r) => r[key]));
      if (entry.runs.length === 0) entry.error = entry.errors[0] ?? 'no run';
    }
  }

  // S6/S7 need only gowinproc; without it their balancer parts say why.
  const daemon = ready.find((m) => m.id === 'gowinproc') ?? {
    unavailable:
      managers.find((m) => m.id === 'gowinproc')?.unavailable ?? 'not selected by --managers',
  };
  if (options.only.includes('s5'))
    results.s5 = await attempt('S5', () =>
      runS5(daemon, ready.find((m) => m.id === 'pm2') ?? managers.find((m) => m.id === 'pm2'), ctx),
    );
  if (options.only.includes('s6')) results.s6 = await attempt('S6', () => runS6(daemon, ctx));
  if (options.only.includes('s7')) results.s7 = await attempt('S7', () => runS7(daemon, ctx));
  failures += (results.s5?.failed ?? 0) + (results.s6?.failed ?? 0) + (results.s7?.failed ?? 0);
} catch (error) {
  failures++;
  progress(`bench failed: ${error.stack ?? error.message}`);
  results.error = error.message;
} finally {
  await runCleanups();
  const left = pidsWithMarker(marker);
  if (left.length > 0) {
    progress(`${left.length} fixture process(es) still ran after every daemon was stopped: killed`);
    killAll(left);
    results.leftoverFixtures = left.length;
  }
}

results.meta.finishedAt = new Date().toISOString();
const resultsDir = join(BENCH, 'results');
mkdirSync(resultsDir, { recursive: true });
const outFile =
  options.out ?? join(resultsDir, `bench-${results.meta.startedAt.replace(/[:.]/g, '-')}.json`);
writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
progress(`results written to ${outFile}`);

process.stdout.write(
  `${[renderReport(results), ...renderS5(results.s5), '', ...renderS6(results.s6), '', ...renderS7(results.s7)].join('\n')}\n`,
);
process.exitCode = failures > 0 ? 1 : 0;
