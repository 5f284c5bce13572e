/**
 * The dashboard served at `/` over a real socket, from a temporary build directory written by
 * each test: index.html with its security headers and the SPA fallback, hashed assets cached
 * for a year, conditional requests, the API's own paths untouched, a missing build, and paths
 * that try to leave the build directory.
 */
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { configFromYaml } from '../../../test/helpers/config.js';
import { fakeApp } from '../../../test/helpers/fake-app.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { AuthPolicy } from '../auth/index.js';
import { DASHBOARD_CSP, NOT_BUILT_MESSAGE, safeSegments } from './dashboard-site.js';
import { listen } from './node-adapter.js';
import { buildRestApi } from './rest-api.js';

const INDEX = '<!doctype html><html><body><div id="root"></div></body></html>';
const SCRIPT = 'console.log("dashboard");';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x10, 0x80]);
const SECRET = 'TOP-SECRET-outside-the-build';
const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
  text: string;
}

/** A build directory like Vite's, next to a secret file that must never be served. */
function writeBuild(): { root: string; dist: string } {
  const root = tempDir();
  const dist = join(root, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), INDEX);
  writeFileSync(join(dist, 'assets', 'index-Ab12Cd34.js'), SCRIPT);
  writeFileSync(join(dist, 'assets', 'index-Ef56Gh78.css'), 'body{color:red}');
  writeFileSync(join(dist, 'assets', 'logo-Ij90.png'), PNG);
  writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dist, '.env'), SECRET);
  writeFileSync(join(root, 'secret.txt'), SECRET);
  symlinkSync(join(root, 'secret.txt'), join(dist, 'assets', 'link-out.txt'));
  return { root, dist };
}

