/**
 * The OpenAPI document against the route table, and the committed docs/openapi.json against the
 * document. After changing a route: UPDATE_OPENAPI=1 npx vitest run src/api/rest/openapi.test.ts
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { configFromYaml } from '../../../test/helpers/config.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { type App } from '../../app/index.js';
import { ERROR_CODE_LIST } from '../../shared/index.js';
import { AuthPolicy } from '../auth/index.js';
import { DOCS_CSP, DOCS_PAGE } from './docs-page.js';
import { openApiDocument, operationId, type OpenApiDocument } from './openapi.js';
import { buildRestApi, restRoutes } from './rest-api.js';
import type { RouteSpec } from './route.js';
import { fakeApp } from '../../../test/helpers/fake-app.js';

const COMMITTED = join(import.meta.dirname, '../../../docs/openapi.json');

/** POST routes that take no input at all; every other POST route must have a body schema. */
const POST_WITHOUT_BODY = new Set(['/shutdown', '/api/v1/reload']);

async function makeApp(): Promise<{ app: App; dir: string }> {
  const dir = tempDir();
  const config = configFromYaml(dir, 'processes:\n  - name: web\n    binary_path: /bin/web\n');
  const { app } = await fakeApp(config);
  return { app, dir };
}

const openApiPath = (path: string) => path.replace(/:([A-Za-z_]\w*)/g, '{$1}');

/** Every `$ref` in the value. */
function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (typeof value === 'object' && value !== null)
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') out.push(inner);
      else refsIn(inner, out);
    }
  return out;
}

function keysIn(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => keysIn(v, out));
  else if (typeof value === 'object' && value !== null)
    for (const [key, inner] of Object.entries(value)) {
      out.add(key);
      keysIn(inner, out);
    }
  return out;
}

