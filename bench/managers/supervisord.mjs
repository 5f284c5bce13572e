/**
 * supervisord from Debian's `supervisor` package (installed with apt-get only when absent), run
 * in the foreground (-n) with its own config, socket, pidfile and logs in the session directory.
 */
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { aptInstall } from '../lib/apt.mjs';
import { run, runChecked, which } from '../lib/exec.mjs';
import { onCleanup } from '../lib/cleanup.mjs';
import { progress } from '../lib/log.mjs';
import { isRunning, killAll, pidsWithMarker, waitExit } from '../lib/procs.mjs';

/** Quotes one argv word for supervisord's shlex-split `command=`. */
const quote = (word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'"'"'`)}'`);

/** supervisord.conf for one program spec: numprocs instances, PORT = process_num. */
export function supervisordConfig(spec, dir) {
  const first = spec.ports[0];
  return `[unix_http_server]
file=${join(dir, 'supervisor.sock')}

[supervisord]
logfile=${join(dir, 'supervisord.log')}
pidfile=${join(dir, 'supervisord.pid')}
childlogdir=${join(dir, 'childlogs')}
nodaemon=true
minfds=4096
loglevel=info

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://${join(dir, 'supervisor.sock')}

[program:${spec.name}]
command=${spec.argv.map(quote).join(' ')}
process_name=%(program_name)s_%(process_num)d
numprocs=${spec.count}
; process_num runs over the ports themselves, so PORT is simply process_num
numprocs_start=${first}
environment=PORT="%(process_num)d"
autostart=${spec.autostart === false ? 'false' : 'true'}
autorestart=true
startsecs=1
startretries=3
stopsignal=TERM
stopwaitsecs=10
stopasgroup=true
killasgroup=true
`;
}

export const supervisord = {
  id: 'supervisord',
  label: 'supervisord',
  version: 'unknown',
  unavailable: null,
  bin: null,
  ctl: null,

  async prepare() {
    let bin = await which('supervisord');
    if (bin) progress(`supervisord found at ${bin}: no install needed`);
    else {
      const failure = await aptInstall('supervisor', { what: 'supervisord' });
      if (failure) {
        this.unavailable = failure;
        return;
      }
      bin = await which('supervisord');
      if (!bin) {
        this.unavailable = 'supervisord still not on PATH after apt-get install';
        return;
      }
    }
    this.bin = bin;
    this.ctl = (await which('supervisorctl')) ?? 'supervisorctl';
    const result = await run([bin, '--version'], { timeoutMs: 30_000 });
    this.version = result.stdout.trim() || 'unknown';
    this.label = `supervisord ${this.version}`;
  },

  async launch(spec, dir) {
    mkdirSync(join(dir, 'childlogs'), { recursive: true });
    const conf = join(dir, 'supervisord.conf');
    writeFileSync(conf, supervisordConfig(spec, dir));
    const out = openSync(join(dir, 'supervisord.out'), 'a');
    // detached: its own process group, so a terminal's Ctrl+C reaches only the bench, which stops it.
    const child = spawn(this.bin, ['-n', '-c', conf], {
      cwd: dir,
      stdio: ['ignore', out, out],
      detached: true,
    });
    closeSync(out);
    const ctl = (...args) =>
      runChecked([this.ctl, '-c', conf, ...args], { cwd: dir, timeoutMs: 180_000 });
    let stopped = false;
    const session = {
      daemonPid: child.pid,
      dir,
      async stopAll() {
        await ctl('stop', 'all');
      },
      async startAll() {
        await ctl('start', 'all');
      },
      async shutdown() {
        if (stopped) return;
        stopped = true;
        if (isRunning(child.pid)) {
          const result = await run([supervisord.ctl, '-c', conf, 'shutdown'], {
            cwd: dir,
            timeoutMs: 60_000,
          }).catch((e) => ({ code: -1, stderr: e.message }));
          if (result.code !== 0) {
            progress(
              `supervisorctl shutdown failed (${String(result.stderr).trim().slice(-200)}); sending SIGTERM`,
            );
            killAll([child.pid], 'SIGTERM');
          }
          if (!(await waitExit(child.pid, 30_000)))
            progress(`supervisord ${child.pid} did not exit: killed`);
        }
        const left = pidsWithMarker(spec.marker);
        if (left.length > 0) {
          progress(`supervisord left ${left.length} fixture process(es) after shutdown: killed`);
          killAll(left);
        }
        forget();
      },
    };
    const forget = onCleanup(`supervisord pid ${child.pid}`, () => session.shutdown());
    return session;
  },
};
