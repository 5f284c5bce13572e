import { createHash } from 'node:crypto';
import {
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
  type Client,
} from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { configFromYaml } from '../../../test/helpers/config.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { Health } from '../../gen/grpc/health/v1/health_pb.js';
import { ServerReflection } from '../../gen/grpc/reflection/v1alpha/reflection_pb.js';
import { ProcessManager } from '../../gen/proto/process_manager_pb.js';
import { TunnelService } from '../../gen/tunnel/tunnel_pb.js';
import { AuthPolicy } from '../auth/index.js';
import type { BrowserGuard } from '../rest/router.js';
import { registerServices, rpcInterceptors } from './routes.js';
import { PROCESS_MANAGER_ROLES, rpcRequirement } from './rpc-roles.js';
import { fakeApp } from '../../../test/helpers/fake-app.js';

const viewerKey = 'viewer-key-0123456789';
const operatorKey = 'operator-key-0123456789';
const sha = (key: string) => createHash('sha256').update(key).digest('hex');

const KEYS = `
server:
  auth:
    api_keys:
      - { name: dash, key_sha256: ${sha(viewerKey)}, role: viewer }
      - { name: ops, key: ${operatorKey}, role: operator }
`;
const PROCESSES = `
processes:
  - name: web
    binary_path: /bin/web
    max_instances: 3
`;

async function setup(authYaml: string, browser?: BrowserGuard) {
  const config = configFromYaml(tempDir(), `${authYaml}\n${PROCESSES}`);
  const { app, supervisor } = await fakeApp(config);
  const rpc = {
    app,
    config: () => supervisor.currentConfig(),
    auth: new AuthPolicy(config.server, undefined, { rateLimit: { maxFailures: 1000 } }),
    onInternalError: () => undefined,
  };
  const transport = createRouterTransport((router) => registerServices(router, rpc), {
    router: { interceptors: rpcInterceptors({ ...rpc, ...(browser ? { browser } : {}) }) },
  });
  return { supervisor, client: createClient(ProcessManager, transport) };
}

type Method = keyof typeof PROCESS_MANAGER_ROLES;

/** Calls any ProcessManager RPC with a request naming an unknown process; the status code. */
async function codeOf(
  client: Client<typeof ProcessManager>,
  method: Method,
  headers: Record<string, string>,
): Promise<Code | 'ok'> {
  const request = { processName: 'nope', updateId: 'u1' };
  try {
    if (ProcessManager.method[method].methodKind === 'server_streaming') {
      const stream = (client[method] as unknown as typeof client.watchEvents)(request, { headers });
      for await (const _ of stream) break;
    } else {
      await (client[method] as unknown as typeof client.getProcess)(request, { headers });
    }
    return 'ok';
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

const METHODS = Object.keys(PROCESS_MANAGER_ROLES) as Method[];
const isRead = (method: Method) => /^(list|get|watch)/.test(method);

describe('RPC authorization (one AuthPolicy, a role per RPC)', () => {
  it('gives reads to viewers and actions to operators, in the role table', () => {
    for (const method of METHODS) {
      expect(PROCESS_MANAGER_ROLES[method], method).toBe(isRead(method) ? 'viewer' : 'operator');
    }
    expect(rpcRequirement(Health.method.check)).toBe('public');
    expect(rpcRequirement(ServerReflection.method.serverReflectionInfo)).toBe('public');
    expect(rpcRequirement(TunnelService.method.getRegistry)).toBe('viewer');
    expect(rpcRequirement(TunnelService.method.invokeMethod)).toBe('operator');
    const stranger = { ...Health.method.check, parent: { ...Health, typeName: 'x.Unknown' } };
    expect(rpcRequirement(stranger as typeof Health.method.check)).toBe('admin');
  });

  it('refuses every RPC without a credential or with a wrong one: UNAUTHENTICATED', async () => {
    const { client } = await setup(KEYS);
    for (const method of METHODS) {
      expect(await codeOf(client, method, {}), method).toBe(Code.Unauthenticated);
      expect(
        await codeOf(client, method, { authorization: 'Bearer not-a-key-at-all' }),
        method,
      ).toBe(Code.Unauthenticated);
    }
  });

  it('lets a viewer read and refuses its actions with PERMISSION_DENIED', async () => {
    const { client } = await setup(KEYS);
    for (const method of METHODS) {
      const code = await codeOf(client, method, { authorization: `Bearer ${viewerKey}` });
      if (isRead(method)) {
        expect([Code.Unauthenticated, Code.PermissionDenied], method).not.toContain(code);
      } else {
        expect(code, method).toBe(Code.PermissionDenied);
      }
    }
  });

  it('lets an operator act (X-API-Key works as well as Bearer)', async () => {
    const { client, supervisor } = await setup(KEYS);
    for (const method of METHODS) {
      const code = await codeOf(client, method, { 'x-api-key': operatorKey });
      expect([Code.Unauthenticated, Code.PermissionDenied], method).not.toContain(code);
    }
    const info = await client.startProcess(
      { processName: 'web' },
      { headers: { authorization: `Bearer ${operatorKey}` } },
    );
    expect(info.instanceCount).toBe(2);
    expect(supervisor.program('web').active()).toHaveLength(2);
  });

  it('allows everything without keys, except requests that came through the tunnel', async () => {
    const { client } = await setup('');
    expect((await client.listProcesses({})).processNames).toEqual(['web']);
    expect(await codeOf(client, 'startProcess', {})).not.toBe(Code.PermissionDenied);
    for (const header of ['cf-connecting-ip', 'cloudflare-cdn-loop']) {
      expect(await codeOf(client, 'listProcesses', { [header]: '203.0.113.9' }), header).toBe(
        Code.Unauthenticated,
      );
    }
  });

  it('applies the browser guard on the HTTP port: foreign origins and rebinding hosts', async () => {
    const guard = { origins: ['http://dash.example'], loopbackOnly: true };
    const { client } = await setup('', guard);
    const call = (headers: Record<string, string>) => codeOf(client, 'listProcesses', headers);
    expect(await call({ host: '127.0.0.1:8080' })).toBe('ok');
    expect(await call({ host: '127.0.0.1:8080', origin: 'http://dash.example' })).toBe('ok');
    expect(await call({ host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080' })).toBe('ok');
    expect(await call({ host: '127.0.0.1:8080', origin: 'https://evil.example' })).toBe(
      Code.PermissionDenied,
    );
    expect(await call({ host: 'evil.example:8080' })).toBe(Code.PermissionDenied);
  });
});
