/**
 * The services as the daemon wires them: hooks into a supervisor (on the scripted driver), and a
 * certificate renewal that restarts its process with zero downtime and says so.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromYaml } from '../../test/helpers/config.js';
import { FakeProbe } from '../../test/helpers/fake-probe.js';
import { ROOT } from '../../test/helpers/paths.js';
import { tempDir } from '../../test/helpers/temp-dir.js';
import { waitFor } from '../../test/helpers/wait-for.js';
import {
  FakeProcessDriver,
  PortAllocator,
  Supervisor,
  type SupervisorEvent,
} from '../core/index.js';
import { FakeClock } from '../shared/index.js';
import { buildServices, type Services } from './services.js';

const DAY = 86_400_000;
const running: Array<{ supervisor: Supervisor; services: Services }> = [];
afterEach(async () => {
  for (const { supervisor, services } of running.splice(0)) {
    await services.stop();
    await supervisor.shutdown();
  }
});

async function setup(yaml: string) {
  const dir = tempDir();
  const config = configFromYaml(dir, yaml);
  const clock = new FakeClock(Date.now());
  const services = await buildServices({
    config,
    clock,
    platform: 'linux',
    env: {},
    identify: () => Promise.resolve(undefined),
  });
  const driver = new FakeProcessDriver().define('/bin/api', () => undefined);
  const supervisor = new Supervisor({
    config,
    driver,
    probe: new FakeProbe().probe,
    ports: new PortAllocator(() => Promise.resolve(true)),
    platform: 'linux',
    daemonEnv: {},
    hooks: services.hooks,
  });
  const events: SupervisorEvent[] = [];
  supervisor.events.subscribe((e) => events.push(e));
  running.push({ supervisor, services });
  await services.start(supervisor, 8080);
  await supervisor.start();
  return { config, clock, driver, supervisor, services, events };
}

describe('certificate renewal as the daemon wires it', () => {
  it('renews a certificate before it expires, then restart its process with zero downtime', async () => {
    const { clock, supervisor, events, config } = await setup(`
certificates: { validity_days: 4, renew_before_days: 1 }
metrics: { interval: 1h, store: memory }
processes:
  - name: api
    binary_path: /bin/api
    certificates: { enabled: true }
    health_check: { type: tcp, start_period: 10ms, interval: 1s }
`);
    await waitFor(() =>
      supervisor.program('api').ready().length === 1 ? true : 'api not ready yet',
    );
    const before = supervisor.program('api').ready()[0]!.id;
    const certFile = `${config.paths.certs}/api.crt`;
    const original = readFileSync(certFile, 'utf8');

    // Day by day: each check runs real file I/O, then schedules the next one on the fake clock
    // (beside it, the timers of the hourly metrics tick, of the autoscaler, which follows it, and
    // of the update poller's tick).
    const renewedYet = () =>
      events.some((e) => e.type === 'process.certificate' && e.action === 'renewed');
    for (let day = 0; day < 5 && !renewedYet(); day++) {
      await waitFor(() =>
        clock.pendingTimers === 4 ? true : 'the next check is not scheduled yet',
      );
      await clock.advance(DAY);
    }
    await waitFor(() => (renewedYet() ? true : 'no renewal event yet'));
    const renewed = events.find((e) => e.type === 'process.certificate' && e.action === 'renewed');
    expect(renewed).toMatchObject({ process: 'api', file: certFile });
    expect((renewed as { message: string }).message).toContain('restarting its instances');
    expect(readFileSync(certFile, 'utf8')).not.toBe(original);
    await waitFor(() => {
      const ready = supervisor.program('api').ready();
      return ready.length === 1 && ready[0]!.id !== before ? true : 'not replaced yet';
    });
    expect(events.some((e) => e.type === 'process.restart' && e.phase === 'completed')).toBe(true);
  });

  it('start nothing once stopped: a shutdown during start-up leaves no cloudflared behind', async () => {
    const dir = tempDir();
    const config = configFromYaml(dir, 'tunnel: { enabled: true }\nprocesses: []\n');
    const services = await buildServices({
      config,
      clock: new FakeClock(),
      platform: 'linux',
      // A cloudflared that would be found: the test fails if the daemon starts it.
      env: { PATH: join(ROOT, 'test', 'fakes') },
      identify: () => Promise.resolve(undefined),
    });
    const supervisor = new Supervisor({
      config,
      driver: new FakeProcessDriver(),
      platform: 'linux',
    });
    running.push({ supervisor, services });
    await services.stop();
    await services.start(supervisor, 8080);
    expect(services.tunnel?.status()).toMatchObject({ state: 'stopped', registered: false });
    expect(services.tunnel?.url()).toBeUndefined();
  });
});

describe('the autoscaler as the daemon wires it', () => {
  it('leaves a process that the operator stopped stopped (as HPA leaves a workload at zero)', async () => {
    const { supervisor, services, events } = await setup(`
metrics: { interval: 1h, store: memory }
processes:
  - name: api
    binary_path: /bin/api
    secrets: { enabled: false }
    health_check: { type: tcp, start_period: 10ms, interval: 1s }
    scaling: { enabled: true, min_instances: 1, max_instances: 3 }
`);
    const api = supervisor.program('api');
    await waitFor(() => (api.ready().length === 1 ? true : 'api not ready yet'));

    await api.stop(); // `gowinproc stop api`
    expect(api.active()).toHaveLength(0);

    await services.scaler.tick(); // the next evaluation (it waits for its actions)
    const autoscale = events.filter((e) => e.type === 'process.autoscale');
    expect(api.active(), JSON.stringify(autoscale.map((e) => e.reason))).toHaveLength(0);
  });
});
