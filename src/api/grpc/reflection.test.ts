import { create, fromBinary, type DescFile } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, file_google_protobuf_api } from '@bufbuild/protobuf/wkt';
import {
  createClient,
  createRouterTransport,
  type ConnectRouter,
  type Transport,
} from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import * as v1 from '../../gen/grpc/reflection/v1/reflection_pb.js';
import * as v1alpha from '../../gen/grpc/reflection/v1alpha/reflection_pb.js';
import { file_proto_process_manager } from '../../gen/proto/process_manager_pb.js';
import { file_tunnel_tunnel } from '../../gen/tunnel/tunnel_pb.js';
import { createDescriptorSet } from './descriptor-set.js';
import { registerHealth } from './health.js';
import { answerReflection, registerReflection } from './reflection.js';

const DAEMON_FILES: readonly DescFile[] = [file_proto_process_manager, file_tunnel_tunnel];

const EXPECTED_SERVICES = [
  'grpc.health.v1.Health',
  'grpc.reflection.v1.ServerReflection',
  'grpc.reflection.v1alpha.ServerReflection',
  'proto.ProcessManager',
  'tunnel.TunnelService',
];

function daemonRoutes(router: ConnectRouter): void {
  registerReflection(router, DAEMON_FILES);
  // Registered after reflection on purpose: the served set is read at request time.
  registerHealth(router, () => true);
}

type Request = { host?: string; messageRequest: v1.ServerReflectionRequest['messageRequest'] };

const versions = [
  {
    name: 'v1',
    ask: (transport: Transport, requests: Request[]) =>
      collect(createClient(v1.ServerReflection, transport).serverReflectionInfo(feed(requests))),
  },
  {
    name: 'v1alpha',
    ask: (transport: Transport, requests: Request[]) =>
      collect(
        createClient(v1alpha.ServerReflection, transport).serverReflectionInfo(
          feed(requests as v1alpha.ServerReflectionRequest[]),
        ),
      ),
  },
];

async function* feed<T>(requests: T[]): AsyncIterable<T> {
  yield* requests;
}

async function collect<T>(responses: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const response of responses) all.push(response);
  return all;
}

type Response = v1.ServerReflectionResponse | v1alpha.ServerReflectionResponse;

function fileNames(response: Response | undefined): string[] {
  if (response?.messageResponse.case !== 'fileDescriptorResponse') {
    throw new Error(`expected files, got ${JSON.stringify(response?.messageResponse)}`);
  }
  return response.messageResponse.value.fileDescriptorProto.map(
    (bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name,
  );
}

const symbol = (value: string): Request => ({
  messageRequest: { case: 'fileContainingSymbol', value },
});

describe.each(versions)('server reflection $name', ({ ask }) => {
  const transport = createRouterTransport(daemonRoutes);

  it('lists the daemon, health and reflection services', async () => {
    const [response] = await ask(transport, [
      { host: 'localhost:50051', messageRequest: { case: 'listServices', value: '*' } },
    ]);
    expect(response?.validHost).toBe('localhost:50051');
    expect(response?.originalRequest?.messageRequest).toEqual({ case: 'listServices', value: '*' });
    expect(response?.messageResponse.case).toBe('listServicesResponse');
    const names =
      response?.messageResponse.case === 'listServicesResponse'
        ? response.messageResponse.value.service.map((s) => s.name)
        : [];
    expect(names).toEqual(EXPECTED_SERVICES);
  });

  it('answers every request in order; an unknown symbol is NOT_FOUND and the stream goes on', async () => {
    const responses = await ask(transport, [
      symbol('proto.ProcessManager'),
      symbol('proto.ProcessManager.GetProcess'),
      symbol('proto.ProcessInfo'),
      symbol('no.Such.Symbol'),
      symbol('tunnel.TunnelProcessInfo.MessagesEntry'),
      symbol('grpc.health.v1.HealthCheckResponse.SERVING'),
      symbol('.grpc.reflection.v1alpha.ServerReflection'),
      { messageRequest: { case: 'fileByFilename', value: 'tunnel/tunnel.proto' } },
      { messageRequest: { case: 'fileByFilename', value: 'missing.proto' } },
    ]);
    expect(responses).toHaveLength(9);
    expect(fileNames(responses[0])).toEqual(['proto/process_manager.proto']);
    expect(fileNames(responses[1])).toEqual(['proto/process_manager.proto']);
    expect(fileNames(responses[2])).toEqual(['proto/process_manager.proto']);
    expect(responses[3]?.messageResponse).toMatchObject({
      case: 'errorResponse',
      value: { errorCode: 5 },
    });
    expect(fileNames(responses[4])).toEqual(['tunnel/tunnel.proto']);
    expect(fileNames(responses[5])).toEqual(['grpc/health/v1/health.proto']);
    expect(fileNames(responses[6])).toEqual(['grpc/reflection/v1alpha/reflection.proto']);
    expect(fileNames(responses[7])).toEqual(['tunnel/tunnel.proto']);
    expect(responses[8]?.messageResponse).toMatchObject({ value: { errorCode: 5 } });
  });

  it('answers extension queries: none exist, known types list none, the rest are NOT_FOUND', async () => {
    const responses = await ask(transport, [
      { messageRequest: { case: 'allExtensionNumbersOfType', value: 'proto.ProcessInfo' } },
      { messageRequest: { case: 'allExtensionNumbersOfType', value: 'no.Such' } },
      {
        messageRequest: {
          case: 'fileContainingExtension',
          value: create(v1.ExtensionRequestSchema, {
            containingType: 'proto.ProcessInfo',
            extensionNumber: 100,
          }),
        },
      },
      { messageRequest: { case: undefined } },
    ]);
    expect(responses.map((r) => r.messageResponse)).toMatchObject([
      {
        case: 'allExtensionNumbersResponse',
        value: { baseTypeName: 'proto.ProcessInfo', extensionNumber: [] },
      },
      { case: 'errorResponse', value: { errorCode: 5 } },
      { case: 'errorResponse', value: { errorCode: 5 } },
      { case: 'errorResponse', value: { errorCode: 3 } },
    ]);
  });
});

describe('answerReflection', () => {
  it('sends a file with everything it imports, transitively, each once, the file first', () => {
    // google/protobuf/api.proto imports source_context.proto and type.proto; type.proto imports
    // any.proto and source_context.proto again.
    const set = createDescriptorSet([file_google_protobuf_api]);
    const answer = answerReflection(set, {
      case: 'fileContainingSymbol',
      value: 'google.protobuf.Method',
    });
    expect(
      fileNames(create(v1.ServerReflectionResponseSchema, { messageResponse: answer })),
    ).toEqual([
      'google/protobuf/api.proto',
      'google/protobuf/source_context.proto',
      'google/protobuf/type.proto',
      'google/protobuf/any.proto',
    ]);
    expect(set.fileByName('google/protobuf/any.proto')?.proto.name).toBe(
      'google/protobuf/any.proto',
    );
    expect(set.fileContainingSymbol('google.protobuf.Field.TYPE_STRING')?.proto.name).toBe(
      'google/protobuf/type.proto',
    );
  });
});
