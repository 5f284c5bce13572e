/**
 * gowinproc under test: the built daemon (bin/gowinproc.js, from `npm run build`) run in the
 * foreground with its own config, data and logs directories; operator commands through its CLI.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, runChecked } from '../lib/exec.mjs';
import { onCleanup } from '../lib/cleanup.mjs';
import { progress } from '../lib/log.mjs';
import { killAll, pidsWithMarker, waitExit } from '../lib/procs.mjs';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'gowinproc.js');

/** Newest modification time of the .ts files under a directory. */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The config for one program spec (JSON is YAML, so the daemon reads it as it is). */
export function gowinprocConfig(spec, apiPorts) {
  const { ports } = spec;
  const processConfig = {
    name: spec.name,
    binary_path: spec.argv[0],
    args: spec.argv.slice(1),
    port: ports[0],
    port_range: `${ports[Math.min(1, ports.length - 1)]}-${ports[ports.length - 1]}`,
    instances: spec.autostart === false ? 0 : spec.count,
    min_instances: 0,
    max_instances: spec.count,
    restart: { policy: 'on-failure', ...(spec.crashLoop ? { reset_after: '1s' } : {}) },
    stop: { signal: 'SIGTERM', timeout: '10s' },
  };
  if (spec.health === 'tcp')
    processConfig.health_check = {
      type: 'tcp',
      interval: '1s',
      start_period: spec.crashLoop ? '1s' : '10s',
    };
  return {
    server: { host: '127.0.0.1', port: apiPorts[0], grpc_port: apiPorts[1] },
    log_level: 'info',
    ...(spec.metrics ? { metrics: spec.metrics } : {}),
    processes: [processConfig],
  };
}

export const gowinproc = {
  id: 'gowinproc',
  label: 'gowinproc',
  version: 'unknown',
  unavailable: null,

  async prepare(ctx) {
    if (!existsSync(join(ROOT, 'dist', 'daemon', 'main.js'))) {
      this.unavailable = 'not built: run `npm run build` first';
      return;
    }
    if (
      existsSync(join(ROOT, 'src')) &&
      newestSource(join(ROOT, 'src')) > statSync(join(ROOT, 'dist', 'daemon', 'main.js')).mtimeMs
    )
      progress(
        'warning: src/ has changes newer than dist/: the bench runs the last build (`npm run build` to refresh)',
      );
    const result = await run([process.execPath, BIN, '--version'], { timeoutMs: 30_000 });
    this.version = result.stdout.trim() || 'unknown';
    this.label = `gowinproc ${this.version}`;
    // The daemon's REST (and gRPC) ports, reused by each session: daemons run one at a time.
    this.apiPorts = await ctx.ports.take(2);
  },

  /** Starts a daemon whose config runs `spec`; t0 of a cold start is just before this call. */
  async launch(spec, dir) {
    mkdirSync(dir, { recursive: true });
    const { apiPorts } = this;
    const configPath = join(dir, 'config.yaml');
    writeFileSync(configPath, JSON.stringify(gowinprocConfig(spec, apiPorts), null, 2));
    const out = openSync(join(dir, 'daemon.out'), 'a');
    // detached: its own process group, so a terminal's Ctrl+C reaches only the bench, which stops it.
    const child = spawn(
      process.execPath,
      [
        BIN,
        'run',
        '--config',
        configPath,
        '--data',
        join(dir, 'data'),
        '--logs',
        join(dir, 'logs'),
      ],
      { cwd: dir, stdio: ['ignore', out, out], detached: true },
    );
    closeSync(out);
    let exited = false;
    child.on('exit', () => (exited = true));
    const url = `http://127.0.0.1:${apiPorts[0]}`;
    const cli = (...args) =>
      runChecked([process.execPath, BIN, ...args, '--url', url], { cwd: dir, timeoutMs: 180_000 });

    const session = {
      daemonPid: child.pid,
      dir,
      apiUrl: url,
      dataDir: join(dir, 'data'),
      async stopAll() {
        await cli('stop', spec.name);
      },
      async startAll() {
        await cli('scale', spec.name, String(spec.count));
      },
      async shutdown() {
        if (!exited) {
          child.kill('SIGTERM');
          if (!(await waitExit(child.pid, 30_000)))
            progress(`gowinproc daemon ${child.pid} ignored SIGTERM for 30 s: killed`);
        }
        const left = pidsWithMarker(spec.marker);
        if (left.length > 0) {
          progress(`gowinproc left ${left.length} fixture process(es) after exiting: killed`);
          killAll(left);
        }
        forget();
      },
    };
    const forget = onCleanup(`gowinproc daemon pid ${child.pid}`, () => session.shutdown());
    return session;
  },
};
