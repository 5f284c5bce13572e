/**
 * The app facade over a real Supervisor on the scripted process driver (no OS processes, probes
 * that always pass, every port free): what most edge tests need. Shut down when the test ends.
 */
import { onTestFinished } from 'vitest';
import { createApp, type App, type AppOptions } from '../../src/app/index.js';
import type { Config } from '../../src/config/index.js';
import { FakeProcessDriver, PortAllocator, Supervisor } from '../../src/core/index.js';
import { systemClock } from '../../src/shared/index.js';
import { FakeProbe } from './fake-probe.js';

export interface FakeApp {
  app: App;
  supervisor: Supervisor;
  driver: FakeProcessDriver;
  probe: FakeProbe;
}

export async function fakeApp(
  config: Config,
  options: Partial<Omit<AppOptions, 'supervisor'>> & { driver?: FakeProcessDriver } = {},
): Promise<FakeApp> {
  const { driver = new FakeProcessDriver(), ...appOptions } = options;
  const probe = new FakeProbe();
  const supervisor = new Supervisor({
    config,
    driver,
    probe: probe.probe,
    ports: new PortAllocator(() => Promise.resolve(true)),
    platform: 'linux',
    daemonEnv: {},
  });
  onTestFinished(() => supervisor.shutdown());
  await supervisor.start();
  const app = createApp({
    supervisor,
    clock: systemClock,
    startedAt: Date.now(),
    version: '0.0.0-test',
    control: { reload: () => supervisor.reload(config), shutdown: () => undefined },
    ...appOptions,
  });
  return { app, supervisor, driver, probe };
}
