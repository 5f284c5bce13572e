/**
 * Every ProcessManager and TunnelService RPC (taken from the generated service descriptors, so a
 * new RPC is fuzzed the day it appears in the proto), fed hostile input over real sockets:
 * - the native port with a raw grpc-js client and identity serializers, so the message can be any
 *   bytes: random bytes, broken protobuf, valid protobuf with hostile values (path tricks, NUL,
 *   unicode, huge strings, extreme numbers), a message above the 1 MiB limit; and raw HTTP/2 with
 *   broken gRPC framing (compression flags, lying length prefixes, gzip bombs, bad timeouts);
 * - the HTTP port with fetch: Connect (JSON and proto, unary and streaming) and gRPC-Web.
 * Whatever arrives, the call ends with a status that is neither INTERNAL nor UNKNOWN (no HTTP 500
 * on Connect), the daemon keeps serving, no bug reaches the internal-error log, and no file
 * outside the data and log directories is created or changed.
 */
import { createHash } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect as connectHttp2, constants as http2Constants } from 'node:http2';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  create,
  fromBinary,
  ScalarType,
  toBinary,
  type DescField,
  type DescMessage,
  type DescMethod,
  type MessageInitShape,
} from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromYaml } from '../../../test/helpers/config.js';
import { FakeProbe } from '../../../test/helpers/fake-probe.js';
import { createApp } from '../../app/index.js';
import { FakeProcessDriver, PortAllocator, Supervisor } from '../../core/index.js';
import { ListProcessesResponseSchema, ProcessManager } from '../../gen/proto/process_manager_pb.js';
import { TunnelService } from '../../gen/tunnel/tunnel_pb.js';
import { systemClock } from '../../shared/index.js';
import { AuthPolicy } from '../auth/index.js';
import { buildRestApi, listen, type RunningServer } from '../rest/index.js';
import { rpcHttpMount } from './http-handler.js';
import { MAX_MESSAGE_CHARS } from './grpc-status.js';
import { RPC_READ_MAX_BYTES } from './routes.js';
import { startGrpcServer, type RunningGrpcServer } from './server.js';

const METHODS: readonly DescMethod[] = [...ProcessManager.methods, ...TunnelService.methods];
const pathOf = (method: DescMethod) => `/${method.parent.typeName}/${method.name}`;
const isStream = (method: DescMethod) => method.methodKind === 'server_streaming';

/** How long a stream may stay open before we cancel it (it may legitimately wait for events). */
const STREAM_PATIENCE_MS = 250;
/** A unary call that takes this long hangs: the test fails with DEADLINE_EXCEEDED. */
const UNARY_DEADLINE_MS = 8000;

// ---------------------------------------------------------------------------------------------
// Hostile values

const TRICKY_STRINGS = [
  '',
  'web',
  'other',
  'WEB',
  '..',
  '../outside/x',
  '../../outside/sentinel.txt',
  '../../../../outside/x',
  '../../../../../../../../../../tmp/gowinproc-fuzz-escape',
  '..\\..\\outside\\x',
  '%2e%2e%2foutside%2fx',
  '%2e%2e',
  '..%2f..%2foutside',
  '%00',
  'web\0',
  '\0',
  'web\0../../outside/x',
  '😀',
  '\u202e',
  '\ufeff',
  '\ud800',
  'a'.repeat(100_000),
  'x'.repeat(201),
  'con',
  'NUL',
  'C:\\Windows\\System32',
  '/etc/passwd',
  '\\\\server\\share',
  'web/../web',
  'web\r\nx-injected: 1',
  '-1',
  '0',
  '1',
  'web-0',
  'demo.Greeter',
  'SayHello',
  '{',
  '{"name":',
  '[]',
  'null',
  '['.repeat(5000),
  '{"__proto__":{"polluted":true}}',
];

const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
);

const INT32 = [-2147483648, -1000, -1, 0, 1, 2, 3, 4, 1000, 1001, 2147483647];
const INT64 = [-(2n ** 63n), -1n, 0n, 1n, 2n ** 53n + 1n, 2n ** 63n - 1n];

function scalarValue(type: ScalarType): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.STRING:
      return hostileString;
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 64 });
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, -1, 1e308, 5e-324);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return fc.oneof(fc.constantFrom(...INT64), fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n));
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return fc.oneof(fc.constantFrom(0n, 1n, 2n ** 64n - 1n), fc.bigInt(0n, 2n ** 64n - 1n));
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.oneof(fc.constantFrom(0, 1, 4294967295), fc.nat({ max: 4294967295 }));
    default: // int32, sint32, sfixed32
      return fc.oneof(fc.constantFrom(...INT32), fc.integer());
  }
}

