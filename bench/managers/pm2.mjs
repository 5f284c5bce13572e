/**
 * PM2 (pinned version) installed into a temporary npm prefix, never into the project. Each
 * session gets its own PM2_HOME, so its God Daemon is fresh and nothing touches ~/.pm2.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, runChecked } from '../lib/exec.mjs';
import { onCleanup } from '../lib/cleanup.mjs';
import { progress } from '../lib/log.mjs';
import { isRunning, killAll, pidsWithMarker, waitExit } from '../lib/procs.mjs';

export const PM2_VERSION = '7.0.4';

/** The ecosystem file for one program spec: one app per instance, each with its own PORT. */
export function pm2Ecosystem(spec) {
  const apps = Array.from({ length: spec.count }, (_, i) => ({
    name: spec.count === 1 ? spec.name : `${spec.name}-${i}`,
    script: spec.argv[0],
    args: spec.argv.slice(1),
    interpreter: 'none',
    exec_mode: 'fork',
    env: { PORT: String(spec.ports[i]) },
    autorestart: true,
    min_uptime: 1000, // PM2's default, spelled out: a run shorter than this is "unstable"
    restart_delay: 0,
    vizion: false, // no git metadata scan of the fixture's directory
  }));
  return `module.exports = ${JSON.stringify({ apps }, null, 2)};\n`;
}

export const pm2 = {
  id: 'pm2',
  label: `PM2 ${PM2_VERSION}`,
  version: PM2_VERSION,
  unavailable: null,
  bin: null,
  /** The installed package's directory, for `require()` by a programmatic-API client. */
  moduleDir: null,

  async prepare(ctx) {
    const prefix = ctx.pm2Prefix ?? join(ctx.runDir, 'pm2-prefix');
    const bin = join(prefix, 'node_modules', 'pm2', 'bin', 'pm2');
    if (!existsSync(bin)) {
      mkdirSync(prefix, { recursive: true });
      const argv = [
        'npm',
        'install',
        '--prefix',
        prefix,
        `pm2@${PM2_VERSION}`,
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
      ];
      progress(`installing PM2 into a temporary prefix: ${argv.join(' ')}`);
      const result = await run(argv, { cwd: prefix, timeoutMs: 300_000 }).catch((e) => ({
        code: -1,
        stderr: e.message,
      }));
      if (result.code !== 0 || !existsSync(bin)) {
        this.unavailable = `npm install pm2@${PM2_VERSION} failed: ${result.stderr.trim().split('\n').pop()}`;
        return;
      }
    }
    const installed = JSON.parse(
      readFileSync(join(prefix, 'node_modules', 'pm2', 'package.json'), 'utf8'),
    ).version;
    if (installed !== PM2_VERSION) {
      this.unavailable = `expected PM2 ${PM2_VERSION}, found ${installed} in ${prefix}`;
      return;
    }
    this.bin = bin;
    this.moduleDir = join(prefix, 'node_modules', 'pm2');
  },

  /** `pm2 start ecosystem` with a fresh PM2_HOME: spawns the God Daemon, then the apps. */
  async launch(spec, dir) {
    mkdirSync(dir, { recursive: true });
    const home = join(dir, 'pm2-home');
    const env = { ...process.env, PM2_HOME: home, PM2_DISABLE_VERSION_CHECK: 'true' };
    const ecosystem = join(dir, 'ecosystem.config.cjs');
    writeFileSync(ecosystem, pm2Ecosystem(spec));
    const pm2cli = (...args) =>
      runChecked([process.execPath, this.bin, ...args], { env, cwd: dir, timeoutMs: 180_000 });
    const godPid = () => {
      try {
        return Number(readFileSync(join(home, 'pm2.pid'), 'utf8').trim()) || null;
      } catch {
        return null;
      }
    };
    let stopped = false;
    const session = {
      daemonPid: null,
      dir,
      home,
      async stopAll() {
        await pm2cli('stop', 'all');
      },
      async startAll() {
        await pm2cli('start', ecosystem);
      },
      async shutdown() {
        if (stopped) return;
        stopped = true;
        const pid = session.daemonPid ?? godPid();
        const result = await run([process.execPath, pm2.bin, 'kill'], {
          env,
          cwd: dir,
          timeoutMs: 60_000,
        }).catch((e) => ({ code: -1, stderr: e.message }));
        if (result.code !== 0) progress(`pm2 kill failed (${result.stderr.trim().slice(-200)})`);
        if (pid && isRunning(pid) && !(await waitExit(pid, 15_000)))
          progress(`PM2 God Daemon ${pid} still ran after pm2 kill: killed`);
        const left = pidsWithMarker(spec.marker);
        if (left.length > 0) {
          progress(`PM2 left ${left.length} fixture process(es) after pm2 kill: killed`);
          killAll(left);
        }
        forget();
      },
    };
    const forget = onCleanup(`PM2 daemon (PM2_HOME=${home})`, () => session.shutdown());
    await pm2cli('start', ecosystem);
    session.daemonPid = godPid();
    return session;
  },
};
