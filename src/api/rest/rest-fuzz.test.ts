/**
 * Every REST route, fed malformed and hostile input: broken JSON, wrong types, unicode, huge
 * strings, path tricks (`../`, `%2e%2e`, NUL) in path segments and queries. Whatever arrives, the
 * answer is a JSON error with a 4xx (or a 501/503 the route documents), never a 500 and never a
 * throw. The route list comes from the route table, so new routes are fuzzed too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromYaml } from '../../../test/helpers/config.js';
import { FakeProbe } from '../../../test/helpers/fake-probe.js';
import { createApp, type App } from '../../app/index.js';
import { FakeProcessDriver, PortAllocator, Supervisor } from '../../core/index.js';
import { ERROR_CODE_LIST, systemClock } from '../../shared/index.js';
import { AuthPolicy } from '../auth/index.js';
import { buildRestApi, restRoutes } from './rest-api.js';
import type { Router } from './router.js';

const TRICKY_SEGMENTS = [
  '..',
  '../../etc/passwd',
  '%2e%2e',
  '%2e%2e%2f%2e%2e%2fetc',
  '..%2f..%2fdata',
  '%00',
  'web%00.env',
  '%',
  '%zz',
  '%C0%AE%C0%AE',
  'web',
  'WEB',
  ' ',
  '%20',
  '😀',
  '\u202e',
  'a'.repeat(5000),
  'con',
  'NUL',
  'C:%5Cwindows',
  '\\\\server\\share',
];

const segment = fc.oneof(
  fc.constantFrom(...TRICKY_SEGMENTS),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => encodeURIComponent(s)),
);

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const bodyText = fc.oneof(
  jsonValue.map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    '{',
    '{"instances":',
    '[]',
    'null',
    '{"instances": 1e309}',
    '{"__proto__": {"x": 1}}',
  ),
  fc
    .dictionary(
      fc.constantFrom(
        'instances',
        'instance_id',
        'all',
        'version',
        'force',
        'strategy',
        'process',
        'service',
        'method',
        'data',
      ),
      fc.oneof(jsonValue, fc.constantFrom(-1, 0, 1e9, '3', '../x', true, null)),
    )
    .map((o) => JSON.stringify(o)),
);
const query = fc
  .array(
    fc.tuple(
      fc.constantFrom('tail', 'instance', 'follow', 'process', 'from', 'to', 'step', 'x'),
      fc.oneof(segment, fc.constantFrom('-1', '1e99', 'NaN', '')),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));

const dir = mkdtempSync(join(tmpdir(), 'gowinproc-fuzz-'));
let supervisor: Supervisor;
let router: Router;
let app: App;

beforeAll(async () => {
  const config = configFromYaml(
    dir,
    `processes:\n  - name: web\n    binary_path: /bin/web\n    max_instances: 3\n  - name: other\n    binary_path: /bin/other\n    instances: 0\n`,
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
  app = createApp({
    supervisor,
    clock: systemClock,
    startedAt: 0,
    version: 'fuzz',
    control: {
      reload: () => supervisor.reload(config),
      shutdown: () => undefined,
    },
  });
  router = buildRestApi({ app, auth: new AuthPolicy(config.server) });
});

afterAll(async () => {
  await supervisor.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, url: string, body: string) {
  const abort = new AbortController();
  const response = await router.handle({
    method,
    url,
    headers: { 'content-type': 'application/json' },
    body,
    signal: abort.signal,
  });
  abort.abort(); // ends any stream the route opened
  return response;
}

function expectWellFormed(response: Awaited<ReturnType<typeof call>>, what: string): void {
  expect(response.status, what).not.toBe(500);
  if (!('body' in response) || response.status < 400) return;
  const parsed = JSON.parse(response.body) as { error: unknown; code: unknown };
  expect(typeof parsed.error, what).toBe('string');
  expect(ERROR_CODE_LIST, what).toContain(parsed.code);
}

describe('every route under hostile input', () => {
  it('answers hostile path segments, queries and bodies without a 500', async () => {
    const routes = restRoutes(app);
    expect(routes.length).toBeGreaterThan(8);
    for (const spec of routes) {
      await fc.assert(
        fc.asyncProperty(segment, segment, query, bodyText, async (name, id, q, body) => {
          const path = spec.path.replace(':name', name).replace(':id', id);
          const response = await call(spec.method.toUpperCase(), `${path}${q}`, body);
          expectWellFormed(response, `${spec.method} ${path}${q} ${body.slice(0, 80)}`);
        }),
        { numRuns: 40 },
      );
    }
  });

  it('answers unknown paths and methods with 404, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'BREW'),
        fc.array(segment, { minLength: 0, maxLength: 5 }),
        async (method, parts) => {
          const response = await call(method, `/${parts.join('/')}`, '');
          expectWellFormed(response, `${method} /${parts.join('/')}`);
        },
      ),
      { numRuns: 300 },
    );
  });
});
