/**
 * Health probes against an instance's port: http (2xx/3xx), tcp (accepts a connection) and grpc
 * (grpc.health.v1.Health/Check answers SERVING). Built on node:http, node:net and node:http2 so
 * the daemon loads no gRPC library for them. A probe never throws: it resolves with ok/detail.
 * node:https and node:http2 are loaded on first use: a daemon that never needs them saves ~3 MB.
 */
import { request as httpRequest } from 'node:http';
import { connect as netConnect } from 'node:net';
import type { HealthCheckConfig } from '../../config/index.js';

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

export type Probe = (check: HealthCheckConfig, port: number) => Promise<ProbeResult>;

export const runProbe: Probe = (check, port) => {
  switch (check.type) {
    case 'http':
      return probeHttp(httpUrl(check.endpoint ?? '/health', port), check.timeout);
    case 'tcp':
      return probeTcp(port, check.timeout);
    case 'grpc':
      return probeGrpc(port, check.endpoint ?? '', check.timeout);
    case 'none':
      return Promise.resolve({ ok: true, detail: 'no health check' });
  }
};

export function httpUrl(endpoint: string, port: number): string {
  if (/^https?:\/\//.test(endpoint)) return endpoint;
  return `http://127.0.0.1:${port}${endpoint.startsWith('/') ? '' : '/'}${endpoint}`;
}

export async function probeHttp(url: string, timeoutMs: number): Promise<ProbeResult> {
  const send = url.startsWith('https:') ? (await import('node:https')).request : httpRequest;
  return new Promise((resolve) => {
    const request = send(
      url,
      {
        method: 'GET',
        agent: false,
        timeout: timeoutMs,
        headers: { 'user-agent': 'gowinproc-health' },
        rejectUnauthorized: false,
      },
      (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        resolve({ ok: status >= 200 && status < 400, detail: `GET ${url} -> ${status}` });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs}ms`)));
    request.on('error', (error) =>
      resolve({ ok: false, detail: `GET ${url}: ${describeError(error)}` }),
    );
    request.end();
  });
}

export function probeTcp(port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port });
    const done = (result: ProbeResult): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () =>
      done({ ok: false, detail: `tcp 127.0.0.1:${port}: no answer within ${timeoutMs}ms` }),
    );
    socket.once('connect', () => done({ ok: true, detail: `tcp 127.0.0.1:${port} accepted` }));
    socket.once('error', (error) =>
      done({ ok: false, detail: `tcp 127.0.0.1:${port}: ${describeError(error)}` }),
    );
  });
}

const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** grpc.health.v1.Health/Check over h2c with a hand-encoded HealthCheckRequest{service}. */
export async function probeGrpc(
  port: number,
  service: string,
  timeoutMs: number,
): Promise<ProbeResult> {
  const { connect: http2Connect, constants: h2 } = await import('node:http2');
  return new Promise((resolve) => {
    const target = `127.0.0.1:${port}`;
    const session = http2Connect(`http://${target}`);
    let settled = false;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => finish({ ok: false, detail: `grpc ${target}: no answer within ${timeoutMs}ms` }),
      timeoutMs,
    );
    session.on('error', (error) =>
      finish({ ok: false, detail: `grpc ${target}: ${describeError(error)}` }),
    );
    const stream = session.request({
      [h2.HTTP2_HEADER_METHOD]: 'POST',
      [h2.HTTP2_HEADER_PATH]: '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    const readStatus = (headers: Record<string, unknown>): void => {
      if (headers['grpc-status'] !== undefined) grpcStatus = String(headers['grpc-status']);
      if (headers['grpc-message'] !== undefined)
        grpcMessage = decodeURIComponent(String(headers['grpc-message']));
    };
    stream.on('response', readStatus);
    stream.on('trailers', readStatus);
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', (error) =>
      finish({ ok: false, detail: `grpc ${target}: ${describeError(error)}` }),
    );
    stream.on('end', () => {
      if (grpcStatus !== '0') {
        finish({
          ok: false,
          detail: `grpc ${target}: status ${grpcStatus ?? 'missing'}${grpcMessage ? ` (${grpcMessage})` : ''}`,
        });
        return;
      }
      const status = decodeHealthResponse(Buffer.concat(chunks));
      finish({
        ok: status === 1,
        detail: `grpc ${target}: ${SERVING_STATUS[status] ?? `status ${status}`}`,
      });
    });
    stream.end(encodeHealthRequest(service));
  });
}

/** gRPC length-prefixed HealthCheckRequest: field 1 (service), string. */
export function encodeHealthRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  const body =
    name.length === 0
      ? Buffer.alloc(0)
      : Buffer.concat([Buffer.from([0x0a]), varint(name.length), name]);
  const frame = Buffer.alloc(5);
  frame.writeUInt32BE(body.length, 1);
  return Buffer.concat([frame, body]);
}

/** Reads HealthCheckResponse.status (field 1, enum) from a length-prefixed message; 0 if absent. */
export function decodeHealthResponse(frame: Buffer): number {
  if (frame.length < 5) return 0;
  const body = frame.subarray(5, 5 + frame.readUInt32BE(1));
  let offset = 0;
  while (offset < body.length) {
    const [key, afterKey] = readVarint(body, offset);
    const field = key >> 3;
    const wire = key & 7;
    if (wire === 0) {
      const [value, next] = readVarint(body, afterKey);
      if (field === 1) return value;
      offset = next;
    } else if (wire === 2) {
      const [length, next] = readVarint(body, afterKey);
      offset = next + length;
    } else {
      return 0;
    }
  }
  return 0;
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let value = n;
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return Buffer.from(bytes);
}

function readVarint(buffer: Buffer, start: number): [number, number] {
  let result = 0;
  let shift = 0;
  let offset = start;
  while (offset < buffer.length) {
    const byte = buffer[offset++]!;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  return [result, offset];
}

/** Turns socket errors into plain words; http2 wraps the socket's error in its `cause`. */
function describeError(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET') return 'connection reset';
  if (code === 'ETIMEDOUT') return 'connection timed out';
  return error instanceof Error ? error.message : String(error);
}
