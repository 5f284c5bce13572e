/**
 * Every REST route (taken from the route table, so new routes are covered the day they appear)
 * against every kind of caller: no credential, a wrong key, a forged JWT, each role's API key and
 * JWTs. Non-public routes answer 401 to the first three, 403 to a role that is too low, and
 * anything but 401/403 to a role that is allowed (the operation itself may still say 4xx). Public
 * routes answer the same to everyone. Webhooks (public, `signature`) want a signature, which no
 * caller here has: they answer the same to everyone too (401, or 404 while disabled), or, when
 * they take a credential instead (`signature.orRole`), behave like a route of that role.
 */
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromYaml } from '../../../test/helpers/config.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { createApp } from '../../app/index.js';
import { FakeProcessDriver, PortAllocator, Supervisor } from '../../core/index.js';
import { systemClock } from '../../shared/index.js';
import { AuthPolicy, roleAllows, type Role } from '../auth/index.js';
import { restRoutes } from './rest-api.js';
import { Router, type RestResponse } from './router.js';

const KEYS: Record<Role, string> = {
  viewer: 'matrix-viewer-key-0123456789',
  operator: 'matrix-operator-key-0123456',
  admin: 'matrix-admin-key-01234567890',
};
const JWT_SECRET = 'matrix-jwt-secret-0123456789abcdef';

const supervisors: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.shutdown()));
});

async function jwt(role: Role, secret = JWT_SECRET): Promise<string> {
  return new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(`matrix-${role}`)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(secret));
}

interface Caller {
  name: string;
  headers: Record<string, string>;
  /** undefined: not authenticated. */
  role: Role | undefined;
}

async function callers(): Promise<Caller[]> {
  return [
    { name: 'no credential', headers: {}, role: undefined },
    {
      name: 'wrong key',
      headers: { authorization: 'Bearer wrong-key-0123456789' },
      role: undefined,
    },
    {
      name: 'forged JWT',
      headers: { authorization: `Bearer ${await jwt('admin', 'not-the-secret-0123456789')}` },
      role: undefined,
    },
    { name: 'viewer key', headers: { authorization: `Bearer ${KEYS.viewer}` }, role: 'viewer' },
    { name: 'operator key', headers: { 'x-api-key': KEYS.operator }, role: 'operator' },
    { name: 'admin key', headers: { authorization: `Bearer ${KEYS.admin}` }, role: 'admin' },
    {
      name: 'viewer JWT',
      headers: { authorization: `Bearer ${await jwt('viewer')}` },
      role: 'viewer',
    },
    {
      name: 'operator JWT',
      headers: { authorization: `Bearer ${await jwt('operator')}` },
      role: 'operator',
    },
    {
      name: 'admin JWT',
      headers: { authorization: `Bearer ${await jwt('admin')}` },
      role: 'admin',
    },
  ];
}

async function setup() {
  const config = configFromYaml(
    tempDir(),
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
  const supervisor = new Supervisor({
    config,
    driver: new FakeProcessDriver(),
    ports: new PortAllocator(() => Promise.resolve(true)),
    platform: 'linux',
    daemonEnv: {},
  });
  supervisors.push(supervisor);
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
  const routes = restRoutes(app);
  const router = new Router(routes, new AuthPolicy(config.server), (error) => {
    throw error;
  });
  return { routes, router };
}

/** A concrete URL for a route path: `:name` is the configured process, other params a dummy. */
function concretePath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, (_, param: string) => (param === 'name' ? 'web' : 'x1'));
}

function errorCode(response: RestResponse): string | undefined {
  if (!('body' in response) || !response.headers['content-type']?.startsWith('application/json'))
    return undefined;
  return (JSON.parse(response.body) as { code?: string }).code;
}

async function settle(response: RestResponse, abort: AbortController): Promise<void> {
  if ('stream' in response) {
    abort.abort();
    await response.stream.events[Symbol.asyncIterator]().return?.();
  }
}

describe('auth matrix: every REST route x every kind of caller', () => {
  it('answers 401, 403 or the operation, as the route role and the caller say', async () => {
    const { routes, router } = await setup();
    const everyone = await callers();
    expect(routes.length).toBeGreaterThan(10);
    const problems: string[] = [];
    let client = 0;
    for (const spec of routes) {
      const url = concretePath(spec.path);
      const label = `${spec.method.toUpperCase()} ${spec.path}`;
      const publicStatuses = new Set<number>();
      for (const caller of everyone) {
        client += 1;
        const abort = new AbortController();
        const response = await router.handle({
          method: spec.method.toUpperCase(),
          url,
          headers: { host: '127.0.0.1', ...caller.headers },
          body: '',
          signal: abort.signal,
          // One address per request: the failure rate limit must not blur the matrix.
          remoteAddress: `10.0.${Math.floor(client / 250)}.${client % 250}`,
        });
        await settle(response, abort);
        const code = errorCode(response);
        const got = `${response.status}${code ? ` ${code}` : ''}`;
        const required = spec.signature?.orRole ?? spec.role;
        if (required === 'public') {
          publicStatuses.add(response.status);
          const refused = spec.signature
            ? response.status === 403
            : response.status === 401 || response.status === 403;
          if (refused) problems.push(`${label} (public) as ${caller.name}: ${got}`);
          continue;
        }
        const expected =
          caller.role === undefined
            ? 'unauthenticated'
            : roleAllows(caller.role, required)
              ? 'allowed'
              : 'forbidden';
        const ok =
          expected === 'unauthenticated'
            ? response.status === 401 && code === 'unauthenticated'
            : expected === 'forbidden'
              ? response.status === 403 && code === 'forbidden'
              : response.status !== 401 && response.status !== 403 && response.status !== 429;
        if (!ok)
          problems.push(
            `${label} (${required}) as ${caller.name}: expected ${expected}, got ${got}`,
          );
      }
      if (publicStatuses.size > 1) {
        problems.push(
          `${label} (public) answers differently by caller: ${[...publicStatuses].join(', ')}`,
        );
      }
    }
    expect(problems).toEqual([]);
  });

  it('leaves GET /health open to everyone', async () => {
    const { router } = await setup();
    for (const caller of await callers()) {
      const response = await router.handle({
        method: 'GET',
        url: '/health',
        headers: caller.headers,
        body: '',
      });
      expect(response.status, caller.name).toBe(200);
    }
  });

  it('covers routes of every role', async () => {
    const { routes } = await setup();
    expect(new Set(routes.map((r) => r.role))).toEqual(
      new Set(['public', 'viewer', 'operator', 'admin']),
    );
  });
});
