import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { configFromYaml } from '../../../test/helpers/config.js';
import { FakeProbe } from '../../../test/helpers/fake-probe.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { DaemonError, FakeClock } from '../../shared/index.js';
import { FakeProcessDriver } from '../driver/index.js';
import type { SupervisorEvent } from '../events/index.js';
import { PortAllocator } from '../ports/index.js';
import type { LifecycleHook } from './hooks.js';
import { Supervisor } from './supervisor.js';

const running: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.shutdown().catch(() => undefined)));
});

interface Rig {
  supervisor: Supervisor;
  driver: FakeProcessDriver;
  clock: FakeClock;
  probe: FakeProbe;
  events: SupervisorEvent[];
  dir: string;
  /** Advances fake time in steps until check() is true (or gives the reason). */
  until(check: () => true | string, limitMs?: number): Promise<void>;
}

function rig(
  yaml: string,
  options: {
    hooks?: LifecycleHook[];
    driver?: FakeProcessDriver;
    clock?: FakeClock;
    dir?: string;
    random?: () => number;
  } = {},
): Rig {
  const dir = options.dir ?? tempDir();
  const clock = options.clock ?? new FakeClock();
  const driver = options.driver ?? new FakeProcessDriver(clock);
  const probe = new FakeProbe();
  const supervisor = new Supervisor({
    config: configFromYaml(dir, yaml),
    driver,
    clock,
    probe: probe.probe,
    random: options.random ?? (() => 0.5),
    hooks: options.hooks ?? [],
    ports: new PortAllocator(() => Promise.resolve(true)),
    platform: 'linux',
    daemonEnv: { PATH: '/usr/bin', DAEMON_ONLY: 'daemon', SHARED: 'daemon' },
  });
  running.push(supervisor);
  const events: SupervisorEvent[] = [];
  supervisor.events.subscribe((e) => events.push(e));
  const until = async (check: () => true | string, limitMs = 120_000): Promise<void> => {
    let reason: true | string = check();
    for (let spent = 0; reason !== true; spent += 10) {
      if (spent > limitMs)
        throw new Error(`not reached within ${limitMs}ms of fake time: ${reason}`);
      await clock.advance(10);
      await new Promise((r) => setTimeout(r, 0));
      reason = check();
    }
  };
  return { supervisor, driver, clock, probe, events, dir, until };
}

/** Advances fake time until the ledger on disk records `count` instances of web. */
async function ledgerHolds(r: Rig, dir: string, count: number): Promise<void> {
  await waitFor(async () => {
    await r.clock.advance(100); // the ledger coalesces writes
    const state = JSON.parse(await readFile(join(dir, 'data', 'state.json'), 'utf8')) as {
      processes: { web: { instances: unknown[] } };
    };
    const recorded = state.processes.web.instances.length;
    return recorded === count ? true : `the ledger records ${recorded} instances`;
  });
}

const statuses = (s: Supervisor, name: string): string[] =>
  s
    .program(name)
    .instances()
    .map((i) => i.status);

const allHealthy = (s: Supervisor, name: string, count: number) => (): true | string => {
  const st = statuses(s, name);
  return st.length === count && st.every((x) => x === 'healthy') ? true : `states: ${st.join(',')}`;
};

const WEB = `
processes:
  - name: web
    binary_path: /bin/web
    instances: 2
    max_instances: 3
    port: 7000
    health_check: { type: http, interval: 1s, retries: 2, start_period: 500ms }
    stop: { timeout: 2s }
`;