function fieldValue(field: DescField, depth: number): fc.Arbitrary<unknown> | undefined {
  switch (field.fieldKind) {
    case 'scalar':
      return scalarValue(field.scalar);
    case 'enum':
      return fc.integer({ min: -5, max: 100 });
    case 'message':
      return depth < 2 ? hostileInit(field.message, depth + 1) : undefined;
    case 'list':
      if (field.listKind === 'scalar') return fc.array(scalarValue(field.scalar), { maxLength: 6 });
      if (field.listKind === 'enum') return fc.array(fc.integer({ min: -5, max: 100 }));
      return depth < 2
        ? fc.array(hostileInit(field.message, depth + 1), { maxLength: 2 })
        : undefined;
    case 'map':
      return field.mapKey === ScalarType.STRING && field.mapKind === 'scalar'
        ? fc.dictionary(hostileString, scalarValue(field.scalar), { maxKeys: 3 })
        : undefined;
  }
}

/** An init object for `create(desc, ...)` with hostile values in any subset of the fields. */
function hostileInit(desc: DescMessage, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of desc.fields) {
    // Oneof members live under the oneof's name; no request message has one today.
    if (field.oneof) continue;
    const value = fieldValue(field, depth);
    if (value) model[field.localName] = value;
  }
  return fc.record(model, { requiredKeys: [] });
}

function encode(desc: DescMessage, init: Record<string, unknown>): Uint8Array {
  return toBinary(desc, create(desc, init as MessageInitShape<DescMessage>));
}

const hostileMessage = (desc: DescMessage) => hostileInit(desc).map((init) => encode(desc, init));

/** Bytes a protobuf parser must refuse or survive (tag, length and varint tricks). */
const BROKEN_PROTOBUF: readonly number[][] = [
  [0x0f], // field 1, wire type 7 (none such)
  [0x0e], // wire type 6
  [0x00], // field number 0
  [0x0c], // end group without a start
  [0x0b], // start group never ended
  new Array<number>(300).fill(0x7b), // 300 nested groups of an unknown field: recursion limit
  [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f], // a 4 GiB length-delimited field
  [0x0a, 0x05, 0x61], // length past the end
  [0x08, ...new Array<number>(11).fill(0xff)], // a varint longer than 10 bytes
  [0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02], // varint above 64 bits
  [0x0d, 0x00], // fixed32 cut short
  [0x09, 0x00, 0x00], // fixed64 cut short
  [0x0a, 0x02, 0xc3, 0x28], // invalid UTF-8 in field 1
  [0x12, 0x01, 0x80], // invalid UTF-8 in field 2
  [0x08, 0x01], // field 1 as a varint (a string field in most requests)
  [0x0a, 0x01], // field 1 as a string where an integer or bool is declared
  [0xf8, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00], // a field number above 2^29
];

function brokenProtobuf(desc: DescMessage): fc.Arbitrary<Uint8Array> {
  const truncated = hostileMessage(desc).chain((bytes) =>
    bytes.length < 2
      ? fc.constant(Uint8Array.of(0x0a, 0x05))
      : fc.integer({ min: 1, max: bytes.length - 1 }).map((cut) => bytes.slice(0, cut)),
  );
  return fc.oneof(
    fc.constantFrom(...BROKEN_PROTOBUF).map((bytes) => Uint8Array.from(bytes)),
    truncated,
  );
}

const anyPayload = (desc: DescMessage) =>
  fc.oneof(fc.uint8Array({ maxLength: 256 }), brokenProtobuf(desc), hostileMessage(desc));

const MALFORMED_JSON = [
  '',
  '{',
  '{"processName":',
  '[]',
  'null',
  '"web"',
  '1e999',
  '{"processName": 1e999}',
  '{"targetInstances": 1e999}',
  '{"targetInstances": "12abc"}',
  '{"targetInstances": 2147483648}',
  '{"instances": [1, "x", null]}',
  '{"all": "yes"}',
  '{"processName": ["web"]}',
  '{"processName": {"$ref": "../outside"}}',
  '{"__proto__": {"polluted": true}}',
  '{"constructor": {"prototype": {"polluted": true}}}',
  '{"processName": "\\ud800"}',
  '{"targetInstances": "\\ud800"}',
  '{"process": "a\\udfffb"}',
  `{"targetInstances": "${'z'.repeat(100_000)}"}`,
  `{"process": "${'z'.repeat(100_000)}"}`,
  `{"processName": "${'z'.repeat(100_000)}"}`,
  '{"processName": "web\\u0000"}',
  `{"processName": "${'['.repeat(10)}"}`,
  '['.repeat(10_000),
  '\u0000\u0001\u0002',
];

