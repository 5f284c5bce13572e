import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../shared/index.js';
import type { TunnelChild, TunnelExit } from './spawn-cloudflared.js';
import { TunnelRunner, type TunnelRunnerOptions } from './tunnel-runner.js';
import type { TunnelEvent, TunnelStatus } from './tunnel-status.js';

const TOKEN = 'PLANTED-accessToken-9f3c1d7e'; // must never leave accessToken()
const noJitter = (): number => 0.5;

/** A cloudflared the test scripts: when it runs, what it prints, when it exits. */
class ScriptedChild implements TunnelChild {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly spawned: Promise<number>;
  readonly exited: Promise<TunnelExit>;
  readonly signals: string[] = [];
  /** What the child does on SIGTERM: exit 0 (cloudflared's graceful shutdown) or nothing. */
  exitsOnSigterm = true;
  private resolveSpawn!: (pid: number) => void;
  private rejectSpawn!: (error: Error) => void;
  private resolveExit!: (exit: TunnelExit) => void;

  constructor(readonly pid: number) {
    this.spawned = new Promise((resolve, reject) => {
      this.resolveSpawn = resolve;
      this.rejectSpawn = reject;
    });
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  run(): void {
    this.resolveSpawn(this.pid);
  }

  failSpawn(code: string): void {
    this.rejectSpawn(Object.assign(new Error(`spawn cloudflared ${code}`), { code }));
  }

  print(text: string, stream: 'stdout' | 'stderr' = 'stderr'): void {
    this[stream].write(text);
  }

  printBanner(url: string): void {
    const ts = '2024-05-01T10:00:01Z';
    const rule = `${ts} INF +${'-'.repeat(92)}+\n`;
    this.print(
      rule +
        `${ts} INF |  ${'Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):'.padEnd(88)}  |\n` +
        `${ts} INF |  ${url.padEnd(88)}  |\n` +
        rule,
    );
  }

  exit(code: number | null, signal: string | null = null): void {
    this.resolveExit({ code, signal });
  }

  kill(signal: 'SIGTERM' | 'SIGKILL'): void {
    this.signals.push(signal);
    if (signal === 'SIGKILL') this.exit(null, 'SIGKILL');
    else if (this.exitsOnSigterm) this.exit(0);
  }
}

interface Harness {
  runner: TunnelRunner;
  clock: FakeClock;
  children: ScriptedChild[];
  spawns: { binary: string; args: readonly string[] }[];
  events: TunnelEvent[];
  statuses: TunnelStatus[];
  registered: string[];
  /** The latest child, started (spawn succeeded). */
  child(): ScriptedChild;
  /** Lets streams and promises settle. */
  settle(): Promise<void>;
}

function harness(options: Partial<TunnelRunnerOptions> & { autoRun?: boolean } = {}): Harness {
  const { autoRun = true, ...overrides } = options;
  const clock = new FakeClock();
  const children: ScriptedChild[] = [];
  const spawns: Harness['spawns'] = [];
  const events: TunnelEvent[] = [];
  const statuses: TunnelStatus[] = [];
  const registered: string[] = [];
  const runner = new TunnelRunner({
    binary: '/usr/local/bin/cloudflared',
    port: 8080,
    protocol: 'http2',
    clock,
    random: noJitter,
    backoff: { initialMs: 1000, maxMs: 30_000, multiplier: 2 },
    register: async (url) => {
      registered.push(url);
      return { accessToken: TOKEN };
    },
    spawn: (binary, args) => {
      spawns.push({ binary, args });
      const child = new ScriptedChild(1000 + children.length);
      children.push(child);
      if (autoRun) child.run();
      return child;
    },
    ...overrides,
    onEvent: (event) => {
      events.push(event);
      statuses.push(runner.status());
    },
  });
  return {
    runner,
    clock,
    children,
    spawns,
    events,
    statuses,
    registered,
    child: () => children[children.length - 1]!,
    settle: () => clock.advance(0),
  };
}

const types = (events: TunnelEvent[]): string[] => events.map((e) => e.type);

describe('TunnelRunner', () => {
  it('starts cloudflared with the quick-tunnel arguments', async () => {
    const h = harness();
    expect(h.runner.status()).toMatchObject({ state: 'stopped', restarts: 0, registered: false });
    h.runner.start();
    await h.settle();
    expect(h.spawns).toEqual([
      {
        binary: '/usr/local/bin/cloudflared',
        args: [
          'tunnel',
          '--url',
          'http://localhost:8080',
          '--protocol',
          'http2',
          '--no-autoupdate',
        ],
      },
    ]);
    expect(h.runner.status()).toEqual({
      state: 'starting',
      pid: 1000,
      restarts: 0,
      registered: false,
      since: h.clock.now(),
    });
    expect(h.events).toEqual([{ type: 'tunnel.started', pid: 1000 }]);
    h.runner.start(); // already running: nothing more
    expect(h.spawns).toHaveLength(1);
  });

  it('detects the URL, registers it and holds the accessToken', async () => {
    const h = harness();
    h.runner.start();
    await h.settle();
    h.child().print(
      '2024-05-01T10:00:00Z INF Requesting new quick Tunnel on trycloudflare.com...\n',
    );
    h.child().printBanner('https://pmid-ranger-crafts-dsl.trycloudflare.com');
    await h.settle();
    const url = 'https://pmid-ranger-crafts-dsl.trycloudflare.com';
    expect(h.registered).toEqual([url]);
    expect(h.runner.status()).toMatchObject({
      state: 'connected',
      url,
      pid: 1000,
      registered: true,
    });
    expect(h.runner.url()).toBe(url);
    expect(h.runner.accessToken()).toBe(TOKEN);
    expect(types(h.events)).toEqual(['tunnel.started', 'tunnel.url', 'tunnel.registered']);
    expect(h.events[1]).toEqual({ type: 'tunnel.url', url });
    expect(h.events[2]).toEqual({ type: 'tunnel.registered', url });
    // While registering, the URL is exposed but nothing is registered yet.
    expect(h.statuses[1]).toMatchObject({ state: 'registering', url, registered: false });
  });

  it('reads the URL from stdout too, across chunk boundaries, and keeps the first', async () => {
    const h = harness();
    h.runner.start();
    await h.settle();
    h.child().print('ERR failed to request quick Tunnel: Post "https://api.trycloud', 'stdout');
    h.child().print('flare.com/tunnel"\nINF |  https://first-', 'stdout');
    await h.settle();
    expect(h.runner.url()).toBeUndefined();
    h.child().print(
      'one.trycloudflare.com  |\r\nINF https://second-one.trycloudflare.com\n',
      'stdout',
    );
    await h.settle();
    expect(h.runner.url()).toBe('https://first-one.trycloudflare.com');
    expect(h.registered).toEqual(['https://first-one.trycloudflare.com']);
  });

  it('runs connected but unregistered without a register function', async () => {
    const h = harness({ register: undefined });
    h.runner.start();
    await h.settle();
    h.child().printBanner('https://no-auth-worker-here.trycloudflare.com');
    await h.settle();
    expect(h.runner.status()).toMatchObject({
      state: 'connected',
      url: 'https://no-auth-worker-here.trycloudflare.com',
      registered: false,
    });
    expect(h.runner.accessToken()).toBeUndefined();
  });

  it('forgets URL and accessToken on exit, backs off, and registers the next URL', async () => {
    const h = harness();
    h.runner.start();
    await h.settle();
    h.child().printBanner('https://run-one-url-a.trycloudflare.com');
    await h.settle();
    expect(h.runner.accessToken()).toBe(TOKEN);

    h.child().print('2024-05-01T10:00:09Z ERR Serve tunnel error error="connection closed"\n');
    await h.settle();
    h.child().exit(1);
    await h.settle();
    const exitedAt = h.clock.now();
    expect(h.runner.url()).toBeUndefined();
    expect(h.runner.accessToken()).toBeUndefined();
    expect(h.runner.status()).toEqual({
      state: 'backoff',
      restarts: 0,
      registered: false,
      nextAttemptAt: exitedAt + 1000,
      lastError:
        'cloudflared exited with code 1; last output: 2024-05-01T10:00:09Z ERR Serve tunnel error error="connection closed"',
      since: exitedAt,
    });
    expect(h.events.at(-1)).toEqual({
      type: 'tunnel.exited',
      code: 1,
      signal: null,
      restartInMs: 1000,
    });

    await h.clock.advance(999);
    expect(h.spawns).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.spawns).toHaveLength(2);
    expect(h.runner.status()).toMatchObject({ state: 'starting', pid: 1001, restarts: 1 });
    h.child().printBanner('https://run-two-url-b.trycloudflare.com');
    await h.settle();
    expect(h.registered).toEqual([
      'https://run-one-url-a.trycloudflare.com',
      'https://run-two-url-b.trycloudflare.com',
    ]);
    expect(h.runner.status()).toMatchObject({
      state: 'connected',
      url: 'https://run-two-url-b.trycloudflare.com',
      registered: true,
    });
  });

  it('backs off exponentially on quick exits and resets after a run of 60 s', async () => {
    const h = harness();
    h.runner.start();
    await h.settle();
    const delays: number[] = [];
    const exitAndRecord = async (): Promise<void> => {
      h.child().exit(1);
      await h.settle();
      const last = h.events.findLast((e) => e.type === 'tunnel.exited');
      if (last?.type !== 'tunnel.exited') throw new Error('no exit event');
      delays.push(last.restartInMs);
      await h.clock.advance(last.restartInMs);
    };
    for (let i = 0; i < 4; i++) await exitAndRecord();
    expect(h.spawns).toHaveLength(5);
    expect(delays).toEqual([1000, 2000, 4000, 8000]);

    await h.clock.advance(60_000); // this run stays up a minute
    await exitAndRecord();
    await exitAndRecord();
    expect(delays.slice(4)).toEqual([0, 1000]);
    expect(h.spawns).toHaveLength(7);
    expect(h.runner.status().restarts).toBe(6);
  });

  it('retries a failed registration with back-off while the run lives', async () => {
    const outcomes: (Error | string)[] = [
      new Error('auth worker unavailable (503)'),
      new Error('auth worker unavailable (503)'),
      TOKEN,
    ];
    const calls: string[] = [];
    const h = harness({
      register: async (url) => {
        calls.push(url);
        const outcome = outcomes.shift();
        if (outcome instanceof Error) throw outcome;
        return { accessToken: outcome ?? TOKEN };
      },
    });
    h.runner.start();
    await h.settle();
    const url = 'https://retry-reg-url-x.trycloudflare.com';
    h.child().printBanner(url);
    await h.settle();
    const failedAt = h.clock.now();
    expect(h.events.at(-1)).toEqual({
      type: 'tunnel.registration_failed',
      message: 'auth worker unavailable (503)',
    });
    expect(h.runner.status()).toMatchObject({
      state: 'registering',
      url,
      registered: false,
      nextAttemptAt: failedAt + 1000,
      lastError: 'tunnel registration failed: auth worker unavailable (503)',
    });
    expect(h.runner.url()).toBe(url);
    expect(h.runner.accessToken()).toBeUndefined();

    await h.clock.advance(1000);
    expect(calls).toHaveLength(2);
    expect(h.runner.status().nextAttemptAt).toBe(h.clock.now() + 2000);
    await h.clock.advance(2000);
    expect(calls).toEqual([url, url, url]);
    expect(h.runner.status()).toMatchObject({ state: 'connected', registered: true });
    expect(h.runner.accessToken()).toBe(TOKEN);
  });

  it('stops retrying registration when the run exits', async () => {
    const calls: string[] = [];
    const h = harness({
      register: async (url) => {
        calls.push(url);
        throw new Error('Authentication failed');
      },
    });
    h.runner.start();
    await h.settle();
    h.child().printBanner('https://dead-url-no-retry.trycloudflare.com');
    await h.settle();
    expect(calls).toHaveLength(1);
    h.child().exit(1);
    await h.settle();
    await h.clock.advance(999); // before the restart: the registration retry must not fire
    expect(calls).toHaveLength(1);
  });

  it('drops an accessToken that arrives after its run exited', async () => {
    let resolve!: (value: { accessToken: string }) => void;
    const h = harness({ register: () => new Promise((r) => (resolve = r)) });
    h.runner.start();
    await h.settle();
    h.child().printBanner('https://slow-register-url.trycloudflare.com');
    await h.settle();
    h.child().exit(1);
    await h.settle();
    resolve({ accessToken: TOKEN });
    await h.settle();
    expect(h.runner.accessToken()).toBeUndefined();
    expect(h.runner.status()).toMatchObject({ state: 'backoff', registered: false });
    expect(types(h.events)).not.toContain('tunnel.registered');
  });

  it('treats an empty accessToken as a failed registration', async () => {
    const h = harness({ register: async () => ({ accessToken: '' }) });
    h.runner.start();
    await h.settle();
    h.child().printBanner('https://empty-token-url.trycloudflare.com');
    await h.settle();
    expect(h.events.at(-1)).toEqual({
      type: 'tunnel.registration_failed',
      message: 'the auth worker answered without an accessToken',
    });
    expect(h.runner.status().registered).toBe(false);
  });

  it('stop() sends SIGTERM, forgets the URL at once and never restarts', async () => {
    const h = harness();
    h.runner.start();
    await h.settle();
    h.child().printBanner('https://stop-me-now-url.trycloudflare.com');
    await h.settle();
    const stopped = h.runner.stop();
    expect(h.runner.stop()).toBe(stopped);
    expect(h.runner.status()).toMatchObject({ state: 'stopped', registered: false });
    expect(h.runner.url()).toBeUndefined();
    expect(h.runner.accessToken()).toBeUndefined();
    await stopped;
    expect(h.child().signals).toEqual(['SIGTERM']);
    expect(h.events.at(-1)).toEqual({ type: 'tunnel.stopped' });
    await h.clock.advance(600_000);
    expect(h.spawns).toHaveLength(1);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('stop() kills with SIGKILL after 5 s when SIGTERM is ignored', async () => {
    const h = harness();
    h.runner.start();
    await h.settle();
    h.child().exitsOnSigterm = false;
    let done = false;
    void h.runner.stop().then(() => (done = true));
    await h.clock.advance(4999);
    expect(h.child().signals).toEqual(['SIGTERM']);
    expect(done).toBe(false);
    await h.clock.advance(1);
    expect(h.child().signals).toEqual(['SIGTERM', 'SIGKILL']);
    expect(done).toBe(true);
  });

  it('stop() during back-off cancels the restart', async () => {
    const h = harness();
    h.runner.start();
    await h.settle();
    h.child().exit(1);
    await h.settle();
    expect(h.runner.status().state).toBe('backoff');
    await h.runner.stop();
    await h.clock.advance(60_000);
    expect(h.spawns).toHaveLength(1);
    expect(h.runner.status()).toMatchObject({ state: 'stopped' });
    expect(h.runner.status().nextAttemptAt).toBeUndefined();
  });

  it('stop() before the process has spawned signals it once it runs', async () => {
    const h = harness({ autoRun: false });
    h.runner.start();
    const stopped = h.runner.stop();
    await h.settle();
    expect(h.child().signals).toEqual([]);
    h.child().run();
    await stopped;
    expect(h.child().signals).toEqual(['SIGTERM']);
  });

  it('stop() on a runner never started resolves at once', async () => {
    const h = harness();
    await h.runner.stop();
    expect(h.events).toEqual([]);
  });

  it('can start again after stop()', async () => {
    const h = harness();
    h.runner.start();
    await h.settle();
    await h.runner.stop();
    h.runner.start();
    await h.settle();
    expect(h.spawns).toHaveLength(2);
    expect(h.runner.status()).toMatchObject({ state: 'starting', pid: 1001 });
  });

  it('backs off with a clear error when cloudflared cannot be spawned', async () => {
    const h = harness({ autoRun: false });
    h.runner.start();
    h.child().failSpawn('ENOENT');
    await h.settle();
    const message =
      'cloudflared was not found at /usr/local/bin/cloudflared (ENOENT): install cloudflared or put it on PATH';
    expect(h.runner.status()).toMatchObject({
      state: 'backoff',
      lastError: message,
      nextAttemptAt: h.clock.now() + 1000,
    });
    expect(h.events).toEqual([{ type: 'tunnel.spawn_failed', message, restartInMs: 1000 }]);
    await h.clock.advance(1000);
    expect(h.spawns).toHaveLength(2);
    h.child().failSpawn('EACCES');
    await h.settle();
    expect(h.runner.status().lastError).toBe(
      'cloudflared at /usr/local/bin/cloudflared is not executable (EACCES)',
    );
    expect(h.events.at(-1)).toMatchObject({ type: 'tunnel.spawn_failed', restartInMs: 2000 });
  });

  it('backs off when spawn itself throws', async () => {
    const h = harness({
      spawn: () => {
        throw new Error('spawn failed synchronously');
      },
    });
    h.runner.start();
    await h.settle();
    expect(h.runner.status()).toMatchObject({
      state: 'backoff',
      lastError:
        'cloudflared could not be started from /usr/local/bin/cloudflared: spawn failed synchronously',
    });
  });

  it('never puts the accessToken in a status or an event', async () => {
    let failNext = true;
    const h = harness({
      register: async () => {
        if (failNext) {
          failNext = false;
          throw new Error('auth worker unavailable');
        }
        return { accessToken: TOKEN };
      },
    });
    h.runner.start();
    await h.settle();
    h.child().printBanner('https://secret-check-url-a.trycloudflare.com');
    await h.settle();
    await h.clock.advance(1000);
    expect(h.runner.accessToken()).toBe(TOKEN); // the token was really held
    h.child().exit(1);
    await h.settle();
    await h.clock.advance(1000);
    h.child().printBanner('https://secret-check-url-b.trycloudflare.com');
    await h.settle();
    const visible = JSON.stringify([
      h.events,
      h.statuses,
      h.runner.status(),
      h.runner.recentOutput(),
    ]);
    expect(visible).toContain('secret-check-url-b');
    expect(visible).not.toContain(TOKEN);
  });

  it('keeps the last 50 output lines', async () => {
    const h = harness();
    h.runner.start();
    await h.settle();
    for (let i = 0; i < 60; i++) h.child().print(`INF line ${i}\n\n`);
    await h.settle();
    const output = h.runner.recentOutput();
    expect(output).toHaveLength(50);
    expect(output[0]).toBe('INF line 10');
    expect(output.at(-1)).toBe('INF line 59');
  });

  it('keeps working when an event listener throws', async () => {
    const clock = new FakeClock();
    const child = new ScriptedChild(7);
    child.run();
    const runner = new TunnelRunner({
      binary: 'cloudflared',
      port: 8080,
      protocol: 'quic',
      clock,
      spawn: () => child,
      register: async () => ({ accessToken: TOKEN }),
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    runner.start();
    await clock.advance(0);
    child.printBanner('https://listener-bug-url.trycloudflare.com');
    await clock.advance(0);
    expect(runner.status()).toMatchObject({ state: 'connected', registered: true });
  });

  it('rejects a bad port at construction', () => {
    expect(() => harness({ port: 0 })).toThrow(/tunnel\.port must be 1-65535/);
  });
});