describe('Supervisor on the scripted driver', () => {
  it('starts the configured instances, each with its own index, id and port, and reports them ready', async () => {
    const r = rig(WEB);
    await r.supervisor.start();
    await r.until(allHealthy(r.supervisor, 'web', 2));
    const instances = r.supervisor.program('web').instances();
    expect(instances.map((i) => i.index)).toEqual([0, 1]);
    expect(new Set(instances.map((i) => i.port)).size).toBe(2);
    expect(instances.map((i) => i.port)).toContain(7000);
    expect(instances.every((i) => /^web-\d-[0-9a-f]{6}$/.test(i.id))).toBe(true);
    const transitions = r.events
      .filter((e) => e.type === 'instance.state' && e.instance === instances[0]!.id)
      .map((e) => (e.type === 'instance.state' ? e.to : ''));
    expect(transitions).toEqual(['starting', 'running', 'healthy']);
  });

  it('gives each child the environment of child.md: daemon < .env < config env < injected', async () => {
    const hook: LifecycleHook = {
      name: 'secrets',
      prestart: (ctx) => {
        ctx.dotenv.SHARED = 'dotenv';
        ctx.dotenv.FROM_DOTENV = 'dotenv';
        ctx.dotenv.CONFIG_WINS = 'dotenv';
        ctx.inject.CERT_FILE = '/certs/web.crt';
        ctx.version = 'v1.2.3';
      },
    };
    const r = rig(
      `
processes:
  - name: web
    binary_path: /bin/web
    port: 7100
    env: { CONFIG_WINS: config, PORT: "1" }
`,
      { hooks: [hook] },
    );
    await r.supervisor.start();
    const env = r.driver.processes[0]!.spec.env;
    const instance = r.supervisor.program('web').instances()[0]!;
    expect(env).toMatchObject({
      PATH: '/usr/bin',
      DAEMON_ONLY: 'daemon',
      SHARED: 'dotenv',
      FROM_DOTENV: 'dotenv',
      CONFIG_WINS: 'config',
      PROCESS_NAME: 'web',
      PORT: '7100',
      GRPC_PORT: '7100',
      PROCESS_PORT: '7100',
      INSTANCE_ID: instance.id,
      INSTANCE_INDEX: '0',
      CERT_FILE: '/certs/web.crt',
      GOWINPROC_VERSION: 'v1.2.3',
    });
  });

  it('restarts a crashed instance after the back-off, keeping its id, index and port, and attaches its stderr', async () => {
    const r = rig(WEB);
    r.driver.define('/bin/web', (p) => {
      if (
        r.driver.processes.filter((x) => x.spec.env.INSTANCE_INDEX === '0').length === 1 &&
        p.spec.env.INSTANCE_INDEX === '0'
      ) {
        p.print('fatal: database unreachable', 'stderr');
        setTimeout(() => p.exit(2), 5);
      }
    });
    await r.supervisor.start();
    const first = r.supervisor.program('web').find('0');
    await r.until(() => (first.status === 'backoff' ? true : first.status));
    const backoff = r.events.find((e) => e.type === 'instance.state' && e.to === 'backoff');
    expect(backoff).toMatchObject({ exitCode: 2, attempt: 1, instance: first.id });
    expect(backoff && 'stderrTail' in backoff ? backoff.stderrTail : []).toContain(
      'fatal: database unreachable',
    );
    expect(backoff && 'nextAttemptAt' in backoff ? backoff.nextAttemptAt! - backoff.at : -1).toBe(
      100,
    ); // initial back-off, jitter centred
    const port = first.port;
    await r.until(() => (first.status === 'healthy' ? true : first.status));
    expect(first.restarts).toBe(1);
    expect(first.port).toBe(port);
    expect(r.driver.processes.filter((p) => p.spec.env.INSTANCE_ID === first.id)).toHaveLength(2);
  });

  it('backs off exponentially while an instance keeps crashing, and never gives up by default', async () => {
    const r = rig(`
processes:
  - name: crashy
    binary_path: /bin/crashy
    restart: { backoff: { initial: 100ms, max: 1s, multiplier: 2 } }
`);
    r.driver.define('/bin/crashy', (p) => p.exit(1));
    await r.supervisor.start();
    await r.until(
      () =>
        r.events.filter((e) => e.type === 'instance.state' && e.to === 'backoff').length >= 8
          ? true
          : 'crashing',
      600_000,
    );
    const delays = r.events
      .filter(
        (e): e is Extract<SupervisorEvent, { type: 'instance.state' }> =>
          e.type === 'instance.state' && e.to === 'backoff',
      )
      .map((e) => e.nextAttemptAt! - e.at);
    expect(delays.slice(0, 6)).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(statuses(r.supervisor, 'crashy')).not.toContain('failed');
  });

  it('gives up (failed) after max_restarts within the window, with the reason and stderr', async () => {
    const r = rig(`
processes:
  - name: crashy
    binary_path: /bin/crashy
    restart: { max_restarts: 3, window: 1m, backoff: { initial: 10ms } }
`);
    r.driver.define('/bin/crashy', (p) => {
      p.print('boom', 'stderr');
      setTimeout(() => p.exit(1), 1);
    });
    await r.supervisor.start();
    await r.until(() =>
      statuses(r.supervisor, 'crashy')[0] === 'failed'
        ? true
        : statuses(r.supervisor, 'crashy').join(),
    );
    const failed = r.events.find((e) => e.type === 'instance.state' && e.to === 'failed');
    expect(failed && 'reason' in failed ? failed.reason : '').toMatch(/max_restarts: 3/);
    expect(failed && 'stderrTail' in failed ? failed.stderrTail : []).toContain('boom');
    expect(r.driver.byCommand('/bin/crashy')).toHaveLength(4);
  });

  it('does not restart a clean exit under on-failure, but does under always', async () => {
    const r = rig(`
processes:
  - name: once
    binary_path: /bin/once
  - name: loop
    binary_path: /bin/loop
    restart: { policy: always }
`);
    r.driver
      .define('/bin/once', (p) => p.exit(0))
      .define('/bin/loop', (p) => {
        if (r.driver.byCommand('/bin/loop').length === 1) p.exit(0);
      });
    await r.supervisor.start();
    await r.until(() =>
      statuses(r.supervisor, 'once')[0] === 'stopped'
        ? true
        : statuses(r.supervisor, 'once').join(),
    );
    await r.until(() =>
      r.driver.byCommand('/bin/loop').length === 2 ? true : 'loop not restarted',
    );
    expect(r.driver.byCommand('/bin/once')).toHaveLength(1);
  });

  it('restarts at once after a run that stayed healthy for reset_after', async () => {
    const r = rig(`
processes:
  - name: web
    binary_path: /bin/web
    health_check: { type: tcp, interval: 1s, start_period: 200ms }
    restart: { reset_after: 2s }
`);
    await r.supervisor.start();
    const instance = r.supervisor.program('web').instances()[0]!;
    await r.until(() => (instance.status === 'healthy' ? true : instance.status));
    await r.clock.advance(2500);
    r.driver.running[0]!.exit(1);
    await r.until(() =>
      r.events.some((e) => e.type === 'instance.state' && e.to === 'backoff')
        ? true
        : instance.status,
    );
    const backoff = r.events.find((e) => e.type === 'instance.state' && e.to === 'backoff');
    expect(backoff && 'nextAttemptAt' in backoff ? backoff.nextAttemptAt! - backoff.at : -1).toBe(
      0,
    );
  });

  it('restarts an instance whose health check fails `retries` times in a row', async () => {
    const r = rig(WEB);
    await r.supervisor.start();
    await r.until(allHealthy(r.supervisor, 'web', 2));
    const sick = r.supervisor.program('web').find('1');
    const firstPid = sick.pid;
    r.probe.set(sick.port, false);
    const became = (to: string) => () =>
      r.events.some((e) => e.type === 'instance.state' && e.instance === sick.id && e.to === to)
        ? true
        : `not ${to} yet`;
    await r.until(became('unhealthy'));
    const firstUnhealthy = r.events.findIndex(
      (e) => e.type === 'instance.state' && e.instance === sick.id && e.to === 'unhealthy',
    );
    const failures = r.events
      .slice(0, firstUnhealthy)
      .filter((e) => e.type === 'instance.health' && !e.ok && e.instance === sick.id);
    expect(failures).toHaveLength(2);
    await r.until(became('backoff'));
    r.probe.set(sick.port, true);
    await r.until(() =>
      sick.status === 'healthy' && sick.pid !== firstPid ? true : `${sick.status} ${sick.pid}`,
    );
    expect(r.driver.processes.find((p) => p.pid === firstPid)?.signals).toEqual(['SIGTERM']);
  });

  it('scales within min..max and refuses beyond, removing not-ready instances first', async () => {
    const r = rig(`
processes:
  - name: web
    binary_path: /bin/web
    instances: 2
    min_instances: 1
    max_instances: 4
    health_check: { type: tcp, interval: 1s, start_period: 100ms }
`);
    await r.supervisor.start();
    const program = r.supervisor.program('web');
    await r.until(allHealthy(r.supervisor, 'web', 2));
    await program.scale(4);
    expect(program.active()).toHaveLength(4);
    await expect(program.scale(5)).rejects.toMatchObject({ code: 'max_instances_reached' });
    await expect(program.scale(0)).rejects.toMatchObject({ code: 'min_instances_reached' });
    await r.until(allHealthy(r.supervisor, 'web', 4));
    r.probe.set(program.find('1').port, false);
    await r.until(() => (program.find('1').status !== 'healthy' ? true : 'still healthy'));
    await program.scale(2);
    expect(program.instances().map((i) => i.index)).toEqual([0, 2]);
    expect(program.desired).toBe(2);
  });

  it('replaces ready instances one at a time on restart, never dropping to zero ready, even at max_instances', async () => {
    const r = rig(`
processes:
  - name: web
    binary_path: /bin/web
    instances: 2
    max_instances: 2
    health_check: { type: http, interval: 1s, start_period: 1s }
`);
    await r.supervisor.start();
    const program = r.supervisor.program('web');
    await r.until(allHealthy(r.supervisor, 'web', 2));
    const before = program.instances().map((i) => i.id);
    let minReady = Infinity;
    let maxActive = 0;
    r.supervisor.events.subscribe(() => {
      minReady = Math.min(minReady, program.ready().length);
      maxActive = Math.max(maxActive, program.active().length);
    });
    const restarting = program.restart();
    await r.until(() => (program.currentOperation === undefined ? true : 'restart running'));
    await restarting;
    const after = program.instances().map((i) => i.id);
    expect(after.some((id) => before.includes(id))).toBe(false);
    expect(after).toHaveLength(2);
    expect(minReady).toBeGreaterThanOrEqual(1);
    expect(maxActive).toBe(3); // one extra instance for the moment
    expect(
      r.events
        .filter((e) => e.type === 'process.restart')
        .map((e) => (e.type === 'process.restart' ? e.phase : '')),
    ).toEqual(['started', 'completed']);
  });

  it('keeps the old instance serving when its replacement never becomes ready', async () => {
    const r = rig(`
processes:
  - name: web
    binary_path: /bin/web
    instances: 1
    max_instances: 1
    health_check: { type: http, interval: 200ms, retries: 1, start_period: 200ms }
`);
    await r.supervisor.start();
    const program = r.supervisor.program('web');
    await r.until(allHealthy(r.supervisor, 'web', 1));
    const old = program.instances()[0]!;
    r.probe.defaultAnswer = false;
    r.probe.set(old.port, true);
    let failure: unknown;
    const restarting = program.restart().catch((error: unknown) => (failure = error));
    await r.until(() => (failure !== undefined ? true : 'restart still running'));
    await restarting;
    expect(failure).toBeInstanceOf(DaemonError);
    expect((failure as DaemonError).code).toBe('not_ready');
    expect((failure as DaemonError).message).toContain(`${old.id} keeps running`);
    expect(program.instances().map((i) => [i.id, i.status])).toEqual([[old.id, 'healthy']]);
  });

  it('restarts a crash-looping instance in place (nothing to protect)', async () => {
    const r = rig(`
processes:
  - name: web
    binary_path: /bin/web
    restart: { backoff: { initial: 10s, max: 10s } }
`);
    let crash = true;
    r.driver.define('/bin/web', (p) => {
      if (crash) p.exit(1);
    });
    await r.supervisor.start();
    const instance = r.supervisor.program('web').instances()[0]!;
    await r.until(() => (instance.status === 'backoff' ? true : instance.status));
    crash = false;
    await r.supervisor.program('web').restart(instance.id);
    expect(
      r.supervisor
        .program('web')
        .instances()
        .map((i) => i.id),
    ).toEqual([instance.id]);
    expect(instance.status).toBe('running');
  });

  it('stops one instance by index or id, stops all, and starts one more', async () => {
    const r = rig(WEB);
    await r.supervisor.start();
    const program = r.supervisor.program('web');
    await program.stop('1');
    expect(program.instances().map((i) => i.index)).toEqual([0]);
    expect(program.desired).toBe(1);
    await expect(program.stop('web-9-000000')).rejects.toMatchObject({
      code: 'instance_not_found',
    });
    await program.stop();
    expect(program.instances()).toEqual([]);
    expect(program.desired).toBe(0);
    const started = await program.startOne();
    expect(started.index).toBe(0);
    expect(program.desired).toBe(1);
    await program.startOne();
    await program.startOne();
    await expect(program.startOne()).rejects.toMatchObject({ code: 'max_instances_reached' });
  });

  it('refuses a second operation on a process while one runs', async () => {
    const r = rig(WEB);
    await r.supervisor.start();
    await r.until(allHealthy(r.supervisor, 'web', 2));
    const program = r.supervisor.program('web');
    const restarting = program.restart();
    await expect(program.scale(3)).rejects.toMatchObject({ code: 'operation_in_progress' });
    await r.until(() => (program.currentOperation === undefined ? true : 'busy'));
    await restarting;
  });

  it('reports a failing prestart hook by name and keeps retrying; other processes are untouched', async () => {
    const broken: LifecycleHook = {
      name: 'certificates',
      prestart: (ctx) => {
        if (ctx.process.name === 'bad') throw new Error('cannot write certs/bad.key');
      },
    };
    const r = rig(
      `
processes:
  - name: bad
    binary_path: /bin/bad
  - name: good
    binary_path: /bin/good
`,
      { hooks: [broken] },
    );
    await r.supervisor.start();
    const hookEvent = r.events.find((e) => e.type === 'hook.failed');
    expect(hookEvent).toMatchObject({
      process: 'bad',
      hook: 'certificates',
      phase: 'prestart',
      message: 'cannot write certs/bad.key',
    });
    expect(statuses(r.supervisor, 'bad')).toEqual(['backoff']);
    expect(statuses(r.supervisor, 'good')).toEqual(['running']);
    expect(r.driver.byCommand('/bin/bad')).toHaveLength(0);
    expect(r.events.find((e) => e.type === 'instance.error')).toMatchObject({
      process: 'bad',
      code: 'hook_failed',
    });
  });

  it("keeps a hook's own error code, so an API caller learns what is missing", async () => {
    const secrets: LifecycleHook = {
      name: 'secrets',
      prestart: () => {
        throw new DaemonError('secrets_missing', 'data/api.env does not exist');
      },
    };
    const r = rig('processes:\n  - name: api\n    binary_path: /bin/api\n', { hooks: [secrets] });
    await r.supervisor.start();
    await r.supervisor.program('api').stop();
    await expect(r.supervisor.program('api').startOne()).rejects.toMatchObject({
      code: 'secrets_missing',
      message: 'prestart hook "secrets" failed: data/api.env does not exist',
    });
  });

  it('turns a spawn failure into one clear event at boot, and into an error for an operator start', async () => {
    const r = rig(`
processes:
  - name: missing
    binary_path: /opt/missing
  - name: fine
    binary_path: /bin/fine
`);
    r.driver.failSpawn(
      '/opt/missing',
      new DaemonError('binary_not_found', 'binary_path /opt/missing does not exist'),
    );
    await r.supervisor.start();
    const error = r.events.find((e) => e.type === 'instance.error');
    expect(error).toMatchObject({ process: 'missing', code: 'binary_not_found' });
    expect(statuses(r.supervisor, 'missing')).toEqual(['backoff']);
    expect(statuses(r.supervisor, 'fine')).toEqual(['running']);
    await r.supervisor.program('missing').stop();
    await expect(r.supervisor.program('missing').startOne()).rejects.toMatchObject({
      code: 'binary_not_found',
    });
    expect(r.supervisor.program('missing').instances()).toEqual([]);
  });

  it('uses the binary a prestart hook chooses (an installed release)', async () => {
    const hook: LifecycleHook = {
      name: 'release',
      prestart: (ctx) => {
        ctx.command = '/binaries/api/v2/api';
        ctx.version = 'v2';
      },
    };
    const r = rig(
      `
processes:
  - name: api
    repository: acme/api
`,
      { hooks: [hook] },
    );
    await r.supervisor.start();
    expect(r.driver.processes[0]!.spec.command).toBe('/binaries/api/v2/api');
    expect(r.supervisor.program('api').instances()[0]!.version).toBe('v2');
  });

  it('escalates to SIGKILL after stop.timeout when an instance ignores the stop signal', async () => {
    const r = rig(WEB);
    r.driver.define('/bin/web', (p) => p.ignored.add('SIGTERM'));
    await r.supervisor.start();
    const stopping = r.supervisor.shutdown();
    await r.clock.advance(2000);
    await stopping;
    expect(r.driver.processes.map((p) => p.signals)).toEqual([
      ['SIGTERM', 'SIGKILL'],
      ['SIGTERM', 'SIGKILL'],
    ]);
  });

  it('adopts the instances a previous daemon left running, without starting duplicates', async () => {
    const dir = tempDir();
    const clock = new FakeClock();
    const driver = new FakeProcessDriver(clock);
    const first = rig(WEB, { dir, clock, driver });
    await first.supervisor.start();
    await first.until(allHealthy(first.supervisor, 'web', 2));
    await first.supervisor.program('web').scale(3);
    await ledgerHolds(first, dir, 3);
    running.splice(running.indexOf(first.supervisor), 1); // the first daemon "dies": no shutdown
    const pids = driver.running.map((p) => p.pid).sort();
    expect(pids).toHaveLength(3);

    const second = rig(WEB, { dir, clock, driver });
    await second.supervisor.start();
    const program = second.supervisor.program('web');
    expect(
      program
        .instances()
        .map((i) => i.pid)
        .sort(),
    ).toEqual(pids);
    expect(program.desired).toBe(3);
    expect(driver.running).toHaveLength(3);
    expect(second.events.filter((e) => e.type === 'instance.adopted')).toHaveLength(3);
    await second.until(allHealthy(second.supervisor, 'web', 3));
  });

  it('does not adopt a pid whose identity changed, and starts a fresh instance instead', async () => {
    const dir = tempDir();
    const clock = new FakeClock();
    const driver = new FakeProcessDriver(clock);
    const first = rig(WEB, { dir, clock, driver });
    await first.supervisor.start();
    await ledgerHolds(first, dir, 2);
    running.splice(running.indexOf(first.supervisor), 1);
    const [a] = driver.running;
    a!.identity.startTime = 'someone-else'; // the pid now belongs to another process
    const second = rig(WEB, { dir, clock, driver });
    await second.supervisor.start();
    expect(
      second.events.some((e) => e.type === 'daemon.warning' && e.message.includes('not adopted')),
    ).toBe(true);
    expect(second.supervisor.program('web').instances()).toHaveLength(2);
    expect(a!.signals).toEqual([]); // never signalled
  });

  it('says which settings need a daemon restart, the auth worker among them', async () => {
    const r = rig('processes:\n  - name: api\n    binary_path: /bin/api\n');
    await r.supervisor.start();
    const next = configFromYaml(
      r.dir,
      `server: { port: 9999 }
secrets:
  override: true
  cloudflare: { worker_url: https://auth.test, private_key_path: k.pem }
processes:
  - name: api
    binary_path: /bin/api
`,
    );
    const summary = await r.supervisor.reload(next);
    expect(summary.restartRequired).toEqual(['server', 'secrets.cloudflare']);
    expect(summary.changed).toEqual([]);
  });

  it('applies a reload: adds, removes and rolling-restarts changed processes', async () => {
    const r = rig(`
processes:
  - name: keep
    binary_path: /bin/keep
  - name: change
    binary_path: /bin/change
    health_check: { type: tcp, start_period: 100ms }
  - name: drop
    binary_path: /bin/drop
`);
    await r.supervisor.start();
    const keepPid = r.supervisor.program('keep').instances()[0]!.pid;
    await r.until(() =>
      r.supervisor.program('change').ready().length === 1 ? true : 'change not ready',
    );
    const next = configFromYaml(
      r.dir,
      `
processes:
  - name: keep
    binary_path: /bin/keep
  - name: change
    binary_path: /bin/change
    env: { NEW: "1" }
    health_check: { type: tcp, start_period: 100ms }
  - name: add
    binary_path: /bin/add
`,
    );
    let summary: unknown;
    const reloading = r.supervisor.reload(next).then((s) => (summary = s));
    await r.until(() => (summary !== undefined ? true : 'reloading'));
    await reloading;
    expect(summary).toEqual({
      added: ['add'],
      removed: ['drop'],
      changed: ['change'],
      restartRequired: [],
    });
    expect(
      r.supervisor
        .list()
        .map((p) => p.name)
        .sort(),
    ).toEqual(['add', 'change', 'keep']);
    expect(r.supervisor.program('keep').instances()[0]!.pid).toBe(keepPid);
    expect(r.driver.byCommand('/bin/change').at(-1)!.spec.env.NEW).toBe('1');
    expect(r.driver.byCommand('/bin/drop')[0]!.alive).toBe(false);
  });

  it('keeps a bounded event log per instance', async () => {
    const r = rig(`
processes:
  - name: crashy
    binary_path: /bin/crashy
    restart: { backoff: { initial: 1ms, max: 1ms } }
`);
    r.driver.define('/bin/crashy', (p) => p.exit(1));
    await r.supervisor.start();
    await r.until(() => (r.driver.byCommand('/bin/crashy').length >= 60 ? true : 'crashing'));
    const instance = r.supervisor.program('crashy').instances()[0]!;
    expect(instance.events().length).toBe(100);
    expect(instance.events().at(-1)!.seq).toBeGreaterThan(150);
  });

  it('leaves nothing running when the daemon shuts down in the middle of a rolling restart', async () => {
    const r = rig(WEB);
    await r.supervisor.start();
    await r.until(allHealthy(r.supervisor, 'web', 2));
    const program = r.supervisor.program('web');
    for (const instance of program.instances()) r.probe.set(instance.port, true);
    r.probe.defaultAnswer = false; // the replacement never becomes ready
    const restarting = program.restart().catch((error: unknown) => error);
    await r.until(() => (r.driver.processes.length === 3 ? true : 'replacement not spawned yet'));
    await r.supervisor.shutdown();
    await restarting;
    await r.clock.advance(60_000); // any back-off or retry would fire now
    expect(r.driver.running).toEqual([]);
    expect(r.driver.processes).toHaveLength(3);
  });

  it('starts one again after stop even below min_instances, and starts a failed instance or all', async () => {
    const r = rig(`
processes:
  - name: web
    binary_path: /bin/web
    instances: 2
    min_instances: 2
    max_instances: 3
    restart: { max_restarts: 0 }
`);
    await r.supervisor.start();
    const program = r.supervisor.program('web');
    await program.stop();
    const one = await program.startOne();
    expect(program.active().map((i) => i.id)).toEqual([one.id]);
    r.driver.running[0]!.exit(1); // gives up at once: max_restarts 0
    await r.until(() => (one.status === 'failed' ? true : one.status));
    await program.startInstance(String(one.index));
    expect(one.status).toBe('running');
    await expect(program.startInstance(String(one.index))).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await program.startAll();
    expect(program.active()).toHaveLength(2);
    expect(program.desired).toBe(2);
  });

  it('reports a spawn error once, not on every retry', async () => {
    const r = rig(`
processes:
  - name: missing
    binary_path: /opt/missing
    restart: { backoff: { initial: 10ms, max: 10ms } }
`);
    r.driver.failSpawn(
      '/opt/missing',
      new DaemonError('binary_not_found', 'binary_path /opt/missing does not exist'),
    );
    await r.supervisor.start();
    await r.until(() =>
      r.events.filter((e) => e.type === 'instance.state' && e.to === 'backoff').length >= 5
        ? true
        : 'retrying',
    );
    expect(r.events.filter((e) => e.type === 'instance.error')).toHaveLength(1);
  });

  it('cleans up the process group of a recorded instance whose leader died with the daemon', async () => {
    const dir = tempDir();
    const clock = new FakeClock();
    const driver = new FakeProcessDriver(clock);
    const first = rig(WEB, { dir, clock, driver });
    await first.supervisor.start();
    await ledgerHolds(first, dir, 2);
    running.splice(running.indexOf(first.supervisor), 1);
    const [dead, alive] = driver.running;
    dead!.exit(null, 'SIGKILL'); // died while no daemon ran
    const second = rig(WEB, { dir, clock, driver });
    await second.supervisor.start();
    expect(driver.cleanedGroups).toEqual([dead!.pid]);
    expect(
      second.supervisor
        .program('web')
        .instances()
        .map((i) => i.pid),
    ).toContain(alive!.pid);
  });
});

