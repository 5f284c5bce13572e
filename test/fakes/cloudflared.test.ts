import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseTunnelUrl } from '../../src/services/tunnel/index.js';
import { LineCollector } from '../helpers/lines.js';
import { ROOT } from '../helpers/paths.js';
import { closedPort } from '../helpers/ports.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const FAKE_CLOUDFLARED = join(ROOT, 'test', 'fakes', 'cloudflared.mjs');
const TS = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`;

interface Fake {
  child: ChildProcess;
  stderr: LineCollector;
  stdout: LineCollector;
  exit: Promise<{ code: number | null; signal: string | null }>;
}

function startFake(args: string[], env: Record<string, string> = {}): Fake {
  const child = spawn(FAKE_CLOUDFLARED, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exit = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as string | null,
  }));
  return {
    child,
    stdout: new LineCollector(child.stdout!),
    stderr: new LineCollector(child.stderr!),
    exit,
  };
}

const quickTunnel = (port: number, protocol = 'http2'): string[] => [
  'tunnel',
  '--url',
  `http://localhost:${port}`,
  '--protocol',
  protocol,
  '--no-autoupdate',
];

/** Waits for the proxy line and returns the proxy's port. */
async function proxyPort(fake: Fake): Promise<number> {
  const pattern = new RegExp(
    `^${TS} INF fake-cloudflared proxy listening on 127\\.0\\.0\\.1:(\\d+)$`,
  );
  await waitFor(() => fake.stderr.has(pattern));
  const line = fake.stderr.lines.find((l) => pattern.test(l))!;
  return Number(pattern.exec(line)![1]);
}