/** JSON bodies for a method: malformed, arbitrary, or its own fields with hostile values. */
function jsonBody(desc: DescMessage): fc.Arbitrary<string> {
  const names = desc.fields.flatMap((field) => [field.jsonName, field.name]);
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    hostileString,
    fc.constantFrom(-1, 0, 2 ** 31, -(2 ** 63), 1e300, '3', '-1', true, null, [], {}),
  );
  const own = names.length
    ? fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 4 }).map((o) => JSON.stringify(o))
    : fc.constant('{}');
  return fc.oneof(
    fc.constantFrom(...MALFORMED_JSON),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.string({ unit: 'binary', maxLength: 100 }),
    own,
  );
}

/** A valid request naming a process that does not exist: every RPC answers it and ends. */
function harmlessRequest(desc: DescMessage): Uint8Array {
  const init: Record<string, unknown> = {};
  for (const field of desc.fields)
    if (field.fieldKind === 'scalar' && field.scalar === ScalarType.STRING)
      init[field.localName] = 'nope';
  return encode(desc, init);
}

// ---------------------------------------------------------------------------------------------
// The daemon under test: a real supervisor on the fake driver, both ports, a sandbox on disk

let root: string;
let sandbox: string;
let supervisor: Supervisor;
let native: RunningGrpcServer;
let http: RunningServer;
let base: string;
let client: grpc.Client;
const internalErrors: unknown[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gowinproc-rpc-fuzz-'));
  sandbox = join(root, 'a', 'b', 'sandbox');
  // Sentinels at every depth a `../` chain from the data directory can reach.
  for (const dir of [root, join(root, 'a'), join(root, 'a', 'b'), sandbox]) {
    mkdirSync(join(dir, 'outside'), { recursive: true });
    writeFileSync(join(dir, 'outside', 'sentinel.txt'), 'do not touch\n');
  }
  const config = configFromYaml(
    sandbox,
    `processes:
  - name: web
    binary_path: /bin/web
    max_instances: 3
  - name: other
    binary_path: /bin/other
    instances: 0
`,
  );
  supervisor = new Supervisor({
    config,
    driver: new FakeProcessDriver(),
    probe: new FakeProbe().probe,
    ports: new PortAllocator(() => Promise.resolve(true)),
    platform: 'linux',
    daemonEnv: {},
  });
  await supervisor.start();
  const app = createApp({
    supervisor,
    clock: systemClock,
    startedAt: Date.now(),
    version: 'fuzz',
    control: { reload: () => supervisor.reload(config), shutdown: () => undefined },
  });
  const rpc = {
    app,
    config: () => supervisor.currentConfig(),
    auth: new AuthPolicy(config.server),
    onInternalError: (error: unknown) => internalErrors.push(error),
  };
  native = await startGrpcServer({ ...rpc, host: '127.0.0.1', port: 0, closeGraceMs: 200 });
  const browser = { origins: [], loopbackOnly: true };
  http = await listen(buildRestApi({ app, auth: rpc.auth, browser }), {
    host: '127.0.0.1',
    port: 0,
    requestTimeoutMs: 10_000,
    mount: rpcHttpMount({ ...rpc, browser }),
  });
  base = `http://127.0.0.1:${http.port}`;
  client = new grpc.Client(`127.0.0.1:${native.port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await native?.close();
  await http?.close();
  await supervisor?.shutdown();
  rmSync(root, { recursive: true, force: true });
});

/** Every file and directory under the temp root except the daemon's own data and log dirs. */
function snapshot(): Map<string, string> {
  const skip = new Set([join(sandbox, 'data'), join(sandbox, 'logs')]);
  const entries = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (skip.has(path)) continue;
      const stat = lstatSync(path);
      if (entry.isDirectory()) {
        entries.set(relative(root, path), 'dir');
        walk(path);
      } else {
        const hash = entry.isFile()
          ? createHash('sha256').update(readFileSync(path)).digest('hex')
          : 'special';
        entries.set(relative(root, path), `${stat.size} ${stat.mtimeMs} ${hash}`);
      }
    }
  };
  walk(root);
  return entries;
}

// ---------------------------------------------------------------------------------------------
// Native gRPC: grpc-js with identity serializers, and raw HTTP/2

interface Outcome {
  code: grpc.status;
  details: string;
  /** We cancelled the call (a stream that sent a message or kept waiting). */
  cancelledByUs: boolean;
}

const identity = (bytes: Buffer) => bytes;

function callNative(method: DescMethod, bytes: Uint8Array): Promise<Outcome> {
  const path = pathOf(method);
  const message = Buffer.from(bytes);
  return new Promise((resolve) => {
    if (!isStream(method)) {
      client.makeUnaryRequest(
        path,
        identity,
        identity,
        message,
        new grpc.Metadata(),
        { deadline: Date.now() + UNARY_DEADLINE_MS },
        (error) =>
          resolve({
            code: error ? error.code : grpc.status.OK,
            details: error?.details ?? '',
            cancelledByUs: false,
          }),
      );
      return;
    }
    let cancelledByUs = false;
    const call = client.makeServerStreamRequest(
      path,
      identity,
      identity,
      message,
      new grpc.Metadata(),
      {},
    );
    const cancel = () => {
      cancelledByUs = true;
      call.cancel();
    };
    const timer = setTimeout(cancel, STREAM_PATIENCE_MS);
    call.on('data', cancel);
    call.on('error', () => undefined); // the status event says it all
    call.on('status', (status: grpc.StatusObject) => {
      clearTimeout(timer);
      resolve({ code: status.code, details: status.details, cancelledByUs });
    });
  });
}

const FORBIDDEN_CODES = new Set([grpc.status.INTERNAL, grpc.status.UNKNOWN, grpc.status.DATA_LOSS]);

/** Why an outcome is wrong, or undefined when it is fine. */
function problemWith(method: DescMethod, outcome: Outcome): string | undefined {
  const name = grpc.status[outcome.code];
  if (FORBIDDEN_CODES.has(outcome.code)) return `${name}: ${outcome.details}`;
  const endedByUs =
    outcome.cancelledByUs &&
    isStream(method) &&
    (outcome.code === grpc.status.CANCELLED || outcome.code === grpc.status.OK);
  if (outcome.code === grpc.status.CANCELLED && !endedByUs) return `${name} by the server`;
  if (outcome.code === grpc.status.DEADLINE_EXCEEDED) return `${name}: the call hung`;
  return undefined;
}

/** fc.assert, with a failure message that does not print megabytes of counterexample. */
async function assertProperty<T>(property: fc.IAsyncProperty<T>, numRuns: number): Promise<void> {
  const run = await fc.check(property, { numRuns });
  if (!run.failed) return;
  const cause = run.errorInstance instanceof Error ? run.errorInstance.message : 'no error';
  throw new Error(`property failed (seed ${run.seed}, path ${run.counterexamplePath}): ${cause}`);
}

const describeBytes = (bytes: Uint8Array) =>
  `${bytes.length} bytes ${Buffer.from(bytes.slice(0, 24)).toString('hex')}`;

async function expectServing(): Promise<void> {
  const outcome = await new Promise<{ error: grpc.ServiceError | null; value?: Buffer }>(
    (resolve) =>
      client.makeUnaryRequest(
        pathOf(ProcessManager.method.listProcesses),
        identity,
        identity,
        Buffer.alloc(0),
        new grpc.Metadata(),
        { deadline: Date.now() + 5000 },
        (error, value) => resolve(value ? { error, value } : { error }),
      ),
  );
  expect(outcome.error).toBeNull();
  const list = fromBinary(ListProcessesResponseSchema, outcome.value!);
  expect(list.processNames).toEqual(['other', 'web']);
}

interface RawAnswer {
  httpStatus: number | undefined;
  grpcStatus: string | undefined;
  grpcMessage: string | undefined;
  cancelledByUs: boolean;
}

/** One gRPC request over a fresh HTTP/2 session, framing and headers entirely ours. */
async function rawGrpc(
  path: string,
  body: Uint8Array,
  headers: Record<string, string> = {},
  patience = UNARY_DEADLINE_MS,
): Promise<RawAnswer> {
  const session = connectHttp2(`http://127.0.0.1:${native.port}`);
  session.on('error', () => undefined);
  const answer: RawAnswer = {
    httpStatus: undefined,
    grpcStatus: undefined,
    grpcMessage: undefined,
    cancelledByUs: false,
  };
  try {
    await new Promise<void>((resolve) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        ...headers,
      });
      const status = (fields: Record<string, unknown>) => {
        if (fields['grpc-status'] !== undefined) answer.grpcStatus = String(fields['grpc-status']);
        if (fields['grpc-message'] !== undefined)
          answer.grpcMessage = decodeURIComponent(String(fields['grpc-message']));
      };
      const timer = setTimeout(() => {
        answer.cancelledByUs = true;
        stream.close(http2Constants.NGHTTP2_CANCEL);
      }, patience);
      stream.on('response', (fields) => {
        answer.httpStatus = Number(fields[':status']);
        status(fields);
      });
      stream.on('trailers', status);
      stream.on('data', () => undefined);
      stream.on('error', () => undefined);
      stream.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
      stream.end(Buffer.from(body));
    });
  } finally {
    session.close();
  }
  return answer;
}

