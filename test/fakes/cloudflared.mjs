#!/usr/bin/env node
// A fake cloudflared for quick tunnels. It accepts exactly
//   cloudflared tunnel --url http://localhost:<port> --protocol <http2|quic> --no-autoupdate
// (and --version), logs on stderr in cloudflared's format with the quick-tunnel banner and a fresh
// random https://<words>.trycloudflare.com URL per run, and acts as the tunnel locally: an HTTP
// server on 127.0.0.1 forwards every request to the --url target with the headers Cloudflare adds
// (Cf-Connecting-Ip, Cloudflare-Cdn-Loop, X-Forwarded-For, X-Forwarded-Proto...). Its port is
// printed as "INF fake-cloudflared proxy listening on 127.0.0.1:<port>".
//
// Env knobs:
//   FAKE_CLOUDFLARED_STATE_FILE      write {pid, url, proxyPort} there (JSON) before the banner
//   FAKE_CLOUDFLARED_CRASH_AFTER_MS  exit 1 after N ms with an ERR line
//   FAKE_CLOUDFLARED_NO_URL=1        never print the banner (no URL)
//   FAKE_CLOUDFLARED_FAIL_START=1    fail to request the quick tunnel and exit 1 at once
//   FAKE_CLOUDFLARED_CLIENT_IP       the "internet" client's address (default 203.0.113.7)
// SIGTERM/SIGINT: logs the graceful-shutdown line and exits 0.
import { randomBytes, randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const VERSION = '2024.5.0';
const CLIENT_IP = process.env.FAKE_CLOUDFLARED_CLIENT_IP || '203.0.113.7';
const WORDS = [
  'amber',
  'bishop',
  'canyon',
  'delta',
  'ember',
  'falcon',
  'glacier',
  'harbor',
  'island',
  'jasmine',
  'kernel',
  'lantern',
  'meadow',
  'nebula',
  'orchid',
  'prairie',
  'quartz',
  'ranger',
  'summit',
  'timber',
  'uptown',
  'velvet',
  'willow',
  'xenon',
  'yonder',
  'zephyr',
  'crafts',
  'pmid',
  'dsl',
  'lodging',
  'tunes',
  'arrive',
  'wizard',
  'bracket',
  'sends',
  'oak',
];

const timestamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const log = (level, text) => process.stderr.write(`${timestamp()} ${level} ${text}\n`);

/** cloudflared's answer to arguments it does not take; returns undefined so the caller stops. */
function usageError(message) {
  process.stderr.write(
    `Incorrect Usage: ${message}\n\n` +
      'NAME:\n   cloudflared tunnel - Use Cloudflare Tunnel to expose private services to the Internet or to Cloudflare connected private users.\n\n' +
      'USAGE:\n   cloudflared tunnel [tunnel command options] [subcommand options]\n',
  );
  process.exitCode = 1;
  return undefined;
}

/** {target, protocol} for a quick-tunnel command line; undefined after --version or a usage error. */
function parseArgs(argv) {
  if (argv.length === 1 && ['--version', '-v', 'version'].includes(argv[0])) {
    process.stdout.write(`cloudflared version ${VERSION} (built 2024-05-01-1000 UTC)\n`);
    return undefined;
  }
  const [command, ...flags] = argv;
  if (command !== 'tunnel') {
    return usageError(`expected the "tunnel" command, got ${JSON.stringify(command)}`);
  }
  let url;
  let protocol;
  let autoupdate = false;
  let noTlsVerify = false;
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i];
    if (flag === '--url') url = flags[++i];
    else if (flag === '--protocol') protocol = flags[++i];
    else if (flag === '--no-autoupdate') autoupdate = true;
    else if (flag === '--no-tls-verify') noTlsVerify = true;
    else return usageError(`flag provided but not defined: ${flag}`);
  }
  if (!/^https?:\/\/(localhost|[0-9.]+|\[[0-9a-f:]+\]):\d{1,5}$/.test(url ?? '')) {
    return usageError(`invalid --url ${JSON.stringify(url)}`);
  }
  if (protocol !== 'http2' && protocol !== 'quic') {
    return usageError(`invalid --protocol ${JSON.stringify(protocol)} (auto, http2 or quic)`);
  }
  if (!autoupdate) return usageError('the fake expects --no-autoupdate, as gowinproc passes it');
  return { target: new URL(url), protocol, noTlsVerify };
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

/** Exits once stderr has taken everything written so far (pipes are asynchronous on Windows). */
function exitAfterFlush(code) {
  process.stderr.write('', () => process.exit(code));
}

