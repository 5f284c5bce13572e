/**
 * The registry and dynamic invocation end to end: the built daemon manages the demo gRPC service
 * (examples/demo-service, which serves reflection), GET /api/registry reads its services and
 * messages by reflection, and POST /api/invoke calls demo.Greeter/SayHello with JSON.
 * TunnelService, the gRPC twin, is called on the native port by an independent grpc-js client
 * that loads proto/tunnel/tunnel.proto.
 */
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { portRange, startDaemon, writeConfig } from '../helpers/daemon.js';
import { ROOT } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

interface Registry {
  proxy_base_url: string;
  timestamp: string;
  available_processes: Array<{
    name: string;
    status: string;
    instances: number;
    proxy_path: string;
    current_ports: number[];
    services: Array<{
      name: string;
      methods: Array<{ name: string; input_type: string; output_type: string }>;
    }>;
    messages: Record<string, { name: string; fields: Array<Record<string, unknown>> }>;
  }>;
}

interface Instance {
  id: string;
  port: number;
  status: string;
}

async function demoDaemon() {
  const dir = tempDir();
  const path = writeConfig(
    dir,
    `
server: { port: 0, grpc_port: 0 }
processes:
  - name: demo
    binary_path: ${process.execPath}
    args: [${join(ROOT, 'examples', 'demo-service', 'server.mjs')}]
    instances: 2
    port_range: ${portRange()}
    health_check: { type: grpc, interval: 200ms }
`,
  );
  const daemon = await startDaemon(dir, path);
  let instances: Instance[] = [];
  await waitFor(async () => {
    instances = (await daemon.api<{ instances: Instance[] }>('GET', '/api/v1/processes/demo')).json
      .instances;
    return instances.length === 2 && instances.every((i) => i.status === 'healthy')
      ? true
      : JSON.stringify(instances.map((i) => i.status));
  });
  return { daemon, instances };
}