async function serve(dir: string | undefined, authYaml = '', loopbackOnly = false) {
  const config = configFromYaml(
    tempDir(),
    `${authYaml}processes:\n  - name: web\n    binary_path: /bin/web\n    instances: 0\n`,
  );
  const { app } = await fakeApp(config);
  const server = await listen(
    buildRestApi({
      app,
      auth: new AuthPolicy(config.server),
      browser: { origins: [], loopbackOnly },
      dashboard: { dir },
    }),
    { host: '127.0.0.1', port: 0, requestTimeoutMs: 10_000 },
  );
  onTestFinished(() => server.close());
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    new Promise<Answer>((resolve, reject) => {
      // The target goes out as written (`..`, `\`, `%2f` included): no client normalises it.
      const req = request(
        { host: '127.0.0.1', port: server.port, path, method, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const bytes = Buffer.concat(chunks);
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              bytes,
              text: bytes.toString('utf8'),
            });
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  return { get };
}

describe('the dashboard at /', () => {
  it('serves index.html with its security headers, revalidated on each load', async () => {
    const { dist } = writeBuild();
    const { get } = await serve(dist);
    for (const path of ['/', '/index.html']) {
      const page = await get(path);
      expect(page.status, path).toBe(200);
      expect(page.text).toBe(INDEX);
      expect(page.headers).toMatchObject({
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        'content-security-policy': DASHBOARD_CSP,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'content-length': String(INDEX.length),
      });
      expect(page.headers['etag']).toMatch(/^W\/"[0-9a-f]+-[0-9a-f]+"$/);
      expect(Date.parse(String(page.headers['last-modified']))).not.toBeNaN();
    }
    expect(DASHBOARD_CSP).toBe(
      "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
    );
  });

  it('serves hashed assets with their type, byte for byte, cached for a year', async () => {
    const { dist } = writeBuild();
    const { get } = await serve(dist);
    const script = await get('/assets/index-Ab12Cd34.js');
    expect(script.status).toBe(200);
    expect(script.text).toBe(SCRIPT);
    expect(script.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    });
    expect(script.headers['content-security-policy']).toBeUndefined();
    const style = await get('/assets/index-Ef56Gh78.css');
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    const image = await get('/assets/logo-Ij90.png');
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.bytes.equals(PNG)).toBe(true);
    // A file at the top is not content-hashed: revalidated, not cached for a year.
    const icon = await get('/favicon.svg');
    expect(icon.headers).toMatchObject({
      'content-type': 'image/svg+xml',
      'cache-control': 'no-cache',
    });
  });

  it('answers index.html to a browser navigating to any dashboard route (reloads work)', async () => {
    const { dist } = writeBuild();
    const { get } = await serve(dist);
    for (const path of [
      '/processes/api',
      '/processes/my.app',
      '/processes/web/',
      '/updates',
      '/balancers?x=1',
      '/tunnel',
      '/registry',
    ]) {
      const page = await get(path, HTML);
      expect(page.status, path).toBe(200);
      expect(page.text, path).toBe(INDEX);
      expect(page.headers['content-security-policy'], path).toBe(DASHBOARD_CSP);
    }
    // Not a browser navigation: the API's JSON 404.
    const fromScript = await get('/processes/api', { accept: 'application/json' });
    expect(fromScript.status).toBe(404);
    expect(JSON.parse(fromScript.text)).toMatchObject({ code: 'not_found' });
    expect((await get('/processes/api', { accept: '*/*' })).status).toBe(404);
  });

  it("leaves the API's paths to the API, whatever the Accept header says", async () => {
    const { dist } = writeBuild();
    const { get } = await serve(dist);
    expect(JSON.parse((await get('/health', HTML)).text)).toEqual({ status: 'healthy' });
    expect((await get('/api/v1/status', HTML)).headers['content-type']).toMatch(/json/);
    expect((await get('/openapi.json', HTML)).headers['content-type']).toMatch(/json/);
    expect((await get('/docs', HTML)).text).not.toBe(INDEX);
    for (const path of [
      '/api/v1/no-such-route',
      '/api',
      '/api/',
      '/webhook/unknown',
      '/metrics/extra',
      '/shutdown',
      '/proto.ProcessManager/ListProcesses',
      '/grpc.health.v1.Health/Check',
      '/no-such-file.js',
    ]) {
      const answer = await get(path, HTML);
      expect(answer.status, path).toBeGreaterThanOrEqual(400);
      expect(answer.text, path).not.toBe(INDEX);
      expect(answer.headers['content-type'], path).toMatch(/^application\/json/);
    }
  });

  it('answers a missing asset with a JSON 404, never the page (a browser would run it)', async () => {
    const { dist } = writeBuild();
    const { get } = await serve(dist);
    const missing = await get('/assets/index-OLD.js', { accept: '*/*' });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text)).toEqual({
      error:
        'the dashboard has no file /assets/index-OLD.js; reload the page (the dashboard may have been rebuilt)',
      code: 'not_found',
    });
    expect((await get('/assets/index-OLD.js', HTML)).status).toBe(404);
  });

  it('answers 304 to a current copy (ETag or date) and 200 once the file changed', async () => {
    const { dist } = writeBuild();
    const { get } = await serve(dist);
    const first = await get('/');
    const etag = String(first.headers['etag']);
    const lastModified = String(first.headers['last-modified']);
    const byTag = await get('/', { 'if-none-match': etag });
    expect(byTag.status).toBe(304);
    expect(byTag.bytes.length).toBe(0);
    expect(byTag.headers['etag']).toBe(etag);
    expect(byTag.headers['cache-control']).toBe('no-cache');
    expect((await get('/', { 'if-none-match': `"other", ${etag}` })).status).toBe(304);
    expect((await get('/', { 'if-modified-since': lastModified })).status).toBe(304);
    expect((await get('/', { 'if-none-match': '"other"' })).status).toBe(200);
    const asset = await get('/assets/index-Ab12Cd34.js');
    const assetAgain = await get('/assets/index-Ab12Cd34.js', {
      'if-none-match': String(asset.headers['etag']),
    });
    expect(assetAgain.status).toBe(304);

    // A rebuild: new bytes and a later time.
    writeFileSync(join(dist, 'index.html'), `${INDEX}<!-- v2 -->`);
    const later = new Date(Date.parse(lastModified) + 60_000);
    utimesSync(join(dist, 'index.html'), later, later);
    const rebuilt = await get('/', { 'if-none-match': etag });
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.text).toBe(`${INDEX}<!-- v2 -->`);
    expect(rebuilt.headers['etag']).not.toBe(etag);
    expect((await get('/', { 'if-modified-since': lastModified })).status).toBe(200);
  });

  it('answers HEAD with the headers and no body', async () => {
    const { dist } = writeBuild();
    const { get } = await serve(dist);
    const head = await get('/', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.bytes.length).toBe(0);
    expect(head.headers['content-length']).toBe(String(INDEX.length));
  });

  it('says the dashboard is not built when the build directory is missing or empty', async () => {
    const root = tempDir();
    for (const dir of [undefined, join(root, 'nowhere'), root]) {
      const { get } = await serve(dir);
      for (const path of ['/', '/processes/web']) {
        const answer = await get(path, HTML);
        expect(answer.status, `${dir} ${path}`).toBe(404);
        expect(JSON.parse(answer.text)).toEqual({ error: NOT_BUILT_MESSAGE, code: 'not_found' });
      }
    }
    expect(NOT_BUILT_MESSAGE).toBe('the dashboard is not built: run npm run build');
  });

  it('loads without a credential when the API needs one; the API still refuses', async () => {
    const { dist } = writeBuild();
    const { get } = await serve(
      dist,
      'server:\n  auth:\n    api_keys:\n      - { name: v, key: site-viewer-key-0123456789, role: viewer }\n',
    );
    expect((await get('/')).status).toBe(200);
    expect((await get('/assets/index-Ab12Cd34.js')).status).toBe(200);
    expect((await get('/processes/web', HTML)).status).toBe(200);
    expect((await get('/api/v1/status')).status).toBe(401);
  });

  it('refuses a foreign Host name on a loopback API (DNS rebinding), as the API does', async () => {
    const { dist } = writeBuild();
    const { get } = await serve(dist, '', true);
    expect((await get('/', { host: '127.0.0.1' })).status).toBe(200);
    const rebound = await get('/', { host: 'evil.example' });
    expect(rebound.status).toBe(403);
    expect(rebound.text).not.toContain('root');
  });

  it('never serves a file outside the build directory, a hidden file, or through a link out', async () => {
    const { dist } = writeBuild();
    const { get } = await serve(dist);
    const attempts = [
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/../../secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/..\\secret.txt',
      '/assets\\..\\..\\secret.txt',
      '//secret.txt',
      `/${encodeURIComponent(join(dist, '..', 'secret.txt'))}`,
      '/.env',
      '/%2eenv',
      '/assets/link-out.txt',
      '/index.html%00.png',
      '/index.html.',
      '/index.html%20',
      '/C:%5Csecret.txt',
      '/%C0%AE%C0%AE/secret.txt',
      '/%',
    ];
    for (const path of attempts) {
      for (const headers of [{}, HTML]) {
        const answer = await get(path, headers);
        expect(answer.text, path).not.toContain(SECRET);
        expect(answer.status, path).not.toBe(500);
        if (answer.status === 200) expect(answer.text, path).toBe(INDEX);
      }
    }
  });

  it('never leaves the build directory for any path (property)', async () => {
    const { dist } = writeBuild();
    const { get } = await serve(dist);
    const piece = fc.oneof(
      fc.constantFrom('..', '.', '%2e%2e', '%2E.', '%2f', '%5c', '\\', '%00', 'secret.txt', '.env'),
      fc.constantFrom('assets', 'dist', 'link-out.txt', '%252e%252e', '%c0%ae', ':', 'C:'),
      fc.string({ unit: 'binary', maxLength: 12 }).map((s) => encodeURIComponent(s)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 6 }), async (pieces) => {
        const answer = await get(`/${pieces.join('/')}`, HTML);
        expect(answer.text).not.toContain(SECRET);
        expect(answer.status).not.toBe(500);
      }),
      { numRuns: 300 },
    );
  });
});

describe('safeSegments', () => {
  it('decodes plain names and refuses anything that could step out', () => {
    expect(safeSegments('/assets/index-Ab12.js')).toEqual(['assets', 'index-Ab12.js']);
    expect(safeSegments('/processes/my%20app')).toEqual(['processes', 'my app']);
    for (const path of [
      '/',
      '/a//b',
      '/a/',
      '/..',
      '/%2e%2e',
      '/a/..%2fb',
      '/a%5cb',
      '/a%00',
      '/C:',
      '/.hidden',
      '/name.',
      '/name%20',
      '/%E0%A4%A',
    ]) {
      expect(safeSegments(path), path).toBeUndefined();
    }
  });
});