function randomUuid() {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function printBanner(url) {
  const inner = 92;
  const row = (text) => log('INF', `|  ${text.padEnd(inner - 4)}  |`);
  log('INF', `+${'-'.repeat(inner)}+`);
  row('Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):');
  row(url);
  log('INF', `+${'-'.repeat(inner)}+`);
}

/** The local stand-in for Cloudflare's edge: forwards to the origin as cloudflared would. */
function createTunnelProxy(target, publicHost, noTlsVerify) {
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return createServer((req, res) => {
    const headers = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(name)) headers[name] = value;
    }
    const ray = `${randomBytes(8).toString('hex')}-AMS`;
    headers.host = publicHost;
    headers['cf-connecting-ip'] = CLIENT_IP;
    headers['cf-ipcountry'] = 'NL';
    headers['cf-ray'] = ray;
    headers['cf-visitor'] = '{"scheme":"https"}';
    headers['cf-warp-tag-id'] = '00000000-0000-4000-8000-000000000000';
    headers['cloudflare-cdn-loop'] = 'cloudflare; loops=1';
    headers['x-forwarded-for'] = req.headers['x-forwarded-for']
      ? `${req.headers['x-forwarded-for']}, ${CLIENT_IP}`
      : CLIENT_IP;
    headers['x-forwarded-proto'] = 'https';
    const upstream = request(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
        // cloudflared dials every address of "localhost" (::1, 127.0.0.1) until one answers.
        autoSelectFamily: true,
        // An https origin's certificate is verified unless --no-tls-verify (as cloudflared does).
        rejectUnauthorized: !noTlsVerify,
      },
      (upstreamRes) => {
        const responseHeaders = {};
        for (const [name, value] of Object.entries(upstreamRes.headers)) {
          if (!HOP_BY_HOP.has(name)) responseHeaders[name] = value;
        }
        responseHeaders['cf-ray'] = ray;
        responseHeaders.server = 'cloudflare';
        res.writeHead(upstreamRes.statusCode ?? 502, responseHeaders);
        res.flushHeaders(); // streamed responses (SSE) reach the client as they are produced
        upstreamRes.pipe(res);
        upstreamRes.on('error', () => res.destroy());
      },
    );
    upstream.on('error', (error) => {
      log(
        'ERR',
        ` error="Unable to reach the origin service. The service may be down or it may not be responding to traffic from cloudflared: ${error.message}" cfRay=${ray} event=1 ingressRule=0 originService=${target.origin}`,
      );
      if (res.headersSent) res.destroy();
      else res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
}

function main() {
  const parsed = parseArgs(process.argv.slice(2));
  if (!parsed) return;
  const { target, protocol, noTlsVerify } = parsed;

  log(
    'INF',
    'Thank you for trying Cloudflare Tunnel. Doing so, without a Cloudflare account, is a quick way to experiment and try it out. However, be aware that these account-less Tunnels have no uptime guarantee, are subject to the Cloudflare Online Services Terms of Use (https://www.cloudflare.com/website-terms/), and Cloudflare reserves the right to investigate your use of Tunnels for violations of such terms. If you intend to use Tunnels in production you should use a pre-created named tunnel by following: https://developers.cloudflare.com/cloudflare-one/connections/connect-apps',
  );
  log('INF', 'Requesting new quick Tunnel on trycloudflare.com...');

  if (process.env.FAKE_CLOUDFLARED_FAIL_START === '1') {
    log(
      'ERR',
      'failed to request quick Tunnel: Post "https://api.trycloudflare.com/tunnel": dial tcp: lookup api.trycloudflare.com: no such host',
    );
    exitAfterFlush(1);
    return;
  }

  const words = Array.from({ length: 4 }, () => WORDS[randomInt(WORDS.length)]);
  const publicUrl = `https://${words.join('-')}.trycloudflare.com`;
  const server = createTunnelProxy(target, new URL(publicUrl).host, noTlsVerify);

  server.listen(0, '127.0.0.1', () => {
    const proxyPort = server.address().port;
    const noUrl = process.env.FAKE_CLOUDFLARED_NO_URL === '1';
    if (process.env.FAKE_CLOUDFLARED_STATE_FILE) {
      const state = { pid: process.pid, ...(noUrl ? {} : { url: publicUrl }), proxyPort };
      writeFileSync(process.env.FAKE_CLOUDFLARED_STATE_FILE, JSON.stringify(state));
    }
    if (!noUrl) printBanner(publicUrl);
    log('INF', `fake-cloudflared proxy listening on 127.0.0.1:${proxyPort}`);
    log('INF', `Version ${VERSION}`);
    log('INF', `GOOS: ${process.platform}, GOVersion: go1.22.2, GoArch: ${process.arch}`);
    log(
      'INF',
      `Settings: map[ha-connections:1 no-autoupdate:true protocol:${protocol} url:${target.origin}]`,
    );
    log('INF', `Generated Connector ID: ${randomUuid()}`);
    log('INF', `Initial protocol ${protocol}`);
    log('INF', 'Starting metrics server on 127.0.0.1:20241/metrics');
    if (!noUrl) {
      log(
        'INF',
        `Registered tunnel connection connIndex=0 connection=${randomUuid()} event=0 ip=198.41.200.193 location=ams01 protocol=${protocol}`,
      );
    }
  });

  const shutdown = (signalName) => {
    log('INF', `Initiating graceful shutdown due to signal ${signalName} ...`);
    server.closeAllConnections();
    server.close(() => {
      log('INF', 'Tunnel server stopped');
      log('INF', 'Metrics server stopped');
      exitAfterFlush(0);
    });
    setTimeout(() => exitAfterFlush(0), 500).unref();
  };
  process.on('SIGTERM', () => shutdown('terminated'));
  process.on('SIGINT', () => shutdown('interrupt'));

  const crashAfter = process.env.FAKE_CLOUDFLARED_CRASH_AFTER_MS;
  if (crashAfter !== undefined && crashAfter !== '') {
    setTimeout(() => {
      log(
        'ERR',
        'Serve tunnel error error="connection with edge closed" connIndex=0 event=0 ip=198.41.200.193 (fake-cloudflared crash requested by FAKE_CLOUDFLARED_CRASH_AFTER_MS)',
      );
      exitAfterFlush(1);
    }, Number(crashAfter));
  }
}

main();
