/**
 * A grpc-js client of the echo fixture (test/fixtures/protos/echo.proto), and a closed-loop load
 * that counts every call's status: what a balancer test needs to say "zero failed calls".
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { onTestFinished } from 'vitest';
import { fixture } from './paths.js';

export interface EchoRequest {
  payload?: Buffer;
  delay_ms?: number;
  burn_ms?: number;
  fail_code?: number;
  fail_message?: string;
  count?: number;
}

export interface EchoReply {
  payload: Buffer;
  served_by: string;
  received: number;
}

type UnaryMethod = (
  request: EchoRequest,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, reply?: EchoReply) => void,
) => grpc.ClientUnaryCall;

export interface EchoClient extends grpc.Client {
  Unary: UnaryMethod;
  Hang: UnaryMethod;
  ServerStream(
    request: EchoRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<EchoReply>;
  ClientStream(
    callback: (error: grpc.ServiceError | null, reply?: EchoReply) => void,
  ): grpc.ClientWritableStream<EchoRequest>;
  Bidi(): grpc.ClientDuplexStream<EchoRequest, EchoReply>;
}

const definition = protoLoader.loadSync(fixture('protos/echo.proto'), {
  keepCase: true,
  longs: String,
  defaults: true,
});
const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  fixture: { echo: { Echo: grpc.ServiceClientConstructor; Other: grpc.ServiceClientConstructor } };
};

/** A client of fixture.echo.Echo (or .Other) at host:port, closed when the test ends. */
export function echoClient(target: string, service: 'Echo' | 'Other' = 'Echo'): EchoClient {
  const client = new loaded.fixture.echo[service](target, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  }) as unknown as EchoClient;
  onTestFinished(() => client.close());
  return client;
}

export interface CallResult {
  code: number;
  details: string;
  reply?: EchoReply | undefined;
  metadata?: grpc.Metadata | undefined;
}

/** One unary call; resolves with its status (never rejects). */
export function unary(
  client: EchoClient,
  request: EchoRequest,
  options: { deadlineMs?: number; metadata?: grpc.Metadata; method?: 'Unary' | 'Hang' } = {},
): Promise<CallResult> {
  return new Promise((resolve) => {
    let trailers: grpc.Metadata | undefined;
    const call = client[options.method ?? 'Unary'](
      request,
      options.metadata ?? new grpc.Metadata(),
      options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs },
      (error, reply) =>
        resolve(
          error
            ? { code: error.code, details: error.details, metadata: error.metadata }
            : { code: 0, details: '', reply, metadata: trailers },
        ),
    );
    call.on('status', (status) => {
      trailers = status.metadata;
    });
  });
}

export interface LoadResult {
  calls: number;
  byCode: Map<number, number>;
  /** served_by of every OK reply, counted. */
  servedBy: Map<string, number>;
  failures: string[];
}

/**
 * Closed-loop load: `concurrency` callers each send the next call as soon as the last one ends,
 * until `stop()` is called; resolves with every call's status.
 */
export function closedLoop(
  client: EchoClient,
  concurrency: number,
  request: EchoRequest,
): { stop(): Promise<LoadResult>; calls(): number } {
  const result: LoadResult = { calls: 0, byCode: new Map(), servedBy: new Map(), failures: [] };
  let running = true;
  // A test that fails midway closes the client first: the callers stop instead of throwing.
  onTestFinished(() => {
    running = false;
  });
  const caller = async (): Promise<void> => {
    while (running) {
      let outcome: CallResult;
      try {
        outcome = await unary(client, request, { deadlineMs: 30_000 });
      } catch (error) {
        if (!running) return;
        throw error;
      }
      const { code, details, reply } = outcome;
      result.calls++;
      result.byCode.set(code, (result.byCode.get(code) ?? 0) + 1);
      if (code === 0 && reply) {
        result.servedBy.set(reply.served_by, (result.servedBy.get(reply.served_by) ?? 0) + 1);
      } else if (result.failures.length < 20) {
        result.failures.push(`${grpc.status[code] ?? code}: ${details}`);
      }
    }
  };
  const callers = Array.from({ length: concurrency }, () => caller());
  return {
    calls: () => result.calls,
    async stop() {
      running = false;
      await Promise.all(callers);
      return result;
    },
  };
}