describe('fake cloudflared', () => {
  it('answers --version like cloudflared', async () => {
    const fake = startFake(['--version']);
    expect(await fake.exit).toEqual({ code: 0, signal: null });
    expect(fake.stdout.lines[0]).toMatch(/^cloudflared version 2024\.5\.0 \(built .+\)$/);
  });

  it('rejects arguments other than the quick-tunnel command line', async () => {
    for (const args of [
      ['tunnel', '--url', 'http://localhost:8080'],
      ['tunnel', 'run', 'named'],
      [...quickTunnel(8080), '--extra'],
      quickTunnel(8080, 'auto'),
    ]) {
      const fake = startFake(args);
      expect(await fake.exit).toEqual({ code: 1, signal: null });
      expect(fake.stderr.lines[0]).toMatch(/^Incorrect Usage: /);
    }
  });

  it('prints the quick-tunnel banner with a fresh URL per run', async () => {
    const dir = tempDir();
    const stateFile = join(dir, 'state.json');
    const urls: string[] = [];
    for (let run = 0; run < 2; run++) {
      const fake = startFake(quickTunnel(8080), { FAKE_CLOUDFLARED_STATE_FILE: stateFile });
      await waitFor(() =>
        fake.stderr.has(/Registered tunnel connection connIndex=0 .* protocol=http2$/),
      );
      const lines = fake.stderr.lines;
      expect(lines[0]).toMatch(new RegExp(`^${TS} INF Thank you for trying Cloudflare Tunnel\\. `));
      expect(lines[1]).toMatch(
        new RegExp(`^${TS} INF Requesting new quick Tunnel on trycloudflare\\.com\\.\\.\\.$`),
      );
      const rule = new RegExp(`^${TS} INF \\+-{92}\\+$`);
      expect(lines[2]).toMatch(rule);
      expect(lines[3]).toMatch(
        new RegExp(
          `^${TS} INF \\|  Your quick Tunnel has been created! Visit it at \\(it may take some time to be reachable\\):  \\|$`,
        ),
      );
      expect(lines[4]).toMatch(
        new RegExp(`^${TS} INF \\|  https://[a-z]+(-[a-z]+){3}\\.trycloudflare\\.com +\\|$`),
      );
      expect(lines[5]).toMatch(rule);
      expect(new Set(lines.slice(2, 6).map((l) => l.length)).size).toBe(1); // a closed box
      const url = parseTunnelUrl(lines.join('\n'));
      expect(url).toBeDefined();
      expect(parseTunnelUrl(lines[4]!)).toBe(url);
      const state = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, unknown>;
      expect(state).toEqual({ pid: fake.child.pid, url, proxyPort: await proxyPort(fake) });
      urls.push(url!);
      fake.child.kill('SIGTERM');
      await fake.exit;
    }
    expect(urls[0]).not.toBe(urls[1]);
  });

  it('shuts down gracefully on SIGTERM and SIGINT', async () => {
    for (const [signal, name] of [
      ['SIGTERM', 'terminated'],
      ['SIGINT', 'interrupt'],
    ] as const) {
      const fake = startFake(quickTunnel(8080));
      await proxyPort(fake);
      fake.child.kill(signal);
      expect(await fake.exit).toEqual({ code: 0, signal: null });
      expect(
        fake.stderr.has(
          new RegExp(`^${TS} INF Initiating graceful shutdown due to signal ${name} \\.\\.\\.$`),
        ),
      ).toBe(true);
    }
  });

  it('crashes with an ERR line after FAKE_CLOUDFLARED_CRASH_AFTER_MS', async () => {
    const fake = startFake(quickTunnel(8080), { FAKE_CLOUDFLARED_CRASH_AFTER_MS: '200' });
    expect(await fake.exit).toEqual({ code: 1, signal: null });
    expect(parseTunnelUrl(fake.stderr.lines.join('\n'))).toBeDefined();
    expect(fake.stderr.lines.at(-1)).toMatch(new RegExp(`^${TS} ERR `));
  });

  it('fails to start with FAKE_CLOUDFLARED_FAIL_START, printing no tunnel URL', async () => {
    const fake = startFake(quickTunnel(8080), { FAKE_CLOUDFLARED_FAIL_START: '1' });
    expect(await fake.exit).toEqual({ code: 1, signal: null });
    const output = fake.stderr.lines.join('\n');
    expect(output).toMatch(
      new RegExp(
        `${TS} ERR failed to request quick Tunnel: Post "https://api\\.trycloudflare\\.com/tunnel"`,
      ),
    );
    expect(parseTunnelUrl(output)).toBeUndefined();
  });

  it('prints no banner with FAKE_CLOUDFLARED_NO_URL, but still proxies', async () => {
    const fake = startFake(quickTunnel(8080), { FAKE_CLOUDFLARED_NO_URL: '1' });
    await proxyPort(fake);
    await waitFor(() => fake.stderr.has(/INF Starting metrics server/));
    expect(parseTunnelUrl(fake.stderr.lines.join('\n'))).toBeUndefined();
  });

  it('forwards requests to the --url target with the headers Cloudflare adds, streaming the answer', async () => {
    const seen: { method?: string; url?: string; headers?: IncomingHttpHeaders; body?: string } =
      {};
    let releaseStream!: () => void;
    const streamReleased = new Promise<void>((resolve) => (releaseStream = resolve));
    const origin = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        Object.assign(seen, {
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        });
        res.writeHead(201, { 'content-type': 'text/plain', 'x-origin': 'yes' });
        res.write('first chunk;');
        void streamReleased.then(() => res.end('last chunk'));
      });
    });
    origin.listen(0, '127.0.0.1');
    await once(origin, 'listening');
    onTestFinished(() => {
      origin.closeAllConnections();
      origin.close();
    });
    const originPort = (origin.address() as { port: number }).port;
    const fake = startFake(quickTunnel(originPort));
    const port = await proxyPort(fake);
    const url = parseTunnelUrl(fake.stderr.lines.join('\n'))!;

    const req = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/v1/processes?x=1',
      headers: { authorization: 'Bearer test', 'x-custom': 'kept', 'x-forwarded-for': '10.9.8.7' },
    });
    req.end('hello origin');
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    res.setEncoding('utf8');
    let body = '';
    res.on('data', (chunk: string) => (body += chunk));
    await waitFor(() => (body === 'first chunk;' ? true : `body so far: ${JSON.stringify(body)}`));
    releaseStream();
    await once(res, 'end');

    expect(res.statusCode).toBe(201);
    expect(res.headers['x-origin']).toBe('yes');
    expect(res.headers['server']).toBe('cloudflare');
    expect(body).toBe('first chunk;last chunk');
    expect(seen).toMatchObject({
      method: 'POST',
      url: '/api/v1/processes?x=1',
      body: 'hello origin',
    });
    expect(seen.headers).toMatchObject({
      host: new URL(url).host,
      authorization: 'Bearer test',
      'x-custom': 'kept',
      'cf-connecting-ip': '203.0.113.7',
      'cloudflare-cdn-loop': 'cloudflare; loops=1',
      'x-forwarded-for': '10.9.8.7, 203.0.113.7',
      'x-forwarded-proto': 'https',
      'cf-visitor': '{"scheme":"https"}',
    });
  });

  it('answers 502 and logs an ERR line when the origin is down', async () => {
    const fake = startFake(quickTunnel(await closedPort()));
    const port = await proxyPort(fake);
    const req = request({ host: '127.0.0.1', port, path: '/health' });
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    res.resume();
    expect(res.statusCode).toBe(502);
    await waitFor(() => fake.stderr.has(/ERR .*Unable to reach the origin service/));
  });
});