describe('the route table', () => {
  it('gives every route a summary, a role, a response schema, and schemas for its input', async () => {
    const { app } = await makeApp();
    const problems: string[] = [];
    for (const spec of restRoutes(app)) {
      const where = `${spec.method} ${spec.path}`;
      if (spec.summary.length < 10) problems.push(`${where}: no summary`);
      if (!['public', 'viewer', 'operator', 'admin'].includes(spec.role))
        problems.push(`${where}: role ${spec.role}`);
      if (!spec.response) problems.push(`${where}: no response schema`);
      const names = [...spec.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
      if (names.length > 0) {
        const shape = (spec.params as { shape?: Record<string, unknown> } | undefined)?.shape;
        if (!shape) problems.push(`${where}: no params schema`);
        else if (Object.keys(shape).sort().join() !== names.sort().join())
          problems.push(`${where}: params schema has ${Object.keys(shape).join()}`);
      }
      if (spec.method === 'post' && !spec.body && !POST_WITHOUT_BODY.has(spec.path))
        problems.push(`${where}: no body schema`);
      if ((spec.produces === 'sse' || spec.produces === 'json-or-sse') && !spec.events)
        problems.push(`${where}: a stream without its event names`);
    }
    expect(problems).toEqual([]);
  });
});

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with every route, unique operation ids and no dangling references', async () => {
    const { app } = await makeApp();
    const routes = restRoutes(app);
    const doc = openApiDocument(routes);
    expect(doc.openapi).toBe('3.1.0');
    const ids = new Set<string>();
    for (const spec of routes) {
      const operation = doc.paths[openApiPath(spec.path)]?.[spec.method];
      const where = `${spec.method} ${spec.path}`;
      expect(operation, where).toBeDefined();
      expect(operation!.operationId).toBe(operationId(spec));
      ids.add(operation!.operationId as string);
      expect(operation!.summary).toBe(spec.summary);
      expect(operation!.security, where).toEqual(
        spec.role === 'public' ? [] : [{ bearer: [] }, { apiKey: [] }],
      );
      const parameters = (operation!.parameters ?? []) as Array<{ name: string; in: string }>;
      for (const [, name] of spec.path.matchAll(/:(\w+)/g))
        expect(parameters, where).toContainEqual(
          expect.objectContaining({ name, in: 'path', required: true }),
        );
      const responses = operation!.responses as Record<string, { content?: object }>;
      const success = responses[String(spec.status ?? 200)];
      expect(success, where).toBeDefined();
      const types = Object.keys(success!.content ?? {});
      if (spec.produces === 'sse') expect(types, where).toEqual(['text/event-stream']);
      else if (spec.produces === 'json-or-sse')
        expect(types, where).toEqual(['application/json', 'text/event-stream']);
      else if (typeof spec.produces === 'object') expect(types, where).toEqual([spec.produces.raw]);
      else expect(types, where).toEqual(['application/json']);
      expect(responses['4XX'], where).toEqual({ $ref: '#/components/responses/Error' });
      if (spec.body) expect(operation!.requestBody, where).toBeDefined();
    }
    expect(ids.size).toBe(routes.length);
    const operations = Object.values(doc.paths).flatMap((methods) => Object.keys(methods));
    expect(operations.length).toBe(routes.length);

    for (const ref of refsIn(doc)) {
      const match = /^#\/components\/(schemas|responses)\/(\w+)$/.exec(ref);
      expect(match, ref).not.toBeNull();
      expect(doc.components[match![1] as 'schemas' | 'responses'][match![2]!], ref).toBeDefined();
    }
    const keys = keysIn(doc);
    expect(keys.has('$defs')).toBe(false);
    expect(keys.has('$schema')).toBe(false);
    expect(doc.components.schemas.Error).toMatchObject({
      properties: { code: { enum: ERROR_CODE_LIST } },
    });
  });

  it('matches the committed docs/openapi.json (UPDATE_OPENAPI=1 regenerates it)', async () => {
    const { app } = await makeApp();
    const doc = openApiDocument(restRoutes(app));
    if (process.env.UPDATE_OPENAPI === '1') {
      const prettier = await import('prettier');
      const options = (await prettier.resolveConfig(COMMITTED)) ?? {};
      const text = await prettier.format(JSON.stringify(doc), { ...options, filepath: COMMITTED });
      writeFileSync(COMMITTED, text);
    }
    expect(existsSync(COMMITTED), 'docs/openapi.json is missing: run with UPDATE_OPENAPI=1').toBe(
      true,
    );
    const committed = JSON.parse(readFileSync(COMMITTED, 'utf8')) as OpenApiDocument;
    expect(
      committed,
      'docs/openapi.json differs from the routes: run UPDATE_OPENAPI=1 npx vitest run src/api/rest/openapi.test.ts',
    ).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('is served at /openapi.json and the viewer at /docs, both without credentials', async () => {
    const { app, dir } = await makeApp();
    const config = configFromYaml(
      dir,
      `server:\n  auth:\n    api_keys:\n      - { name: k, key: a-key-of-enough-length-0123, role: admin }\nprocesses:\n  - name: web\n    binary_path: /bin/web\n`,
    );
    const api = buildRestApi({ app, auth: new AuthPolicy(config.server) });
    const get = async (url: string, headers: Record<string, string> = {}) => {
      const response = await api.handle({ method: 'GET', url, headers, body: '' });
      if (!('body' in response)) throw new Error(`${url} answered with a stream`);
      return response;
    };
    expect((await get('/api/v1/processes')).status).toBe(401); // auth is on
    const served = await get('/openapi.json');
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toContain('application/json');
    expect(JSON.parse(served.body)).toEqual(
      JSON.parse(JSON.stringify(openApiDocument(restRoutes(app)))),
    );
    const page = await get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toBe(DOCS_PAGE);
  });
});

