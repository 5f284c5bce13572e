/**
 * A process an operator stopped stays stopped: the autoscaler leaves a process whose desired
 * count is 0 alone (as HPA leaves a workload scaled to zero), instead of starting it again
 * because it is below scaling.min_instances.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { configFromYaml } from '../../test/helpers/config.js';
import { FakeProbe } from '../../test/helpers/fake-probe.js';
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

const running: Array<{ supervisor: Supervisor; services: Services }> = [];
afterEach(async () => {
  for (const { supervisor, services } of running.splice(0)) {
    await services.stop();
    await supervisor.shutdown();
  }
});

describe('the autoscaler and an operator stop', () => {
  it('leaves a process that the operator stopped stopped', async () => {
    const dir = tempDir();
    const config = configFromYaml(
      dir,
      `
metrics: { interval: 1h, store: memory }
processes:
  - name: api
    binary_path: /bin/api
    secrets: { enabled: false }
    health_check: { type: tcp, start_period: 10ms, interval: 1s }
    scaling: { enabled: true, min_instances: 1, max_instances: 3 }
`,
    );
    const clock = new FakeClock(Date.now());
    const services = await buildServices({
      config,
      clock,
      platform: 'linux',
      env: {},
      identify: () => Promise.resolve(undefined),
    });
    const supervisor = new Supervisor({
      config,
      driver: new FakeProcessDriver().define('/bin/api', () => undefined),
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
    const api = supervisor.program('api');
    await waitFor(() => (api.ready().length === 1 ? true : 'api not ready yet'));

    await api.stop(); // `gowinproc stop api`
    expect(api.active()).toHaveLength(0);

    await services.scaler.tick(); // the next evaluation (it waits for its actions)
    const autoscale = events.filter((e) => e.type === 'process.autoscale');
    expect(api.active(), JSON.stringify(autoscale.map((e) => e.reason))).toHaveLength(0);
  });
});
