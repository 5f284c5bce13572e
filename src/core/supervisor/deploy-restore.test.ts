/**
 * An `immediate` deploy whose new instances are not ready leaves no instance; the
 * orchestrator's restore then deploys again (same strategy) and must bring back as many
 * instances as ran before, not one.
 */
import { afterEach, expect, it } from 'vitest';
import { configFromYaml } from '../../../test/helpers/config.js';
import { FakeProbe } from '../../../test/helpers/fake-probe.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { type DaemonError, FakeClock } from '../../shared/index.js';
import { FakeProcessDriver } from '../driver/index.js';
import { PortAllocator } from '../ports/index.js';
import type { LifecycleHook } from './hooks.js';
import { Supervisor } from './supervisor.js';

const running: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.shutdown().catch(() => undefined)));
});

it('immediate deploy that fails, then the restoring deploy: the process runs 3 instances again', async () => {
  const release = { version: 'v1' };
  const hook: LifecycleHook = {
    name: 'release',
    prestart: (ctx) => {
      ctx.command = `/bin/web-${release.version}`;
      ctx.version = release.version;
    },
  };
  const clock = new FakeClock();
  const probe = new FakeProbe();
  const supervisor = new Supervisor({
    config: configFromYaml(
      tempDir(),
      `
processes:
  - name: web
    binary_path: /bin/web
    instances: 3
    max_instances: 3
    health_check: { type: http, interval: 200ms, retries: 1, start_period: 200ms }
`,
    ),
    driver: new FakeProcessDriver(clock),
    clock,
    probe: probe.probe,
    random: () => 0.5,
    hooks: [hook],
    ports: new PortAllocator(() => Promise.resolve(true)),
    platform: 'linux',
    daemonEnv: { PATH: '/usr/bin' },
  });
  running.push(supervisor);
  const until = async (check: () => true | string): Promise<void> => {
    let reason = check();
    for (let spent = 0; reason !== true; spent += 10) {
      if (spent > 120_000) throw new Error(`not reached: ${reason}`);
      await clock.advance(10);
      await new Promise((r) => setTimeout(r, 0));
      reason = check();
    }
  };
  await supervisor.start();
  const program = supervisor.program('web');
  const healthy = (count: number) => (): true | string => {
    const st = program.instances().map((i) => `${i.version}:${i.status}`);
    return st.length === count && st.every((x) => x.endsWith(':healthy'))
      ? true
      : `states: ${st.join(',')}`;
  };

  await until(healthy(3));

  // v2 never passes its health check: the immediate deploy leaves no instance.
  release.version = 'v2';
  probe.defaultAnswer = false;
  for (const i of program.instances()) probe.set(i.port, true);
  let failure: unknown;
  const failing = program.deploy('immediate').catch((error: unknown) => (failure = error));
  await until(() => (failure !== undefined ? true : 'deploy running'));
  await failing;
  expect((failure as DaemonError).code).toBe('not_ready');

  // The orchestrator restores v1 and deploys again with the same strategy.
  release.version = 'v1';
  probe.defaultAnswer = true;
  let done = false;
  const restoring = program.deploy('immediate').then(() => (done = true));
  await until(() => (done ? true : 'restore running'));
  await restoring;
  expect(program.desired).toBe(3);
  expect(program.active().length).toBe(3);
});
