// TunnelRunner with the real spawn against test/fakes/cloudflared.mjs: real processes, real time.
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { pidAlive } from '../../../test/helpers/lines.js';
import { ROOT } from '../../../test/helpers/paths.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { systemClock } from '../../shared/index.js';
import { TunnelRunner, type TunnelEvent } from './index.js';

const FAKE_CLOUDFLARED = join(ROOT, 'test', 'fakes', 'cloudflared.mjs');

/** Runs the test with `env` added to this process's environment (the child inherits it). */
function withEnv(env: Record<string, string>): void {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  onTestFinished(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
}

function runner(options: { binary?: string } = {}): {
  runner: TunnelRunner;
  events: TunnelEvent[];
  registered: string[];
  pids: number[];
} {
  const events: TunnelEvent[] = [];
  const registered: string[] = [];
  const pids: number[] = [];
  const tunnel = new TunnelRunner({
    binary: options.binary ?? FAKE_CLOUDFLARED,
    port: 8080,
    protocol: 'http2',
    clock: systemClock,
    backoff: { initialMs: 50, maxMs: 200, multiplier: 2 },
    register: async (url) => {
      registered.push(url);
      return { accessToken: `token-for-${registered.length}` };
    },
    onEvent: (event) => {
      events.push(event);
      if (event.type === 'tunnel.started') pids.push(event.pid);
    },
  });
  onTestFinished(() => tunnel.stop());
  return { runner: tunnel, events, registered, pids };
}

const gone = (pid: number): true | string => {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  // A zombie still answers kill(pid, 0) until its reaper runs; it no longer runs.
  return pidAlive(pid) ? `pid ${pid} still runs` : true;
};

describe('TunnelRunner with the fake cloudflared', () => {
  it('gets a URL and registers it', async () => {
    const { runner: tunnel, registered } = runner();
    tunnel.start();
    await waitFor(() =>
      tunnel.status().state === 'connected' ? true : `state ${tunnel.status().state}`,
    );
    const status = tunnel.status();
    expect(status.url).toMatch(/^https:\/\/[a-z]+(-[a-z]+){3}\.trycloudflare\.com$/);
    expect(status).toMatchObject({ registered: true, restarts: 0 });
    expect(registered).toEqual([status.url]);
    expect(tunnel.accessToken()).toBe('token-for-1');
    // cloudflared prints the connection line after the URL: it may arrive after `connected`.
    await waitFor(() =>
      tunnel.recentOutput().some((l) => l.includes('Registered tunnel connection'))
        ? true
        : `output so far: ${tunnel.recentOutput().join(' | ')}`,
    );
  });

  it('restarts after a crash with a new URL and registers it again', async () => {
    withEnv({ FAKE_CLOUDFLARED_CRASH_AFTER_MS: '300' });
    const { runner: tunnel, events, registered, pids } = runner();
    tunnel.start();
    await waitFor(() => (registered.length >= 2 ? true : `registered ${registered.length} URLs`));
    expect(registered[0]).not.toBe(registered[1]);
    const exited = events.find((e) => e.type === 'tunnel.exited');
    expect(exited).toMatchObject({ code: 1, signal: null });
    expect(pids.length).toBeGreaterThanOrEqual(2);
    expect(pids[0]).not.toBe(pids[1]);
    expect(tunnel.status().restarts).toBeGreaterThanOrEqual(1);
  });

  it('stop() leaves no cloudflared process running', async () => {
    const { runner: tunnel, events, pids } = runner();
    tunnel.start();
    await waitFor(() => (tunnel.url() ? true : 'no URL yet'));
    const pid = tunnel.status().pid!;
    expect(pids).toEqual([pid]);
    await tunnel.stop();
    await waitFor(() => gone(pid));
    expect(tunnel.status()).toMatchObject({ state: 'stopped', registered: false });
    expect(tunnel.url()).toBeUndefined();
    expect(events.at(-1)).toEqual({ type: 'tunnel.stopped' });
    expect(tunnel.recentOutput().some((l) => l.includes('Initiating graceful shutdown'))).toBe(
      true,
    );
  });

  it('backs off with a clear error when the binary does not exist', async () => {
    const { runner: tunnel, events } = runner({ binary: join(ROOT, 'no-such-cloudflared') });
    tunnel.start();
    await waitFor(() => (events.length >= 2 ? true : `${events.length} events`));
    expect(events[0]).toMatchObject({ type: 'tunnel.spawn_failed' });
    expect(tunnel.status().lastError).toMatch(
      /cloudflared was not found at .*no-such-cloudflared \(ENOENT\)/,
    );
  });

  it('keeps the URL unregistered after a start failure, then stops cleanly', async () => {
    withEnv({ FAKE_CLOUDFLARED_FAIL_START: '1' });
    const { runner: tunnel, events, registered } = runner();
    tunnel.start();
    await waitFor(() =>
      events.filter((e) => e.type === 'tunnel.exited').length >= 2 ? true : 'fewer than 2 exits',
    );
    expect(registered).toEqual([]);
    expect(tunnel.status().lastError).toMatch(
      /exited with code 1; last output: .*ERR failed to request quick Tunnel/,
    );
    await tunnel.stop();
    expect(tunnel.status().state).toBe('stopped');
  });
});