describe('deploy: replacing every instance with what the hooks choose now (hot deploys)', () => {
  /** A hook that runs `/bin/web-<version>`, the version a test sets (an installed release). */
  function releaseRig(strategyYaml = '') {
    const release = { version: 'v1' };
    const hook: LifecycleHook = {
      name: 'release',
      prestart: (ctx) => {
        ctx.command = `/bin/web-${release.version}`;
        ctx.version = release.version;
      },
    };
    const r = rig(
      `
processes:
  - name: web
    binary_path: /bin/web
    instances: 2
    max_instances: 2
    health_check: { type: http, interval: 200ms, retries: 1, start_period: 200ms }
${strategyYaml}`,
      { hooks: [hook] },
    );
    return { r, release };
  }

  const versions = (r: Rig) =>
    r.supervisor
      .program('web')
      .instances()
      .map((i) => `${i.version}:${i.status}`);

  it('rolling: one at a time, never below the ready count, each new one ready for minHealthyMs first', async () => {
    const { r, release } = releaseRig();
    await r.supervisor.start();
    const program = r.supervisor.program('web');
    await r.until(allHealthy(r.supervisor, 'web', 2));
    release.version = 'v2';
    let minReady = Infinity;
    r.supervisor.events.subscribe(() => (minReady = Math.min(minReady, program.ready().length)));
    const phases: string[] = [];
    const startedAt = r.clock.now();
    const deploying = program.deploy('rolling', {
      minHealthyMs: 1000,
      onPhase: (phase) => phases.push(phase),
    });
    await r.until(() => (program.currentOperation === undefined ? true : 'deploy running'));
    await deploying;
    expect(versions(r)).toEqual(['v2:healthy', 'v2:healthy']);
    expect(minReady).toBeGreaterThanOrEqual(2);
    // Each new instance stayed ready for minHealthyMs before an old one was stopped.
    expect(r.clock.now() - startedAt).toBeGreaterThanOrEqual(2000);
    expect(phases).toEqual([
      'starting',
      'health_check',
      'draining',
      'starting',
      'health_check',
      'draining',
    ]);
  });

  it('rolling over instances that are not ready restarts them in place and ends only once they are ready', async () => {
    const { r, release } = releaseRig();
    // v1 never passes its health check (as a process without a release yet).
    r.probe.defaultAnswer = false;
    await r.supervisor.start();
    const program = r.supervisor.program('web');
    await r.until(() =>
      program.instances().every((i) => i.status === 'running' || i.status === 'unhealthy')
        ? true
        : versions(r).join(', '),
    );
    release.version = 'v2';
    const phases: string[] = [];
    let done = false;
    const deploying = program
      .deploy('rolling', { onPhase: (phase) => phases.push(phase) })
      .then(() => (done = true));
    await r.until(() => (phases.includes('health_check') ? true : phases.join(', ')));
    expect(done).toBe(false);
    r.probe.defaultAnswer = true;
    await r.until(() => (done ? true : 'deploy running'));
    await deploying;
    expect(versions(r)).toEqual(['v2:healthy', 'v2:healthy']);
    expect(phases.slice(0, 2)).toEqual(['starting', 'health_check']);
  });

  it('blue-green: a whole new set first, then the old set stops; a set that is not ready leaves the old one serving', async () => {
    const { r, release } = releaseRig();
    await r.supervisor.start();
    const program = r.supervisor.program('web');
    await r.until(allHealthy(r.supervisor, 'web', 2));
    const oldIds = program.instances().map((i) => i.id);

    // v2's instances never pass their health check.
    release.version = 'v2';
    r.probe.defaultAnswer = false;
    for (const i of program.instances()) r.probe.set(i.port, true);
    let failure: unknown;
    const failing = program.deploy('blue-green').catch((error: unknown) => (failure = error));
    await r.until(() => (failure !== undefined ? true : 'deploy running'));
    await failing;
    expect((failure as DaemonError).code).toBe('not_ready');
    expect(program.instances().map((i) => i.id)).toEqual(oldIds);
    expect(versions(r)).toEqual(['v1:healthy', 'v1:healthy']);

    // With healthy v2 instances the old set goes only once the whole new set is ready.
    r.probe.defaultAnswer = true;
    let maxActive = 0;
    r.supervisor.events.subscribe(() => (maxActive = Math.max(maxActive, program.active().length)));
    const deploying = program.deploy('blue-green');
    await r.until(() => (program.currentOperation === undefined ? true : 'deploy running'));
    await deploying;
    expect(versions(r)).toEqual(['v2:healthy', 'v2:healthy']);
    expect(maxActive).toBe(4);
  });

  it('immediate: stops every instance, then starts the new ones (downtime)', async () => {
    const { r, release } = releaseRig();
    await r.supervisor.start();
    const program = r.supervisor.program('web');
    await r.until(allHealthy(r.supervisor, 'web', 2));
    release.version = 'v2';
    let minActive = Infinity;
    r.supervisor.events.subscribe(() => (minActive = Math.min(minActive, program.active().length)));
    const deploying = program.deploy('immediate');
    await r.until(() => (program.currentOperation === undefined ? true : 'deploy running'));
    await deploying;
    expect(versions(r)).toEqual(['v2:healthy', 'v2:healthy']);
    expect(minActive).toBe(0);
  });
});
