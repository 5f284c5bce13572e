/**
 * What S6 and S7 share: echo fixture processes started by the bench itself, the gowinproc daemon
 * with echo processes behind its load balancers (a config of their own, so not through
 * managers/gowinproc.mjs), waiting until a balancer serves from every backend, and CPU ticks of a
 * process with its children (nginx's workers).
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLoad } from '../load/load-generator.mjs';
import { onCleanup } from './cleanup.mjs';
import { progress, sleep } from './log.mjs';
import { httpGet } from './net.mjs';
import { cpuTicks, killAll, pidsWithMarker, waitExit } from './procs.mjs';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'gowinproc.js');
export const ECHO_FIXTURE = join(ROOT, 'test', 'fixtures', 'echo-service.mjs');

/**
 * Starts one echo fixture on `port` (the marker on its command line, so the bench's leftover
 * scan finds it); resolves { pid, port, stop() } once it prints "ready".
 */
export async function startEchoFixture({ port, marker, instanceId, dir }) {
  mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, [ECHO_FIXTURE, marker], {
    env: { ...process.env, PORT: String(port), INSTANCE_ID: instanceId ?? String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let exited = null;
  let output = '';
  child.on('exit', (code, signal) => (exited = signal ?? code));
  const ready = new Promise((resolveReady, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`echo fixture on ${port}: no "ready" in 10 s`)),
      10_000,
    );
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      output = (output + chunk).slice(-2000);
      if (/^ready \d+$/m.test(output)) {
        clearTimeout(timer);
        resolveReady();
      }
    });
    child.stderr.on('data', (chunk) => (output = (output + chunk).slice(-2000)));
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`echo fixture on ${port} exited (${exited}): ${output.trim()}`));
    });
  });
  const stop = async () => {
    if (exited === null) {
      child.kill('SIGTERM');
      await waitExit(child.pid, 10_000);
    }
    forget();
  };
  const forget = onCleanup(`echo fixture pid ${child.pid}`, stop);
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid: child.pid, port, stop };
}

/** One echo process of the daemon's config: `ports` is a block for port + port_range. */
export function echoProcess({
  name,
  instances,
  ports,
  marker,
  scaling,
  minInstances,
  maxInstances,
}) {
  return {
    name,
    binary_path: process.execPath,
    args: [ECHO_FIXTURE, marker],
    port: ports[0],
    port_range: `${ports[1]}-${ports[ports.length - 1]}`,
    instances,
    min_instances: minInstances ?? instances,
    max_instances: maxInstances ?? instances,
    restart: { policy: 'on-failure' },
    stop: { signal: 'SIGTERM', timeout: '10s' },
    secrets: { enabled: false },
    health_check: { type: 'grpc', interval: '1s', timeout: '1s', retries: 1, start_period: '10s' },
    ...(scaling ? { scaling } : {}),
  };
}

/** A balancer sending every method to one process, round robin. */
export function roundRobinBalancer({ name, port, process }) {
  return {
    name,
    listen_port: port,
    protocol: 'grpc',
    routes: [{ methods: ['.*'], target_processes: [process], strategy: 'round_robin' }],
  };
}

/**
 * Runs `node bin/gowinproc.js run` with `config` (JSON is YAML) in the foreground, its own
 * process group, output in <dir>/daemon.out; resolves a session once its API answers.
 */
export async function launchDaemon({ dir, config, marker }) {
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const outPath = join(dir, 'daemon.out');
  const out = openSync(outPath, 'a');
  const child = spawn(
    process.execPath,
    [BIN, 'run', '--config', configPath, '--data', join(dir, 'data'), '--logs', join(dir, 'logs')],
    { cwd: dir, stdio: ['ignore', out, out], detached: true },
  );
  closeSync(out);
  let exited = null;
  child.on('exit', (code, signal) => (exited = signal ?? code));
  const apiUrl = `http://${config.server.host}:${config.server.port}`;
  const output = () => {
    try {
      return readFileSync(outPath, 'utf8');
    } catch {
      return '';
    }
  };
  const session = {
    pid: child.pid,
    apiUrl,
    dir,
    output,
    /** GET an API path: { status, json } (json null when the body is not JSON). */
    async get(path) {
      const response = await httpGet(`${apiUrl}${path}`, 5000);
      let json = null;
      try {
        json = JSON.parse(response.body);
      } catch {
        // not JSON
      }
      return { status: response.status, json, body: response.body };
    },
    get exited() {
      return exited;
    },
    async shutdown() {
      if (exited === null) {
        child.kill('SIGTERM');
        if (!(await waitExit(child.pid, 30_000)))
          progress(`gowinproc daemon ${child.pid} ignored SIGTERM for 30 s: killed`);
      }
      const left = pidsWithMarker(marker).filter((pid) => parentOf(pid) === child.pid);
      if (left.length > 0) {
        progress(`gowinproc left ${left.length} echo fixture(s) after exiting: killed`);
        killAll(left);
      }
      forget();
    },
  };
  const forget = onCleanup(`gowinproc daemon pid ${child.pid}`, () => session.shutdown());
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== null) {
      forget();
      throw new Error(
        `the daemon exited (${exited}): ${output().trim().split('\n').slice(-5).join(' | ')}`,
      );
    }
    const answer = await httpGet(`${apiUrl}/health`, 1000).catch(() => null);
    if (answer?.status === 200) return session;
    if (Date.now() > deadline) {
      await session.shutdown();
      throw new Error('the daemon API did not answer within 30 s');
    }
    await sleep(100);
  }
}

/**
 * Waits until calls through `target` are answered by `backends` distinct served_by values (every
 * backend has joined); resolves the ids seen. Rejects after `timeoutMs` saying what it saw.
 */
export async function waitServing(target, backends, { timeoutMs = 60_000, session } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing tried yet';
  for (;;) {
    if (session && session.exited !== null)
      throw new Error(`the daemon exited (${session.exited}) before its balancer served`);
    try {
      const report = await runLoad({
        target,
        concurrency: 1,
        durationMs: Math.max(200, backends * 40),
        trackServedBy: true,
        connectTimeoutMs: 1000,
        deadlineMs: 2000,
      });
      const ids = Object.keys(report.servedBy ?? {}).filter((id) => id !== '');
      if (ids.length >= backends) return ids;
      last = `${ids.length} of ${backends} backend(s) answered; statuses ${JSON.stringify(report.byStatus)}`;
    } catch (error) {
      last = error.message;
    }
    if (Date.now() > deadline)
      throw new Error(
        `the balancer at ${target} did not serve from ${backends} backend(s) within ${timeoutMs / 1000} s: ${last}`,
      );
    await sleep(500);
  }
}

/** The parent pid of a process, or null. */
export function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/** CPU ticks of `pid` plus those of its direct children (nginx's master and its workers). */
export function treeCpuTicks(pid, { children = false } = {}) {
  let ticks = cpuTicks(pid) ?? 0;
  if (children)
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      if (parentOf(Number(name)) === pid) ticks += cpuTicks(Number(name)) ?? 0;
    }
  return ticks;
}