describe('the /docs page', () => {
  it('loads nothing from other hosts, and its policy allows exactly its own script and style', () => {
    expect(DOCS_PAGE).not.toMatch(/https?:\/\//i);
    expect(DOCS_PAGE).not.toMatch(/\/\/[a-z0-9.-]+\.[a-z]{2,}/i); // no protocol-relative URLs
    expect(DOCS_PAGE).not.toMatch(/<(script|link|img|iframe)[^>]*\s(src|href)=/i);
    expect(DOCS_PAGE).toContain(`content="${DOCS_CSP}"`);
    expect(DOCS_CSP).toContain("default-src 'none'");
    expect(DOCS_CSP).toContain("connect-src 'self'");
    expect(DOCS_CSP).not.toContain('unsafe');
    const sha = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    const scripts = [...DOCS_PAGE.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    const styles = [...DOCS_PAGE.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
    expect(scripts.length).toBe(1);
    expect(styles.length).toBe(1);
    expect(DOCS_CSP).toContain(`script-src ${sha(scripts[0]!)}`);
    expect(DOCS_CSP).toContain(`style-src ${sha(styles[0]!)}`);
  });

  it('renders every operation of the document (its script, run against a minimal DOM)', async () => {
    const { app } = await makeApp();
    const routes: RouteSpec[] = restRoutes(app);
    const doc = JSON.parse(JSON.stringify(openApiDocument(routes))) as OpenApiDocument;
    const page = runDocsPage('/docs/', () =>
      Promise.resolve({ ok: true, status: 200, json: () => Promise.resolve(doc) }),
    );
    await waitFor(() => (page.root.textContent.includes('Schemas') ? true : page.root.textContent));
    expect(page.fetched).toEqual(['/openapi.json']);
    const text = page.root.textContent;
    for (const spec of routes) {
      expect(text).toContain(openApiPath(spec.path));
      expect(text).toContain(spec.summary);
    }
    expect(text).toContain('role: operator');
    expect(text).toContain('no credentials');
    expect(text).not.toContain('not implemented yet');
    expect(text).toContain('event: dropped');
    expect(text).toContain('instance_id?: string');
    const operations = page.root.findAll((n) => n.className === 'op');
    expect(operations.length).toBe(routes.length);
    const links = page.root.findAll((n) => n.tag === 'a').map((n) => n.attributes.get('href'));
    expect(links).toContain('#schema-ProcessDetail');
    for (const link of links) expect(link).toMatch(/^#schema-\w+$/);
    for (const name of Object.keys(doc.components.schemas))
      expect(page.root.findAll((n) => n.id === `schema-${name}`).length, name).toBe(1);

    const filter = page.root.findAll((n) => n.id === 'filter')[0]!;
    filter.value = 'METRICS';
    filter.listeners.get('input')!();
    const shown = operations.filter((n) => !n.hidden).map((n) => n.attributes.get('data-search'));
    expect(shown).toEqual([
      expect.stringContaining('/api/v1/processes/{name}/metrics'),
      expect.stringContaining('/api/v1/metrics/host'),
      expect.stringContaining('/metrics'),
    ]);
  });

  it('says so when the document cannot be loaded', async () => {
    const page = runDocsPage('/docs', () =>
      Promise.resolve({ ok: false, status: 401, json: () => Promise.reject(new Error('no')) }),
    );
    await waitFor(() =>
      page.root.textContent.includes('Could not load') ? true : page.root.textContent,
    );
    expect(page.root.textContent).toContain('/openapi.json answered 401');
  });
});

/** Just enough of the DOM for the page's script: elements, text, attributes, listeners. */
class FakeNode {
  children: FakeNode[] = [];
  attributes = new Map<string, string>();
  listeners = new Map<string, () => void>();
  className = '';
  id = '';
  hidden = false;
  value = '';
  private text = '';
  constructor(
    readonly tag: string,
    text = '',
  ) {
    this.text = text;
  }
  appendChild(child: FakeNode): FakeNode {
    this.children.push(child);
    return child;
  }
  get textContent(): string {
    return this.text + this.children.map((c) => c.textContent).join('');
  }
  set textContent(value: string) {
    this.children = [];
    this.text = String(value);
  }
  setAttribute(name: string, value: string): void {
    this.attributes.set(name, String(value));
  }
  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }
  addEventListener(type: string, listener: () => void): void {
    this.listeners.set(type, listener);
  }
  findAll(match: (node: FakeNode) => boolean): FakeNode[] {
    return [...(match(this) ? [this] : []), ...this.children.flatMap((c) => c.findAll(match))];
  }
}

function runDocsPage(
  pathname: string,
  answer: () => Promise<{ ok: boolean; status: number; json: () => Promise<unknown> }>,
) {
  const root = new FakeNode('main');
  const fetched: string[] = [];
  const script = /<script>([\s\S]*?)<\/script>/.exec(DOCS_PAGE)![1]!;
  runInNewContext(script, {
    document: {
      getElementById: (id: string) => (id === 'app' ? root : null),
      createElement: (tag: string) => new FakeNode(tag),
      createTextNode: (text: string) => new FakeNode('#text', text),
    },
    location: { pathname },
    fetch: (url: string) => {
      fetched.push(url);
      return answer();
    },
  });
  return { root, fetched };
}