function envelope(flags: number, data: Uint8Array, declaredLength = data.length): Uint8Array {
  const out = new Uint8Array(5 + data.length);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, declaredLength);
  out.set(data, 5);
  return out;
}

const concat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));

describe('the native gRPC port under hostile messages', () => {
  it('answers random bytes, broken protobuf and hostile values with a status, never INTERNAL or UNKNOWN', async () => {
    const before = snapshot();
    expect(METHODS.length).toBeGreaterThanOrEqual(17);
    for (const method of METHODS) {
      await assertProperty(
        fc.asyncProperty(
          // A batch at once: streams wait out their patience concurrently.
          fc.array(anyPayload(method.input), { minLength: 1, maxLength: 8 }),
          async (batch) => {
            const outcomes = await Promise.all(batch.map((bytes) => callNative(method, bytes)));
            const problems = outcomes.flatMap((outcome, i) => {
              const problem = problemWith(method, outcome);
              return problem ? [`${describeBytes(batch[i]!)}: ${problem}`] : [];
            });
            expect(problems, pathOf(method)).toEqual([]);
          },
        ),
        12,
      );
    }
    await expectServing();
    expect(internalErrors).toEqual([]);
    expect(snapshot()).toEqual(before);
  });

  it('answers hostile JSON (application/grpc+json) with a status and a bounded message', async () => {
    for (const method of METHODS) {
      await assertProperty(
        fc.asyncProperty(
          fc.array(jsonBody(method.input), { minLength: 1, maxLength: 6 }),
          async (batch) => {
            const answers = await Promise.all(
              batch.map((text) =>
                rawGrpc(
                  pathOf(method),
                  envelope(0, Buffer.from(text)),
                  {
                    'content-type': 'application/grpc+json',
                  },
                  isStream(method) ? STREAM_PATIENCE_MS : UNARY_DEADLINE_MS,
                ),
              ),
            );
            const problems = answers.flatMap((answer, i) => {
              const what = `${batch[i]!.slice(0, 80)}: ${answer.grpcStatus} ${(answer.grpcMessage ?? '').slice(0, 120)}`;
              if (answer.cancelledByUs) return isStream(method) ? [] : [`${what}: no status`];
              if (answer.grpcStatus === undefined) return [`${what}: no status`];
              if (FORBIDDEN_CODES.has(Number(answer.grpcStatus))) return [what];
              if ((answer.grpcMessage ?? '').length > MAX_MESSAGE_CHARS + 20)
                return [`${what}: message of ${answer.grpcMessage!.length} chars`];
              return [];
            });
            expect(problems, pathOf(method)).toEqual([]);
          },
        ),
        8,
      );
    }
    await expectServing();
    expect(internalErrors).toEqual([]);
  });

  it('refuses a message above the 1 MiB limit with RESOURCE_EXHAUSTED on every RPC', async () => {
    const huge = new Uint8Array(RPC_READ_MAX_BYTES + 512 * 1024).fill(0x61);
    huge.set([0x0a, 0x80, 0x80, 0x60], 0); // field 1, 1.5 MiB long (the rest of the message)
    for (const method of METHODS) {
      const outcome = await callNative(method, huge);
      expect(grpc.status[outcome.code], pathOf(method)).toBe('RESOURCE_EXHAUSTED');
    }
    await expectServing();
  });

  it('answers broken gRPC framing and headers with a status, never INTERNAL or UNKNOWN', async () => {
    const before = snapshot();
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024));
    for (const method of METHODS) {
      const valid = harmlessRequest(method.input);
      const cases: Array<[string, Uint8Array, Record<string, string>?, string?]> = [
        ['compressed flag without grpc-encoding', envelope(1, valid)],
        ['gzip flag on bytes that are not gzip', envelope(1, valid), { 'grpc-encoding': 'gzip' }],
        ['a gzip bomb', envelope(1, bomb), { 'grpc-encoding': 'gzip' }, 'RESOURCE_EXHAUSTED'],
        ['an unknown grpc-encoding', envelope(1, valid), { 'grpc-encoding': 'zstd-nope' }],
        ['a length prefix past the body', envelope(0, valid, valid.length + 100)],
        ['a 4 GiB length prefix', envelope(0, valid, 0xffffffff), {}, 'RESOURCE_EXHAUSTED'],
        ['half an envelope header', Uint8Array.of(0, 0, 0)],
        ['no message at all', new Uint8Array(0)],
        ['two messages', concat(envelope(0, valid), envelope(0, valid))],
        ['a trailer flag on the request', envelope(0x80, valid)],
        ['unknown flag bits', envelope(0x7e, valid)],
        ['a grpc-timeout that is not one', envelope(0, valid), { 'grpc-timeout': 'soon' }],
        ['an absurd grpc-timeout', envelope(0, valid), { 'grpc-timeout': '99999999H' }],
        ['a zero grpc-timeout', envelope(0, valid), { 'grpc-timeout': '0n' }],
        [
          'grpc-web content on the native port',
          envelope(0, valid),
          {
            'content-type': 'application/grpc-web+proto',
          },
        ],
        [
          'grpc+json with a protobuf body',
          envelope(0, valid),
          {
            'content-type': 'application/grpc+json',
          },
        ],
        [
          'grpc+json with hostile JSON',
          envelope(0, Buffer.from('{"processName": 1e999')),
          {
            'content-type': 'application/grpc+json',
          },
        ],
      ];
      for (const [what, body, headers, expected] of cases) {
        const answer = await rawGrpc(pathOf(method), body, headers);
        const label = `${pathOf(method)}: ${what}`;
        expect(answer.cancelledByUs, `${label}: no status within ${UNARY_DEADLINE_MS} ms`).toBe(
          false,
        );
        if (answer.grpcStatus === undefined) {
          // Refused at the HTTP level (415 for a content type that is not gRPC).
          expect(answer.httpStatus, label).toBeGreaterThanOrEqual(400);
          expect(answer.httpStatus, label).toBeLessThan(500);
          continue;
        }
        const name = grpc.status[Number(answer.grpcStatus)];
        expect(
          FORBIDDEN_CODES.has(Number(answer.grpcStatus)),
          `${label}: ${name} ${answer.grpcMessage}`,
        ).toBe(false);
        if (expected) expect(name, label).toBe(expected);
      }
    }
    await expectServing();
    expect(internalErrors).toEqual([]);
    expect(snapshot()).toEqual(before);
  });

  it('treats a deadline beyond Node timers as none, without a TimeoutOverflowWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const getProcess = ProcessManager.method.getProcess;
      const answer = await rawGrpc(
        pathOf(getProcess),
        envelope(0, harmlessRequest(getProcess.input)),
        { 'grpc-timeout': '99999999H' },
      );
      expect(grpc.status[Number(answer.grpcStatus)]).toBe('NOT_FOUND');
      const listed = await fetch(`${base}${pathOf(ProcessManager.method.listProcesses)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'connect-timeout-ms': '9999999999' },
        body: '{}',
      });
      expect(listed.status).toBe(200);
      await listed.body?.cancel();
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('refuses an :authority that is not a host with INVALID_ARGUMENT, and keeps serving', async () => {
    // connect-node makes a URL of it outside any handler: `[` used to be an uncaught TypeError.
    const getProcess = ProcessManager.method.getProcess;
    const request = envelope(0, harmlessRequest(getProcess.input));
    const answer = await rawGrpc(pathOf(getProcess), request, { ':authority': '[' });
    expect(grpc.status[Number(answer.grpcStatus)]).toBe('INVALID_ARGUMENT');
    for (const authority of ['[::1', 'a b', '%', 'x]:1', '']) {
      const other = await rawGrpc(pathOf(getProcess), request, { ':authority': authority });
      // Some never reach the daemon: nghttp2 resets the stream for a malformed header.
      if (other.grpcStatus === undefined && other.httpStatus === undefined) continue;
      expect(
        FORBIDDEN_CODES.has(Number(other.grpcStatus)),
        `${authority}: ${other.grpcMessage}`,
      ).toBe(false);
    }
    await expectServing();
  });
});

// ---------------------------------------------------------------------------------------------
// The HTTP port: Connect (JSON and proto) and gRPC-Web

const CONNECT_FORBIDDEN = new Set(['internal', 'unknown', 'data_loss']);

interface HttpAnswer {
  status: number;
  /** Connect error code (unary body or end-of-stream message), or gRPC-Web grpc-status. */
  code: string | undefined;
  message: string;
  cancelledByUs: boolean;
}

async function post(
  method: DescMethod,
  contentType: string,
  body: Uint8Array | string,
  headers: Record<string, string> = {},
  patience = isStream(method) ? STREAM_PATIENCE_MS : UNARY_DEADLINE_MS,
): Promise<HttpAnswer> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), patience);
  const answer: HttpAnswer = { status: 0, code: undefined, message: '', cancelledByUs: false };
  try {
    const response = await fetch(`${base}${pathOf(method)}`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...headers },
      body,
      signal: abort.signal,
    });
    answer.status = response.status;
    const grpcStatus = response.headers.get('grpc-status');
    if (grpcStatus !== null) answer.code = grpcStatus;
    const enveloped = /^application\/(connect\+|grpc-web)/.test(
      response.headers.get('content-type') ?? '',
    );
    if (!enveloped) {
      const text = await response.text();
      if (response.status >= 400 && text !== '') {
        const parsed = JSON.parse(text) as { code?: string; message?: string };
        answer.code = parsed.code;
        answer.message = parsed.message ?? '';
      }
      return answer;
    }
    // Read envelopes until the end-of-stream one; a data envelope on a stream is enough.
    const reader = response.body!.getReader();
    let buffer = new Uint8Array(0);
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      buffer = concat(buffer, chunk.value);
      let ended = false;
      while (buffer.length >= 5) {
        const length = new DataView(buffer.buffer, buffer.byteOffset).getUint32(1);
        if (buffer.length < 5 + length) break;
        const flags = buffer[0]!;
        const data = Buffer.from(buffer.slice(5, 5 + length)).toString('utf8');
        buffer = buffer.slice(5 + length);
        if (flags & 0x80) {
          // gRPC-Web trailers: "grpc-status: 5\r\ngrpc-message: ..."
          answer.code = /grpc-status:\s*(\d+)/i.exec(data)?.[1] ?? answer.code;
          answer.message = decodeURIComponent(/grpc-message:\s*(.*)/i.exec(data)?.[1] ?? '');
          ended = true;
        } else if (flags & 0x02) {
          const end = JSON.parse(data) as { error?: { code?: string; message?: string } };
          answer.code = end.error?.code ?? 'ok';
          answer.message = end.error?.message ?? '';
          ended = true;
        } else if (isStream(method)) {
          abort.abort();
          answer.cancelledByUs = true;
          ended = true;
        }
      }
      if (ended) break;
    }
    await reader.cancel().catch(() => undefined);
  } catch (error) {
    if (!abort.signal.aborted) throw error;
    answer.cancelledByUs = true;
  } finally {
    clearTimeout(timer);
  }
  return answer;
}

/** Sends `request` as it is over a fresh TCP connection; everything the server answered. */
function rawHttp1(request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection(http.port, '127.0.0.1', () => socket.end(request));
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(reply));
  });
}

function httpProblem(method: DescMethod, answer: HttpAnswer): string | undefined {
  const what = `HTTP ${answer.status} ${answer.code ?? ''} ${answer.message.slice(0, 120)}`;
  if (answer.cancelledByUs) return isStream(method) ? undefined : `${what}: the call hung`;
  if (answer.status === 500 || answer.status === 0) return what;
  if (answer.code === undefined) return undefined;
  if (CONNECT_FORBIDDEN.has(answer.code)) return what;
  // gRPC-Web statuses are numbers.
  if (/^\d+$/.test(answer.code) && FORBIDDEN_CODES.has(Number(answer.code))) return what;
  return undefined;
}

describe('the HTTP port (Connect and gRPC-Web) under hostile bodies', () => {
  it('answers hostile JSON and protobuf with a 4xx-style code, never internal, unknown or a 500', async () => {
    const before = snapshot();
    for (const method of METHODS) {
      const stream = isStream(method);
      // Connect unary takes the bare message; Connect streams and gRPC-Web take envelopes.
      const connectJson = stream ? 'application/connect+json' : 'application/json';
      const connectProto = stream ? 'application/connect+proto' : 'application/proto';
      const frame = (bytes: Uint8Array) => (stream ? envelope(0, bytes) : bytes);
      const request = fc.oneof(
        jsonBody(method.input).map(
          (text) => [connectJson, frame(Buffer.from(text)), `json ${text.slice(0, 80)}`] as const,
        ),
        anyPayload(method.input).map(
          (bytes) => [connectProto, frame(bytes), `proto ${describeBytes(bytes)}`] as const,
        ),
        jsonBody(method.input).map(
          (text) =>
            [
              'application/grpc-web+json',
              envelope(0, Buffer.from(text)),
              `grpc-web json ${text.slice(0, 80)}`,
            ] as const,
        ),
        anyPayload(method.input).map(
          (bytes) =>
            [
              'application/grpc-web+proto',
              envelope(0, bytes),
              `grpc-web ${describeBytes(bytes)}`,
            ] as const,
        ),
      );
      await assertProperty(
        fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 8 }), async (batch) => {
          const answers = await Promise.all(batch.map(([type, body]) => post(method, type, body)));
          const problems = answers.flatMap((answer, i) => {
            const problem = httpProblem(method, answer);
            return problem ? [`${batch[i]![2]}: ${problem}`] : [];
          });
          expect(problems, pathOf(method)).toEqual([]);
        }),
        12,
      );
    }
    const listed = await fetch(`${base}${pathOf(ProcessManager.method.listProcesses)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(listed.status).toBe(200);
    expect(internalErrors).toEqual([]);
    expect(snapshot()).toEqual(before);
  });

  it('refuses bodies above the 1 MiB limit with resource_exhausted, and serves the next request on the connection', async () => {
    const huge = Buffer.from(
      JSON.stringify({ processName: 'x'.repeat(RPC_READ_MAX_BYTES + 1024) }),
    );
    for (const method of METHODS) {
      const bodies: Array<[string, Uint8Array]> = [
        isStream(method)
          ? ['application/connect+json', envelope(0, huge)]
          : ['application/json', huge],
        ['application/grpc-web+json', envelope(0, huge)],
      ];
      for (const [type, body] of bodies) {
        const label = `${pathOf(method)} ${type}`;
        // The refusal comes while the upload is still arriving, streams included.
        const answer = await post(method, type, body, {}, UNARY_DEADLINE_MS);
        expect(answer.code, `${label} HTTP ${answer.status}`).toMatch(/^(resource_exhausted|8)$/);
        expect(answer.status, label).not.toBe(500);
        // fetch keeps the connection: the unread rest of the body must not block it.
        const started = Date.now();
        const next = await post(ProcessManager.method.listProcesses, 'application/json', '{}');
        expect(next.status, `after ${label}`).toBe(200);
        expect(Date.now() - started, `after ${label}`).toBeLessThan(2000);
      }
    }
    await expectServing();
  });

  it('refuses an HTTP/1 request without a usable Host with 400, and keeps serving', async () => {
    // connect-node makes a URL of the Host outside any handler: none used to be an uncaught throw.
    const path = pathOf(ProcessManager.method.listProcesses);
    for (const head of [`POST ${path} HTTP/1.0\r\n`, `POST ${path} HTTP/1.1\r\nHost: [\r\n`]) {
      const reply = await rawHttp1(
        `${head}content-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}`,
      );
      expect(reply, head).toMatch(/^HTTP\/1\.[01] 400 /);
    }
    const listed = await post(ProcessManager.method.listProcesses, 'application/json', '{}');
    expect(listed.status).toBe(200);
  });

  it('answers unknown RPC paths under the service prefixes with 404', async () => {
    for (const path of [
      '/proto.ProcessManager/Nope',
      '/proto.ProcessManager/%2e%2e%2fListProcesses',
      '/proto.ProcessManager/ListProcesses%00',
      '/tunnel.TunnelService/',
    ]) {
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.status, path).toBe(404);
      await response.body?.cancel();
    }
  });
});
