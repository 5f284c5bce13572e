import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.js';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

interface Greeter extends grpc.Client {
  SayHello(
    request: { name: string },
    callback: (
      error: grpc.ServiceError | null,
      reply: { message: string; instance_id: string; port: number },
    ) => void,
  ): void;
}

function greeter(port: number): Greeter {
  const definition = protoLoader.loadSync(
    join(ROOT, 'examples', 'demo-service', 'protos', 'greeter.proto'),
    { keepCase: true },
  );
  const demo = grpc.loadPackageDefinition(definition).demo as unknown as {
    Greeter: new (address: string, credentials: grpc.ChannelCredentials) => Greeter;
  };
  return new demo.Greeter(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

describe('the quickstart (npm start)', () => {
  it('runs two health-checked instances of the demo gRPC service that answer calls', async () => {
    const dir = tempDir();
    const daemon = await startDaemon(dir, join(ROOT, 'examples', 'quickstart.yaml'), {
      env: { GOWINPROC_PORT: '0', GOWINPROC_GRPC_PORT: '0' },
    });
    let instances: Array<{ id: string; port: number; status: string }> = [];
    await waitFor(
      async () => {
        instances = (
          await daemon.api<{ instances: typeof instances }>('GET', '/api/v1/processes/demo')
        ).json.instances;
        return instances.length === 2 && instances.every((i) => i.status === 'healthy')
          ? true
          : JSON.stringify(instances.map((i) => i.status));
      },
      { timeoutMs: 20_000 },
    );
    for (const instance of instances) {
      const client = greeter(instance.port);
      const reply = await new Promise<{ message: string; instance_id: string; port: number }>(
        (resolve, reject) =>
          client.SayHello({ name: 'gowinproc' }, (error, value) =>
            error ? reject(error) : resolve(value),
          ),
      );
      client.close();
      expect(reply).toEqual({
        message: 'Hello, gowinproc!',
        instance_id: instance.id,
        port: instance.port,
      });
    }
    daemon.child.kill('SIGTERM');
    expect(await daemon.exitCode).toBe(0);
  });
});

describe('the load-balancer example (examples/load-balancer.yaml)', () => {
  it('serves the demo service through its balancer, spreading calls over both instances', async () => {
    const dir = tempDir();
    const daemon = await startDaemon(dir, join(ROOT, 'examples', 'load-balancer.yaml'), {
      env: { GOWINPROC_PORT: '0', GOWINPROC_GRPC_PORT: '0', GOWINPROC_LB_PORT: '0' },
    });
    let port = 0;
    await waitFor(
      async () => {
        const { json } = await daemon.api<{
          port: number;
          backends: Array<{ state: string }>;
        }>('GET', '/api/v1/balancers/greeter_lb');
        port = json.port;
        const ready = json.backends.filter((b) => b.state === 'ready').length;
        return ready === 2 || `${ready} ready backends`;
      },
      { timeoutMs: 20_000 },
    );
    const client = greeter(port);
    const servedBy = new Set<string>();
    for (let n = 0; n < 4; n++) {
      const reply = await new Promise<{ message: string; instance_id: string }>((resolve, reject) =>
        client.SayHello({ name: 'lb' }, (error, value) => (error ? reject(error) : resolve(value))),
      );
      expect(reply.message).toBe('Hello, lb!');
      servedBy.add(reply.instance_id);
    }
    client.close();
    expect(servedBy.size).toBe(2);
    const autoscale = await daemon.api<{ enabled: boolean; policy: { targets: object } }>(
      'GET',
      '/api/v1/processes/greeter_service/autoscale',
    );
    expect(autoscale.json).toMatchObject({
      enabled: true,
      policy: { targets: { cpuPercent: 70, rpsPerInstance: 500 } },
    });
    daemon.child.kill('SIGTERM');
    expect(await daemon.exitCode).toBe(0);
  });
});
