/**
 * The bench's load tool (bench/load/): its histogram maths, its hand-written echo protobuf, and
 * runLoad() against a real echo fixture: every measured call is counted once under its status,
 * in closed and open loop, in one thread and in worker threads. Nothing here checks a speed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { decodeEchoReply, encodeEchoRequest } from '../../bench/load/echo-codec.mjs';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  latencySummary,
  mergeInto,
  recordMs,
} from '../../bench/load/histogram.mjs';
import {
  normalizeOptions,
  runLoad,
  STATUS_NAMES,
  type LoadReport,
} from '../../bench/load/load-generator.mjs';
import { LineCollector } from '../helpers/lines.js';
import { fixture } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

/** An echo fixture on a free port, stopped when the test ends; resolves "127.0.0.1:<port>". */
async function echoServer(instanceId: string): Promise<string> {
  const child: ChildProcess = spawn(process.execPath, [fixture('echo-service.mjs')], {
    env: { ...process.env, PORT: '0', INSTANCE_ID: instanceId },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  const stdout = new LineCollector(child.stdout!);
  const stderr = new LineCollector(child.stderr!);
  await waitFor(() =>
    child.exitCode !== null ? `exited: ${stderr.lines.join(' ')}` : stdout.has(/^ready \d+$/),
  );
  const line = stdout.lines.find((l) => /^ready \d+$/.test(l))!;
  return `127.0.0.1:${line.split(' ')[1]}`;
}

/** The invariants every report keeps, whatever the load. */
function expectConsistent(report: LoadReport): void {
  const byStatusTotal = Object.values(report.byStatus).reduce((a, b) => a + b, 0);
  expect(byStatusTotal).toBe(report.sent);
  expect(report.completed).toBe(report.sent);
  expect(report.ok).toBe(report.byStatus['OK'] ?? 0);
  expect(report.errors).toBe(report.sent - report.ok);
  expect(report.latency.count).toBe(report.sent);
  for (const name of Object.keys(report.byStatus)) expect(STATUS_NAMES).toContain(name);
  expect(report.timeline.length).toBe(Math.ceil(report.windowMs / 1000));
}

describe('latency histogram', () => {
  it('gives percentiles within 0.1 % of the exact ones, in milliseconds', () => {
    const histogram = createHistogram();
    // 1..10000 µs steps of 0.1 ms: 0.1 ms .. 1000 ms.
    for (let i = 1; i <= 10_000; i++) recordMs(histogram, i / 10);
    const summary = latencySummary(histogram);
    expect(summary.count).toBe(10_000);
    const near = (value: number | null, exact: number): void => {
      expect(value).not.toBeNull();
      expect(Math.abs(value! - exact) / exact).toBeLessThanOrEqual(0.001);
    };
    near(summary.p50, 500);
    near(summary.p90, 900);
    near(summary.p99, 990);
    near(summary.p999, 999);
    near(summary.max, 1000);
    near(summary.mean, 500.05);
  });

  it('keeps sub-millisecond and minute-long values, and says null when empty', () => {
    expect(latencySummary(createHistogram())).toEqual({
      count: 0,
      mean: null,
      p50: null,
      p90: null,
      p99: null,
      p999: null,
      max: null,
    });
    const histogram = createHistogram();
    recordMs(histogram, 0.05);
    recordMs(histogram, 0); // rounds up to the 1 µs floor
    recordMs(histogram, 120_000); // beyond the initial 1 min range: the histogram grows
    const summary = latencySummary(histogram);
    expect(summary.count).toBe(3);
    expect(summary.p50).toBeCloseTo(0.05, 3);
    expect(summary.max! / 120_000).toBeCloseTo(1, 2);
  });

  it('merges and survives encoding (how worker threads hand theirs over)', () => {
    const a = createHistogram();
    const b = createHistogram();
    for (let i = 0; i < 1000; i++) recordMs(a, 1);
    for (let i = 0; i < 1000; i++) recordMs(b, 3);
    const merged = mergeInto(createHistogram(), decodeHistogram(encodeHistogram(a)));
    mergeInto(merged, decodeHistogram(encodeHistogram(b)));
    const summary = latencySummary(merged);
    expect(summary.count).toBe(2000);
    expect(summary.p50).toBeCloseTo(1, 2);
    expect(summary.p90).toBeCloseTo(3, 2);
    // A decoded histogram still takes values far above its own.
    const decoded = decodeHistogram(encodeHistogram(a));
    recordMs(decoded, 100_000);
    expect(latencySummary(decoded).count).toBe(1001);
  });
});

describe('echo protobuf codec', () => {
  it('encodes an EchoRequest as protobuf does, zero fields left out', () => {
    expect([...encodeEchoRequest({ payload: 'ab', burn_ms: 3 })]).toEqual([
      0x0a, 0x02, 0x61, 0x62, 0x18, 0x03,
    ]);
    expect(encodeEchoRequest({}).length).toBe(0);
    expect([...encodeEchoRequest({ delay_ms: 300, fail_code: 14, fail_message: 'é' })]).toEqual([
      0x10, 0xac, 0x02, 0x20, 0x0e, 0x2a, 0x02, 0xc3, 0xa9,
    ]);
    expect(encodeEchoRequest({ payload: 1000 }).length).toBe(1003);
    expect(() => encodeEchoRequest({ burn_ms: 1.5 })).toThrow(/burn_ms/);
  });

  it('reads served_by, the payload length and received from an EchoReply', () => {
    // payload "xyz", served_by "i-7", received 300, plus an unknown fixed32 field 9
    const reply = Buffer.from([
      0x0a, 0x03, 0x78, 0x79, 0x7a, 0x12, 0x03, 0x69, 0x2d, 0x37, 0x18, 0xac, 0x02, 0x4d, 1, 2, 3,
      4,
    ]);
    expect(decodeEchoReply(reply)).toEqual({ payloadLength: 3, servedBy: 'i-7', received: 300 });
    expect(decodeEchoReply(Buffer.alloc(0))).toEqual({
      payloadLength: 0,
      servedBy: '',
      received: 0,
    });
    expect(() => decodeEchoReply(Buffer.from([0x12, 0x05, 0x61]))).toThrow(/truncated/);
  });
});

describe('runLoad against the echo fixture', () => {
  it('closed loop: counts add up and replies are counted by served_by', async () => {
    const target = await echoServer('solo');
    const report = await runLoad({
      target,
      concurrency: 4,
      durationMs: 700,
      warmupMs: 300,
      trackServedBy: true,
      request: { payload: 64 },
    });
    expectConsistent(report);
    expect(report.sent).toBeGreaterThan(0);
    expect(report.byStatus).toEqual({ OK: report.sent });
    expect(report.channels).toBe(1);
    expect(report.windowMs).toBeCloseTo(700, 6);
    // Warm-up replies are counted too, with a negative time.
    expect(report.servedBy?.['solo']?.count).toBeGreaterThanOrEqual(report.ok);
    expect(report.servedBy?.['solo']?.firstMs).toBeLessThan(0);
    expect(Object.keys(report.servedBy ?? {})).toEqual(['solo']);
  });

  it('counts every status: the fixture failing on demand, and deadlines', async () => {
    const target = await echoServer('failing');
    const unavailable = await runLoad({
      target,
      concurrency: 2,
      durationMs: 300,
      request: { fail_code: 14, fail_message: 'asked to fail' },
    });
    expectConsistent(unavailable);
    expect(unavailable.sent).toBeGreaterThan(0);
    expect(unavailable.byStatus).toEqual({ UNAVAILABLE: unavailable.sent });
    expect(unavailable.okThroughput).toBe(0);

    const hanging = await runLoad({
      target,
      method: '/fixture.echo.Echo/Hang',
      concurrency: 3,
      durationMs: 300,
      deadlineMs: 50,
    });
    expectConsistent(hanging);
    expect(hanging.sent).toBeGreaterThanOrEqual(3);
    expect(hanging.byStatus).toEqual({ DEADLINE_EXCEEDED: hanging.sent });
    // Timed by two different clocks (the deadline's and the tool's): a little slack.
    expect(hanging.latency.p50).toBeGreaterThanOrEqual(45);

    const unknown = await runLoad({
      target,
      method: '/fixture.echo.Echo/Nope',
      concurrency: 1,
      durationMs: 200,
    });
    expectConsistent(unknown);
    expect(unknown.byStatus).toEqual({ UNIMPLEMENTED: unknown.sent });
  });

  it('open loop: sends exactly rate x window calls; calls still in flight are cancelled after the drain', async () => {
    const target = await echoServer('open');
    const report = await runLoad({ target, rate: 200, durationMs: 1000, warmupMs: 200 });
    expectConsistent(report);
    expect(report.mode).toBe('open');
    expect(report.sent).toBe(200);
    expect(report.byStatus).toEqual({ OK: 200 });

    const hanging = await runLoad({
      target,
      method: '/fixture.echo.Echo/Hang',
      rate: 50,
      durationMs: 200,
      drainMs: 100,
    });
    expectConsistent(hanging);
    expect(hanging.sent).toBe(10);
    expect(hanging.byStatus).toEqual({ CANCELLED: 10 });
  });

  it('open loop with a cap on calls in flight: late sends are timed from their intended time', async () => {
    const target = await echoServer('capped');
    const report = await runLoad({
      target,
      rate: 100,
      concurrency: 1,
      durationMs: 300,
      request: { delay_ms: 40 },
    });
    expectConsistent(report);
    expect(report.sent + report.dropped).toBe(30);
    expect(report.byStatus).toEqual({ OK: report.sent });
    // One call at a time, each 40 ms, while one is due every 10 ms: the queue grows, and the
    // last calls wait far longer than the 40 ms the server takes.
    expect(report.latency.max!).toBeGreaterThan(100);
  });

  it('worker threads: the shares add up to the same counts', async () => {
    const target = await echoServer('threads');
    const report = await runLoad({
      target,
      concurrency: 4,
      workers: 2,
      durationMs: 500,
      warmupMs: 100,
      trackServedBy: true,
    });
    expectConsistent(report);
    expect(report.workers).toBe(2);
    expect(report.channels).toBe(2);
    expect(report.sent).toBeGreaterThan(0);
    expect(report.byStatus).toEqual({ OK: report.sent });
    expect(report.servedBy?.['threads']?.count).toBeGreaterThanOrEqual(report.ok);

    const open = await runLoad({ target, rate: 100, workers: 2, durationMs: 500 });
    expectConsistent(open);
    expect(open.sent).toBe(50);
  });

  it('an AbortSignal ends the window early, and onReply sees each reply', async () => {
    const target = await echoServer('abort');
    const controller = new AbortController();
    let replies = 0;
    const servers = new Set<string>();
    const report = await runLoad({
      target,
      concurrency: 2,
      durationMs: 60_000,
      onReply: (servedBy) => {
        servers.add(servedBy);
        if (++replies === 50) controller.abort();
      },
      signal: controller.signal,
    });
    expectConsistent(report);
    expect(report.windowMs).toBeLessThan(60_000);
    expect(report.ok).toBeGreaterThanOrEqual(50);
    expect(replies).toBeGreaterThanOrEqual(report.ok);
    expect([...servers]).toEqual(['abort']);
  });

  it('refuses bad options before connecting, and says when it cannot connect', async () => {
    expect(() => normalizeOptions({ target: 'nohost', durationMs: 1 })).toThrow(/host:port/);
    expect(() => normalizeOptions({ target: 'a:1', durationMs: 1, mode: 'open' })).toThrow(
      /needs a rate/,
    );
    expect(() =>
      normalizeOptions({ target: 'a:1', durationMs: 1, mode: 'closed', rate: 5 }),
    ).toThrow(/open loop only/);
    expect(() => normalizeOptions({ target: 'a:1', durationMs: 0 })).toThrow(/durationMs/);
    expect(() =>
      normalizeOptions({ target: 'a:1', durationMs: 1, workers: 3, concurrency: 2 }),
    ).toThrow(/workers/);
    expect(() => normalizeOptions({ target: 'a:1', durationMs: 1, method: 'Echo/Unary' })).toThrow(
      /method/,
    );
    // Port 1 on loopback: nothing listens there.
    await expect(
      runLoad({ target: '127.0.0.1:1', durationMs: 100, connectTimeoutMs: 300 }),
    ).rejects.toThrow(/cannot connect to 127\.0\.0\.1:1/);
  });
});
