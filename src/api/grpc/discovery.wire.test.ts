/**
 * grpcurl-style discovery over a real HTTP/2 socket with an independent client: grpc-js and
 * proto-loader read the repository's .proto files (not our generated code), ask reflection for
 * services and their files, and rebuild a working descriptor registry from the bytes alone.
 */
import { create, createFileRegistry, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import type { ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { once } from 'node:events';
import { createServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../../../test/helpers/paths.js';
import { file_proto_process_manager } from '../../gen/proto/process_manager_pb.js';
import { file_tunnel_tunnel } from '../../gen/tunnel/tunnel_pb.js';
import { registerHealth } from './health.js';
import { registerReflection } from './reflection.js';

interface WireResponse {
  valid_host: string;
  message_response: string;
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
}

type Ctor = grpc.ServiceClientConstructor;
interface Loaded {
  grpc: {
    health: { v1: { Health: Ctor } };
    reflection: { v1: { ServerReflection: Ctor }; v1alpha: { ServerReflection: Ctor } };
  };
}

const loaded = grpc.loadPackageDefinition(
  protoLoader.loadSync(
    [
      'grpc/reflection/v1/reflection.proto',
      'grpc/reflection/v1alpha/reflection.proto',
      'grpc/health/v1/health.proto',
    ],
    { includeDirs: [join(ROOT, 'proto')], keepCase: true, oneofs: true, enums: String },
  ),
) as unknown as Loaded;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serveNative(routes: (router: ConnectRouter) => void): Promise<string> {
  const server = createServer(connectNodeAdapter({ routes, grpc: true }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  // close() resolves only once every client session is gone: a leaked connection hangs the test.
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function connect(Client: Ctor, address: string): grpc.Client {
  const client = new Client(address, grpc.credentials.createInsecure());
  cleanups.push(() => client.close());
  return client;
}

/** One reflection stream: sends every request, then collects the answers until the server ends. */
async function reflect(client: grpc.Client, requests: object[]): Promise<WireResponse[]> {
  const call = (
    client as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<object, WireResponse> }
  ).ServerReflectionInfo();
  const responses: WireResponse[] = [];
  call.on('data', (response: WireResponse) => responses.push(response));
  for (const request of requests) call.write(request);
  call.end();
  await once(call, 'end');
  return responses;
}

const daemonRoutes = (router: ConnectRouter) => {
  registerHealth(router, () => true);
  registerReflection(router, [file_proto_process_manager, file_tunnel_tunnel]);
};

describe.each(['v1', 'v1alpha'] as const)(
  'reflection %s over the wire (grpc-js client)',
  (version) => {
    it('lists the services and describes each one from the returned file descriptors', async () => {
      const address = await serveNative(daemonRoutes);
      const client = connect(loaded.grpc.reflection[version].ServerReflection, address);

      const [listed] = await reflect(client, [{ host: address, list_services: '' }]);
      expect(listed?.valid_host).toBe(address);
      const services = listed?.list_services_response?.service.map((s) => s.name);
      expect(services).toEqual([
        'grpc.health.v1.Health',
        'grpc.reflection.v1.ServerReflection',
        'grpc.reflection.v1alpha.ServerReflection',
        'proto.ProcessManager',
        'tunnel.TunnelService',
      ]);

      const answers = await reflect(client, [
        ...(services ?? []).map((name) => ({ file_containing_symbol: name })),
        { file_containing_symbol: 'proto.Missing' },
        { file_containing_symbol: 'tunnel.TunnelProcessInfo.MessagesEntry' },
      ]);
      expect(answers.map((a) => a.message_response)).toEqual([
        ...(services ?? []).map(() => 'file_descriptor_response'),
        'error_response',
        'file_descriptor_response',
      ]);
      expect(answers[services?.length ?? 0]?.error_response?.error_code).toBe(
        grpc.status.NOT_FOUND,
      );

      // Rebuild a registry from the bytes alone, as grpcurl does, and walk every method.
      const files = answers.flatMap((a) =>
        (a.file_descriptor_response?.file_descriptor_proto ?? []).map((bytes) =>
          fromBinary(FileDescriptorProtoSchema, bytes),
        ),
      );
      const unique = [...new Map(files.map((f) => [f.name, f])).values()];
      const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: unique }));
      const processManager = registry.getService('proto.ProcessManager');
      expect(processManager?.methods.map((m) => m.name)).toContain('GetProcess');
      expect(processManager?.method.getProcess?.output.typeName).toBe('proto.ProcessInfo');
      for (const name of services ?? []) {
        for (const method of registry.getService(name)?.methods ?? []) {
          expect(registry.getMessage(method.input.typeName)).toBeDefined();
        }
      }
      const messagesField = registry.getMessage('tunnel.TunnelProcessInfo')?.field.messages;
      expect(messagesField?.fieldKind).toBe('map');
    });
  },
);

describe('grpc.health.v1 over the wire (grpc-js client)', () => {
  it('Check answers SERVING for the server and NOT_FOUND for an unknown service', async () => {
    const address = await serveNative(daemonRoutes);
    const client = connect(loaded.grpc.health.v1.Health, address) as grpc.Client & {
      Check(request: object, callback: (error: grpc.ServiceError | null, r?: object) => void): void;
    };
    const check = (service: string) =>
      new Promise<{ error: grpc.ServiceError | null; response?: object | undefined }>((resolve) =>
        client.Check({ service }, (error, response) => resolve({ error, response })),
      );
    expect(await check('')).toEqual({ error: null, response: { status: 'SERVING' } });
    expect((await check('proto.ProcessManager')).response).toEqual({ status: 'SERVING' });
    expect((await check('no.Such')).error?.code).toBe(grpc.status.NOT_FOUND);
  });
});
