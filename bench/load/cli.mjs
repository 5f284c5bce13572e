#!/usr/bin/env node
/**
 * The load tool from a shell:
 *   node bench/load/cli.mjs --target 127.0.0.1:6000 --concurrency 32 --duration 10s [--rate 500]
 * Prints a summary and the per-second timeline (or the whole report as JSON with --json).
 * Exit code 0 when every measured call answered OK, 1 when some did not, 2 on a usage error.
 */
import { parseArgs } from 'node:util';
import { ECHO_UNARY, normalizeOptions, runLoad } from './load-generator.mjs';

const USAGE = `usage: node bench/load/cli.mjs --target HOST:PORT [options]
  --target HOST:PORT    the gRPC server (h2c)
  --method PATH         /package.Service/Method of a unary method (default ${ECHO_UNARY})
  --concurrency N       closed loop: callers (default 1); open loop: most calls in flight (default no limit)
  --rate R              open loop: R calls per second whatever the answers (latency from the intended send time)
  --duration D          measured window (default 10s); D is 500ms, 10s, 2m, or seconds
  --warmup D            load before the window, not measured (default 2s)
  --deadline D          per-call deadline (default none)
  --channels N          HTTP/2 connections (default 1 per 32 callers)
  --workers N           client threads (default 1)
  --payload BYTES       EchoRequest.payload size (default 0)
  --burn-ms N           EchoRequest.burn_ms: the echo fixture spins the CPU N ms per call
  --delay-ms N          EchoRequest.delay_ms: the echo fixture waits N ms before answering
  --fail-code N         EchoRequest.fail_code: the echo fixture answers with this status
  --request-hex HEX     the serialized request message itself (for a method other than the echo's)
  --served-by           count replies by EchoReply.served_by
  --json                print the whole report as JSON
  -h, --help            this text`;

/** Milliseconds of "500ms", "10s", "2m" or a bare number of seconds. */
function parseDuration(text, name) {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(String(text).trim());
  if (!match) throw new Error(`--${name} must be a duration such as 500ms, 10s or 2m, got ${text}`);
  const scale = { ms: 1, s: 1000, m: 60_000 }[match[2] ?? 's'];
  return Number(match[1]) * scale;
}

function wholeNumber(text, name) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--${name} must be a whole number, got ${text}`);
  return n;
}

function optionsFrom(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      target: { type: 'string' },
      method: { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string', default: '10s' },
      warmup: { type: 'string', default: '2s' },
      deadline: { type: 'string' },
      channels: { type: 'string' },
      workers: { type: 'string' },
      payload: { type: 'string' },
      'burn-ms': { type: 'string' },
      'delay-ms': { type: 'string' },
      'fail-code': { type: 'string' },
      'request-hex': { type: 'string' },
      'served-by': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return { help: true };
  if (!values.target) throw new Error('--target is required');
  const request = values['request-hex']
    ? Buffer.from(values['request-hex'], 'hex')
    : {
        payload: values.payload ? wholeNumber(values.payload, 'payload') : 0,
        burn_ms: values['burn-ms'] ? wholeNumber(values['burn-ms'], 'burn-ms') : 0,
        delay_ms: values['delay-ms'] ? wholeNumber(values['delay-ms'], 'delay-ms') : 0,
        fail_code: values['fail-code'] ? wholeNumber(values['fail-code'], 'fail-code') : 0,
      };
  const options = {
    target: values.target,
    request,
    durationMs: parseDuration(values.duration, 'duration'),
    warmupMs: parseDuration(values.warmup, 'warmup'),
    trackServedBy: values['served-by'],
  };
  if (values.method) options.method = values.method;
  if (values.concurrency) options.concurrency = Number(values.concurrency);
  if (values.rate) options.rate = Number(values.rate);
  if (values.deadline) options.deadlineMs = parseDuration(values.deadline, 'deadline');
  if (values.channels) options.channels = Number(values.channels);
  if (values.workers) options.workers = Number(values.workers);
  normalizeOptions(options); // throws on a bad combination before anything connects
  return { options, json: values.json };
}

const fixed = (value, digits = 2) => (value === null ? 'n/a' : value.toFixed(digits));

function summary(report) {
  const { latency } = report;
  const lines = [
    `${report.mode} loop against ${report.target} ${report.method}: ` +
      (report.mode === 'open'
        ? `${report.rate} calls/s${report.concurrency ? `, at most ${report.concurrency} in flight` : ''}`
        : `${report.concurrency} caller(s)`) +
      `, ${report.channels} channel(s), ${report.workers} thread(s)`,
    `window ${fixed(report.windowMs / 1000, 1)} s after ${fixed(report.warmupMs / 1000, 1)} s warm-up: ` +
      `sent ${report.sent}, ok ${report.ok}, errors ${report.errors}` +
      (report.dropped ? `, never sent ${report.dropped}` : ''),
    `status: ${Object.entries(report.byStatus)
      .map(([name, n]) => `${name} ${n}`)
      .join(', ')}`,
    `throughput ${fixed(report.throughput, 0)} calls/s (OK ${fixed(report.okThroughput, 0)}/s); ` +
      `client CPU ${fixed(report.clientCpuPercent, 0)} % of a core`,
    `latency ms: p50 ${fixed(latency.p50, 3)}  p90 ${fixed(latency.p90, 3)}  p99 ${fixed(latency.p99, 3)}  ` +
      `p99.9 ${fixed(latency.p999, 3)}  max ${fixed(latency.max, 3)}  mean ${fixed(latency.mean, 3)}`,
    '',
    'second   calls/s   non-OK   p99 ms',
    ...report.timeline.map(
      (s) =>
        `${String(s.second).padStart(6)}  ${fixed(s.rps, 0).padStart(8)}  ${String(s.nonOk).padStart(7)}  ${fixed(s.p99, 3).padStart(7)}`,
    ),
  ];
  if (report.servedBy) {
    lines.push('', 'served_by   replies   first (ms since the window started)');
    for (const [id, seen] of Object.entries(report.servedBy))
      lines.push(`${id.padEnd(10)}  ${String(seen.count).padStart(7)}   ${fixed(seen.firstMs, 0)}`);
  }
  return lines.join('\n');
}

async function main() {
  let parsed;
  try {
    parsed = optionsFrom(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const controller = new AbortController();
  // Ctrl+C ends the window early and still prints what was measured.
  process.once('SIGINT', () => controller.abort());
  let report;
  try {
    report = await runLoad({ ...parsed.options, signal: controller.signal });
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`${parsed.json ? JSON.stringify(report, null, 2) : summary(report)}\n`);
  process.exitCode = report.errors > 0 ? 1 : 0;
}

await main();
