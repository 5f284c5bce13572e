/**
 * Every RPC of ProcessManager and TunnelService (taken from the generated service descriptors, so
 * a new RPC is covered the day it appears in the proto) against every kind of caller, over real
 * sockets on both ports: the native gRPC port and Connect on the HTTP port. No credential, a wrong
 * key, a forged or an expired JWT: UNAUTHENTICATED. A role below rpcRequirement(method):
 * PERMISSION_DENIED. A role that is allowed: neither (the RPC itself may still refuse: NOT_FOUND
 * for the unknown process every request names, UNIMPLEMENTED for the update RPCs). Health and
 * reflection are public: the same answer for every caller, with or without a credential.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  create,
  ScalarType,
  type DescMessage,
  type DescMethod,
  type DescMethodServerStreaming,
  type DescMethodUnary,
} from '@bufbuild/protobuf';
import { Code, ConnectError, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { createAsyncIterable } from '@connectrpc/connect/protocol';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromYaml } from '../../../test/helpers/config.js';
import { createApp } from '../../app/index.js';
import { FakeProcessDriver, PortAllocator, Supervisor } from '../../core/index.js';
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from '../../gen/grpc/health/v1/health_pb.js';
import { ServerReflection } from '../../gen/grpc/reflection/v1/reflection_pb.js';
import { ProcessManager } from '../../gen/proto/process_manager_pb.js';
import { TunnelService } from '../../gen/tunnel/tunnel_pb.js';
import { systemClock } from '../../shared/index.js';
import { AuthPolicy, roleAllows, type Role } from '../auth/index.js';
import { buildRestApi, listen, type RunningServer } from '../rest/index.js';
import { rpcHttpMount } from './http-handler.js';
import { rpcRequirement } from './rpc-roles.js';
import { startGrpcServer, type RunningGrpcServer } from './server.js';

const METHODS: readonly DescMethod[] = [...ProcessManager.methods, ...TunnelService.methods];
const pathOf = (method: DescMethod) => `/${method.parent.typeName}/${method.name}`;

const KEYS: Record<Role, string> = {
  viewer: 'rpc-matrix-viewer-key-0123456',
  operator: 'rpc-matrix-operator-key-01234',
  admin: 'rpc-matrix-admin-key-012345678',
};
const JWT_SECRET = 'rpc-matrix-jwt-secret-0123456789abcdef';

async function jwt(
  role: Role,
  { secret = JWT_SECRET, expiredAgoS }: { secret?: string; expiredAgoS?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(`rpc-matrix-${role}`)
    .setIssuedAt(expiredAgoS === undefined ? now : now - expiredAgoS - 600)
    .setExpirationTime(expiredAgoS === undefined ? now + 600 : now - expiredAgoS)
    .sign(new TextEncoder().encode(secret));
}

interface Caller {
  name: string;
  headers: Record<string, string>;
  /** undefined: not authenticated. */
  role: Role | undefined;
}

async function callers(): Promise<Caller[]> {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  return [
    { name: 'no credential', headers: {}, role: undefined },
    { name: 'wrong key', headers: bearer('rpc-matrix-wrong-key-01234567'), role: undefined },
    {
      name: 'wrong X-API-Key',
      headers: { 'x-api-key': 'rpc-matrix-wrong-key-0123' },
      role: undefined,
    },
    {
      name: 'forged JWT',
      headers: bearer(await jwt('admin', { secret: 'not-the-secret-0123456789abcdef' })),
      role: undefined,
    },
    {
      name: 'expired JWT',
      headers: bearer(await jwt('admin', { expiredAgoS: 3600 })),
      role: undefined,
    },
    { name: 'viewer key', headers: bearer(KEYS.viewer), role: 'viewer' },
    { name: 'operator key (X-API-Key)', headers: { 'x-api-key': KEYS.operator }, role: 'operator' },
    { name: 'admin key', headers: bearer(KEYS.admin), role: 'admin' },
    { name: 'viewer JWT', headers: bearer(await jwt('viewer')), role: 'viewer' },
    { name: 'operator JWT', headers: bearer(await jwt('operator')), role: 'operator' },
    { name: 'admin JWT', headers: bearer(await jwt('admin')), role: 'admin' },
  ];
}

/** Every string field "nope": each RPC names a process that does not exist and changes nothing. */
function harmlessRequest(desc: DescMessage) {
  const init: Record<string, string> = {};
  for (const field of desc.fields)
    if (field.fieldKind === 'scalar' && field.scalar === ScalarType.STRING)
      init[field.localName] = 'nope';
  return create(desc, init);
}

/** Calls any unary or server-streaming RPC; its status code ('ok' when it succeeded). */
async function codeOf(
  transport: Transport,
  method: DescMethod,
  headers: Record<string, string>,
): Promise<Code | 'ok'> {
  const abort = new AbortController();
  const input = harmlessRequest(method.input);
  try {
    if (method.methodKind === 'unary') {
      await transport.unary(method as DescMethodUnary, abort.signal, 5000, headers, input);
    } else if (method.methodKind === 'server_streaming') {
      const response = await transport.stream(
        method as DescMethodServerStreaming,
        abort.signal,
        5000,
        headers,
        createAsyncIterable([input]),
      );
      for await (const _ of response.message) break;
    } else {
      throw new Error(`${pathOf(method)}: the matrix has no call for ${method.methodKind} RPCs`);
    }
    return 'ok';
  } catch (error) {
    return ConnectError.from(error).code;
  } finally {
    abort.abort();
  }
}

