/**
 * An App over a real Supervisor (Node driver, real probes) whose processes run the gRPC fixture
 * (test/fixtures/grpc-service.mjs), for the registry use cases and TunnelService. Shut down when
 * the test ends.
 */
import { onTestFinished } from 'vitest';
import { createApp, type App, type TunnelStatusSource } from '../../src/app/index.js';
import { NodeProcessDriver, Supervisor } from '../../src/core/index.js';
import { systemClock } from '../../src/shared/index.js';
import { configFromYaml } from './config.js';
import { portRange } from './daemon.js';
import { fixture } from './paths.js';
import { tempDir } from './temp-dir.js';
import { waitFor } from './wait-for.js';

export interface GrpcProcessSpec {
  name: string;
  instances: number;
  /** REFLECTION of the fixture (default both). */
  reflection?: 'both' | 'v1alpha' | 'none';
  repository?: string;
}

export async function startGrpcApp(
  processes: GrpcProcessSpec[],
  options: { apiUrl?: () => string | undefined; tunnel?: TunnelStatusSource } = {},
): Promise<{ app: App; supervisor: Supervisor }> {
  const dir = tempDir();
  const range = portRange();
  const yaml = `
server: { host: 127.0.0.1, port: 8123 }
processes:
${processes
  .map(
    (p) => `  - name: ${p.name}
    binary_path: ${process.execPath}
    args: [${fixture('grpc-service.mjs')}]
    instances: ${p.instances}
    min_instances: 0
    port_range: ${range}
    health_check: { type: tcp, interval: 100ms }
    env: { REFLECTION: ${p.reflection ?? 'both'} }
${p.repository ? `    repository: ${p.repository}\n` : ''}`,
  )
  .join('')}`;
  const supervisor = new Supervisor({
    config: configFromYaml(dir, yaml),
    driver: new NodeProcessDriver(),
    platform: 'linux',
  });
  onTestFinished(() => supervisor.shutdown());
  await supervisor.start();
  const app = createApp({
    supervisor,
    clock: systemClock,
    startedAt: Date.now(),
    version: 'test',
    control: { reload: () => Promise.reject(new Error('no reload')), shutdown: () => undefined },
    ...(options.tunnel ? { tunnel: options.tunnel } : {}),
    ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
  });
  await waitFor(() => {
    const waiting = processes.filter(
      (p) => supervisor.program(p.name).ready().length !== p.instances,
    );
    return waiting.length === 0 ? true : `not ready: ${waiting.map((p) => p.name).join(', ')}`;
  });
  return { app, supervisor };
}
