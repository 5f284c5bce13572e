/**
 * Debian's nginx (package nginx-light, installed with apt-get only when /usr/sbin/nginx is
 * absent) as a gRPC proxy for S6: a foreground master with a temporary prefix, config, pid file
 * and logs in the session directory; `grpc_pass` to an upstream of backends with keepalive.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { aptInstall } from './apt.mjs';
import { run } from './exec.mjs';
import { onCleanup } from './cleanup.mjs';
import { progress } from './log.mjs';
import { waitExit } from './procs.mjs';
import { tcpProbe } from './net.mjs';

export const NGINX = '/usr/sbin/nginx';

/**
 * Makes sure nginx is there (installing it when absent); resolves { version } or
 * { unavailable: reason }.
 */
export async function prepareNginx() {
  if (!existsSync(NGINX)) {
    const problem = await aptInstall('nginx-light', { what: 'nginx', noRecommends: true });
    if (problem) return { unavailable: problem };
    if (!existsSync(NGINX))
      return { unavailable: `apt-get installed nginx-light but ${NGINX} is missing` };
  }
  // `nginx -V` prints to stderr: the version and the configure arguments (the grpc module is
  // built in unless --without-http_grpc_module).
  const info = await run([NGINX, '-V'], { timeoutMs: 10_000 });
  const text = `${info.stdout}\n${info.stderr}`;
  const version = /nginx\/(\d+\.\d+\.\d+)/.exec(text)?.[1] ?? 'unknown';
  if (text.includes('--without-http_grpc_module'))
    return { unavailable: `nginx ${version} is built without the grpc module` };
  if (!text.includes('--with-http_v2_module'))
    return { unavailable: `nginx ${version} is built without HTTP/2` };
  return { version };
}

const atLeast = (version, [major, minor, patch]) => {
  const [a = 0, b = 0, c = 0] = version.split('.').map(Number);
  return a !== major ? a > major : b !== minor ? b > minor : c >= patch;
};

/**
 * nginx.conf: one h2c listener on 127.0.0.1:`port`, every request to `backends` (ports on
 * 127.0.0.1, round robin) with grpc_pass over kept-alive HTTP/2 connections. No access log
 * (gowinproc's balancer logs no call either). Request limits per connection are lifted so that
 * neither side's connections are closed every 1000 calls.
 */
export function nginxConfig({ dir, port, backends, workers = 1, version = '1.22.1' }) {
  const path = (name) => join(dir, name);
  const listen = atLeast(version, [1, 25, 1])
    ? `listen 127.0.0.1:${port};\n    http2 on;`
    : `listen 127.0.0.1:${port} http2;`;
  return `daemon off;
master_process on;
worker_processes ${workers};
pid ${path('nginx.pid')};
error_log ${path('error.log')} warn;

events {
  worker_connections 4096;
}

http {
  access_log off;
  client_body_temp_path ${path('tmp/body')};
  proxy_temp_path ${path('tmp/proxy')};
  fastcgi_temp_path ${path('tmp/fastcgi')};
  uwsgi_temp_path ${path('tmp/uwsgi')};
  scgi_temp_path ${path('tmp/scgi')};
  keepalive_requests 100000000;
  client_max_body_size 64m;

  upstream echo_backends {
${backends.map((p) => `    server 127.0.0.1:${p};`).join('\n')}
    keepalive 64;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
  }

  server {
    ${listen}
    location / {
      grpc_pass grpc://echo_backends;
      grpc_read_timeout 300s;
      grpc_send_timeout 300s;
    }
  }
}
`;
}

/**
 * Starts nginx in the foreground (its own process group) in front of `backends`; resolves
 * { pid, port, stop() } once the port accepts. stop() sends SIGQUIT (graceful), then SIGKILL.
 */
export async function startNginx({ dir, port, backends, workers, version }) {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const config = join(dir, 'nginx.conf');
  writeFileSync(config, nginxConfig({ dir, port, backends, workers, version }));
  const check = await run(
    [NGINX, '-t', '-q', '-p', dir, '-c', config, '-e', join(dir, 'error.log')],
    {
      timeoutMs: 10_000,
    },
  );
  if (check.code !== 0) throw new Error(`nginx -t refused ${config}: ${check.stderr.trim()}`);
  const out = openSync(join(dir, 'nginx.out'), 'a');
  const child = spawn(NGINX, ['-p', dir, '-c', config, '-e', join(dir, 'error.log')], {
    cwd: dir,
    stdio: ['ignore', out, out],
    detached: true,
  });
  closeSync(out);
  let exited = null;
  child.on('exit', (code, signal) => (exited = signal ?? code));
  const stop = async () => {
    if (exited === null) {
      child.kill('SIGQUIT');
      if (!(await waitExit(child.pid, 10_000))) {
        progress(`nginx ${child.pid} ignored SIGQUIT for 10 s: killed`);
        // The workers are in its process group.
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    forget();
  };
  const forget = onCleanup(`nginx pid ${child.pid}`, stop);
  const deadline = Date.now() + 10_000;
  while (!(await tcpProbe(port))) {
    if (exited !== null || Date.now() > deadline) {
      await stop();
      const log = existsSync(join(dir, 'error.log'))
        ? readFileSync(join(dir, 'error.log'), 'utf8').trim().split('\n').slice(-3).join(' | ')
        : '';
      throw new Error(
        `nginx did not listen on ${port} (${exited === null ? 'timed out' : `exited ${exited}`}): ${log}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { pid: child.pid, port, stop };
}