let root: string;
let supervisor: Supervisor;
let native: RunningGrpcServer;
let http: RunningServer;
let transports: Record<'native gRPC' | 'Connect on the HTTP port', Transport>;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gowinproc-rpc-matrix-'));
  const config = configFromYaml(
    root,
    `server:
  auth:
    api_keys:
${(Object.keys(KEYS) as Role[]).map((role) => `      - { name: ${role}, key: ${KEYS[role]}, role: ${role} }`).join('\n')}
    jwt: { secret: ${JWT_SECRET} }
processes:
  - name: web
    binary_path: /bin/web
    instances: 0
    min_instances: 0
    max_instances: 2
`,
  );
  supervisor = new Supervisor({
    config,
    driver: new FakeProcessDriver(),
    ports: new PortAllocator(() => Promise.resolve(true)),
    platform: 'linux',
    daemonEnv: {},
  });
  await supervisor.start();
  const app = createApp({
    supervisor,
    clock: systemClock,
    startedAt: 0,
    version: 'matrix',
    control: {
      reload: () => supervisor.reload(config),
      shutdown: () => undefined, // a stub: the matrix must not stop anything
    },
  });
  const rpc = {
    app,
    config: () => supervisor.currentConfig(),
    // Every failed attempt comes from 127.0.0.1: the failure limit must not blur the matrix.
    auth: new AuthPolicy(config.server, undefined, { rateLimit: { maxFailures: 100_000 } }),
    onInternalError: (error: unknown) => {
      throw error;
    },
  };
  native = await startGrpcServer({ ...rpc, host: '127.0.0.1', port: 0, closeGraceMs: 200 });
  const browser = { origins: [], loopbackOnly: true };
  http = await listen(buildRestApi({ app, auth: rpc.auth, browser }), {
    host: '127.0.0.1',
    port: 0,
    requestTimeoutMs: 10_000,
    mount: rpcHttpMount({ ...rpc, browser }),
  });
  transports = {
    'native gRPC': createGrpcTransport({ baseUrl: `http://127.0.0.1:${native.port}` }),
    'Connect on the HTTP port': createConnectTransport({
      baseUrl: `http://127.0.0.1:${http.port}`,
      httpVersion: '1.1',
    }),
  };
});

afterAll(async () => {
  await native?.close();
  await http?.close();
  await supervisor?.shutdown();
  rmSync(root, { recursive: true, force: true });
});

describe('auth matrix: every RPC x every kind of caller, on both ports', () => {
  it('answers UNAUTHENTICATED, PERMISSION_DENIED or the RPC, as rpcRequirement and the caller say', async () => {
    const everyone = await callers();
    const problems: string[] = [];
    const verdicts = new Map<string, number>();
    for (const [port, transport] of Object.entries(transports)) {
      for (const method of METHODS) {
        const required = rpcRequirement(method);
        const label = `${port} ${pathOf(method)} (${required})`;
        for (const caller of everyone) {
          const code = await codeOf(transport, method, caller.headers);
          const got = code === 'ok' ? 'OK' : Code[code];
          const expected =
            required === 'public'
              ? 'allowed'
              : caller.role === undefined
                ? 'unauthenticated'
                : roleAllows(caller.role, required)
                  ? 'allowed'
                  : 'forbidden';
          const ok =
            expected === 'unauthenticated'
              ? code === Code.Unauthenticated
              : expected === 'forbidden'
                ? code === Code.PermissionDenied
                : code !== Code.Unauthenticated &&
                  code !== Code.PermissionDenied &&
                  code !== Code.ResourceExhausted; // the failure limit: not a verdict on the role
          verdicts.set(expected, (verdicts.get(expected) ?? 0) + 1);
          if (!ok) problems.push(`${label} as ${caller.name}: expected ${expected}, got ${got}`);
        }
      }
    }
    expect(problems).toEqual([]);
    // Every verdict was put to the test, on both ports.
    expect([...verdicts.keys()].sort()).toEqual(['allowed', 'forbidden', 'unauthenticated']);
  });

  it('covers every method of both services, with roles of each kind', () => {
    expect(METHODS).toHaveLength(ProcessManager.methods.length + TunnelService.methods.length);
    expect(METHODS.length).toBeGreaterThanOrEqual(17);
    expect(new Set(METHODS.map(rpcRequirement))).toEqual(new Set(['viewer', 'operator']));
  });

  it('leaves health and reflection open to every caller on the native port', async () => {
    const transport = transports['native gRPC'];
    for (const caller of await callers()) {
      const health = await transport.unary(Health.method.check, undefined, 5000, caller.headers, {
        service: '',
      });
      expect(health.message.status, caller.name).toBe(ServingStatus.SERVING);
      const reflection = await transport.stream(
        ServerReflection.method.serverReflectionInfo,
        undefined,
        5000,
        caller.headers,
        createAsyncIterable([{ messageRequest: { case: 'listServices' as const, value: '' } }]),
      );
      const services: string[] = [];
      for await (const answer of reflection.message) {
        if (answer.messageResponse.case === 'listServicesResponse')
          services.push(...answer.messageResponse.value.service.map((s) => s.name));
        break;
      }
      expect(services, caller.name).toContain(ProcessManager.typeName);
      expect(services, caller.name).toContain(TunnelService.typeName);
    }
  });
});