describe('the gRPC registry and JSON invocation (REST)', () => {
  it('GET /api/registry lists demo.Greeter with SayHello and its messages', async () => {
    const { daemon, instances } = await demoDaemon();
    const { status, json } = await daemon.api<Registry>('GET', '/api/registry');
    expect(status).toBe(200);
    expect(json.proxy_base_url).toBe(daemon.url);
    expect(Math.abs(Date.parse(json.timestamp) - Date.now())).toBeLessThan(60_000);
    const [demo] = json.available_processes;
    expect(demo).toMatchObject({
      name: 'demo',
      status: 'healthy',
      instances: 2,
      proxy_path: '/api/invoke?process=demo',
    });
    expect([...demo!.current_ports].sort()).toEqual(instances.map((i) => i.port).sort());
    expect(demo!.services.map((s) => s.name)).toEqual(['demo.Greeter', 'grpc.health.v1.Health']);
    expect(demo!.services[0]!.methods).toEqual([
      { name: 'SayHello', input_type: '.demo.HelloRequest', output_type: '.demo.HelloReply' },
    ]);
    expect(demo!.messages['.demo.HelloRequest']).toEqual({
      name: '.demo.HelloRequest',
      fields: [{ name: 'name', type: 'string', repeated: false, number: 1, optional: true }],
    });
    expect(demo!.messages['.demo.HelloReply']?.fields.map((f) => [f.name, f.type])).toEqual([
      ['message', 'string'],
      ['instance_id', 'string'],
      ['port', 'int32'],
    ]);
  });

  it('POST /api/invoke calls SayHello on each instance in turn and returns the greeting', async () => {
    const { daemon, instances } = await demoDaemon();
    const replies: Array<{ message: string; instanceId: string; port: number }> = [];
    for (const data of [{ name: 'gowinproc' }, '{"name": "gowinproc"}']) {
      const { status, json } = await daemon.api<{
        success: boolean;
        data: (typeof replies)[number];
      }>('POST', '/api/invoke', {
        process: 'demo',
        service: 'demo.Greeter',
        method: 'SayHello',
        data,
      });
      expect(status).toBe(200);
      expect(json.success).toBe(true);
      replies.push(json.data);
    }
    expect(replies.map((r) => r.message)).toEqual(['Hello, gowinproc!', 'Hello, gowinproc!']);
    expect(replies.map((r) => r.instanceId).sort()).toEqual(instances.map((i) => i.id).sort());
    for (const reply of replies) {
      expect(reply.port).toBe(instances.find((i) => i.id === reply.instanceId)!.port);
    }

    // The registry's proxy_path names the process in the query.
    const viaPath = await daemon.api<{ success: boolean; data: { message: string } }>(
      'POST',
      '/api/invoke?process=demo',
      { service: 'demo.Greeter', method: 'SayHello' },
    );
    expect(viaPath.json).toMatchObject({ success: true, data: { message: 'Hello, world!' } });
  });

  it('POST /api/invoke answers bad requests with the error codes', async () => {
    const { daemon } = await demoDaemon();
    const invoke = (body: Record<string, unknown>) =>
      daemon.api<{ error: string; code: string }>('POST', '/api/invoke', {
        process: 'demo',
        service: 'demo.Greeter',
        method: 'SayHello',
        ...body,
      });
    expect(await invoke({ process: 'nope' })).toMatchObject({
      status: 404,
      json: { code: 'process_not_found' },
    });
    expect(await invoke({ method: 'SayGoodbye' })).toMatchObject({
      status: 404,
      json: {
        code: 'not_found',
        error: 'gRPC service demo.Greeter has no method "SayGoodbye"; it has: SayHello',
      },
    });
    expect(await invoke({ data: '{"name": ' })).toMatchObject({
      status: 400,
      json: { code: 'invalid_argument' },
    });
    expect(await invoke({ data: { nickname: 'x' } })).toMatchObject({
      status: 400,
      json: {
        code: 'invalid_argument',
        error:
          'data does not fit demo.HelloRequest: cannot decode message demo.HelloRequest from JSON: key "nickname" is unknown',
      },
    });
    expect((await invoke({ service: undefined })).status).toBe(400);
  });

  it('answers TunnelService GetRegistry and InvokeMethod on the native gRPC port (grpc-js)', async () => {
    const { daemon } = await demoDaemon();
    const line = daemon.output.find((l) => l.includes('gowinproc started')) ?? '';
    const port = Number(/grpc=127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
    const definition = protoLoader.loadSync(join(ROOT, 'proto', 'tunnel', 'tunnel.proto'), {
      keepCase: true,
      defaults: true,
      arrays: true,
    });
    const Client = (
      grpc.loadPackageDefinition(definition).tunnel as unknown as {
        TunnelService: new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client;
      }
    ).TunnelService;
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const call = <T>(rpc: string, request: object): Promise<T> =>
      new Promise((resolve, reject) =>
        (
          client as unknown as Record<
            string,
            (r: object, cb: (e: grpc.ServiceError | null, v: unknown) => void) => void
          >
        )[rpc]!.call(client, request, (error, value) =>
          error ? reject(error) : resolve(value as T),
        ),
      );
    try {
      const registry = await call<{
        available_processes: Array<{ name: string; services: Array<{ name: string }> }>;
      }>('GetRegistry', {});
      const demo = registry.available_processes.find((p) => p.name === 'demo');
      expect(demo?.services.map((s) => s.name)).toContain('demo.Greeter');
      const answer = await call<{ success: boolean; data: string; error: string }>('InvokeMethod', {
        process: 'demo',
        service: 'demo.Greeter',
        method: 'SayHello',
        data: JSON.stringify({ name: 'wire' }),
      });
      expect(answer.success).toBe(true);
      expect(JSON.stringify(JSON.parse(answer.data))).toContain('wire');
    } finally {
      client.close();
    }
  });
});
