/**
 * A server-reflection client: lists an instance's services and fetches the descriptors that
 * declare them (and every file those import), over grpc.reflection.v1, or v1alpha when the
 * server does not serve v1 (older grpc-go and grpc-java servers serve only v1alpha).
 * Each question is its own short stream, so no server-side "already sent" bookkeeping applies.
 */
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { ServerReflection as ServerReflectionV1 } from '../../gen/grpc/reflection/v1/reflection_pb.js';
import { ServerReflection as ServerReflectionV1Alpha } from '../../gen/grpc/reflection/v1alpha/reflection_pb.js';
import { DaemonError } from '../../shared/index.js';
import type { InstanceConnection } from './connection.js';

export type ReflectionVersion = 'v1' | 'v1alpha';

export interface ReflectedDescriptors {
  version: ReflectionVersion;
  /** The services the server lists, except reflection itself. */
  serviceNames: string[];
  /** Every file sent, each once (by name). */
  files: FileDescriptorProto[];
}

type Question =
  | { case: 'listServices'; value: string }
  | { case: 'fileContainingSymbol'; value: string }
  | { case: 'fileByFilename'; value: string };

type Answer =
  | { kind: 'services'; names: string[] }
  | { kind: 'files'; files: Uint8Array[] }
  | { kind: 'error'; code: number; message: string };

/** The response shape v1 and v1alpha share. */
interface ReflectionResponse {
  messageResponse:
    | { case: 'fileDescriptorResponse'; value: { fileDescriptorProto: Uint8Array[] } }
    | { case: 'listServicesResponse'; value: { service: Array<{ name: string }> } }
    | { case: 'errorResponse'; value: { errorCode: number; errorMessage: string } }
    | { case: 'allExtensionNumbersResponse'; value: unknown }
    | { case: undefined; value?: undefined };
}

const REFLECTION_SERVICES = new Set([
  ServerReflectionV1.typeName,
  ServerReflectionV1Alpha.typeName,
]);

export async function reflectDescriptors(
  connection: InstanceConnection,
): Promise<ReflectedDescriptors> {
  let version: ReflectionVersion = 'v1';
  let listing: Answer;
  try {
    listing = await ask(connection, version, { case: 'listServices', value: '*' });
  } catch (error) {
    if (!isUnimplemented(error)) throw unreachable(connection, error);
    version = 'v1alpha';
    try {
      listing = await ask(connection, version, { case: 'listServices', value: '*' });
    } catch (second) {
      if (!isUnimplemented(second)) throw unreachable(connection, second);
      throw new DaemonError(
        'instance_unreachable',
        `the gRPC server on ${connection.address} serves no server reflection (grpc.reflection.v1 or v1alpha)`,
      );
    }
  }
  if (listing.kind !== 'services') {
    const why = listing.kind === 'error' ? `: ${listing.message}` : '';
    throw new DaemonError(
      'instance_unreachable',
      `server reflection on ${connection.address} did not list its services${why}`,
    );
  }
  const serviceNames = listing.names.filter((name) => !REFLECTION_SERVICES.has(name));
  const askOrFail = (question: Question) =>
    ask(connection, version, question).catch((error: unknown) => {
      throw unreachable(connection, error);
    });

  const files = new Map<string, FileDescriptorProto>();
  const keep = (answer: Answer): void => {
    if (answer.kind !== 'files') return;
    for (const bytes of answer.files) {
      const file = decodeFile(bytes, connection);
      if (!files.has(file.name)) files.set(file.name, file);
    }
  };
  const answers = await Promise.all(
    serviceNames.map((name) => askOrFail({ case: 'fileContainingSymbol', value: name })),
  );
  answers.forEach(keep);

  // Imports the server did not send with the files that need them (grpc-go sends each file once
  // per stream; others send only the file asked for).
  const asked = new Set<string>();
  for (;;) {
    const missing = [...files.values()]
      .flatMap((file) => file.dependency)
      .filter((name) => !files.has(name) && !asked.has(name));
    if (missing.length === 0) break;
    for (const name of missing) asked.add(name);
    const more = await Promise.all(
      [...new Set(missing)].map((name) => askOrFail({ case: 'fileByFilename', value: name })),
    );
    more.forEach(keep);
  }
  return { version, serviceNames, files: [...files.values()] };
}

async function ask(
  connection: InstanceConnection,
  version: ReflectionVersion,
  question: Question,
): Promise<Answer> {
  const options = { signal: connection.signal };
  const request = { messageRequest: question };
  const responses: AsyncIterable<ReflectionResponse> =
    version === 'v1'
      ? createClient(ServerReflectionV1, connection.transport).serverReflectionInfo(
          once(request),
          options,
        )
      : createClient(ServerReflectionV1Alpha, connection.transport).serverReflectionInfo(
          once(request),
          options,
        );
  for await (const response of responses) {
    const answer = response.messageResponse;
    switch (answer.case) {
      case 'listServicesResponse':
        return { kind: 'services', names: answer.value.service.map((s) => s.name) };
      case 'fileDescriptorResponse':
        return { kind: 'files', files: answer.value.fileDescriptorProto };
      case 'errorResponse':
        return { kind: 'error', code: answer.value.errorCode, message: answer.value.errorMessage };
      default:
        return { kind: 'error', code: Code.Internal, message: `unexpected answer ${answer.case}` };
    }
  }
  throw new ConnectError('the reflection stream ended without an answer', Code.Internal);
}

function decodeFile(bytes: Uint8Array, connection: InstanceConnection): FileDescriptorProto {
  try {
    return fromBinary(FileDescriptorProtoSchema, bytes);
  } catch (error) {
    throw new DaemonError(
      'instance_unreachable',
      `server reflection on ${connection.address} sent a file descriptor that does not decode: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

async function* once<T>(value: T): AsyncIterable<T> {
  yield value;
}

function isUnimplemented(error: unknown): boolean {
  return error instanceof ConnectError && error.code === Code.Unimplemented;
}

function unreachable(connection: InstanceConnection, error: unknown): unknown {
  if (error instanceof DaemonError || connection.signal.aborted) return error;
  const message = error instanceof ConnectError ? error.rawMessage : String(error);
  return new DaemonError(
    'instance_unreachable',
    `server reflection on ${connection.address} failed: ${message}`,
    { cause: error },
  );
}
