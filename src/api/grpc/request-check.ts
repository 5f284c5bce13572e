/**
 * Places where connect-es mishandles a client's request, closed before the library sees it
 * (grpc.md: a bad request is never INTERNAL or UNKNOWN; the HTTP port never answers 500 for one):
 *
 * - A request message that does not decode ("parse binary: ...", a compressed flag without an
 *   encoding, some zlib failures) is INTERNAL in connect-es; JSON that does not decode is
 *   INVALID_ARGUMENT, but its message quotes the bad value, and a lone surrogate in it makes the
 *   grpc-message encoding throw, leaving the call without a status. For unary RPCs both are
 *   raised before any interceptor runs, so the error interceptor cannot translate them.
 *   `checkRequestMessages` puts a check in front of every handler: the body flows through
 *   unchanged, but each message is decompressed and decoded exactly as the library will, before
 *   the library receives its last byte. One that fails ends the body with INVALID_ARGUMENT (its
 *   message made wire-safe by toConnectError), which gRPC, gRPC-Web and Connect each report in
 *   their own format. A body the library stops reading early (an envelope above the size
 *   limit) is read to its end and dropped: connect-node abandons it, which stalled the HTTP/1.1
 *   connection until the keep-alive timeout.
 * - connect-node builds a URL from the request's authority outside any handler and throws
 *   synchronously when there is none or it is not a host name (HTTP/1.0 without Host, `Host: [`):
 *   an uncaught exception, the end of the daemon. `requireAuthority` refuses those requests first.
 * - A deadline beyond Node's longest timer (about 24.8 days; `grpc-timeout: 99999999H`) becomes a
 *   1 ms timer, so the call fails at once with DEADLINE_EXCEEDED and Node prints a
 *   TimeoutOverflowWarning for each. Such a deadline is dropped: weeks away is no deadline.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { fromBinary, fromJsonString, type DescMessage } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter } from '@connectrpc/connect';
import { compressionBrotli, compressionGzip } from '@connectrpc/connect-node';
import type {
  Compression,
  UniversalHandler,
  UniversalServerRequest,
} from '@connectrpc/connect/protocol';
import {
  parseContentType as connectContentType,
  parseTimeout as parseConnectTimeout,
} from '@connectrpc/connect/protocol-connect';
import {
  parseContentType as grpcContentType,
  parseTimeout as parseGrpcTimeout,
} from '@connectrpc/connect/protocol-grpc';
import { parseContentType as grpcWebContentType } from '@connectrpc/connect/protocol-grpc-web';
import { DaemonError } from '../../shared/index.js';
import { toConnectError } from './grpc-status.js';

/** What connectNodeAdapter accepts when it is not told otherwise (we do not tell it). */
const COMPRESSIONS: readonly Compression[] = [compressionGzip, compressionBrotli];

/** Node's longest timer; a longer one fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const ENVELOPE_HEADER_BYTES = 5;
const COMPRESSED_FLAG = 0b1;

/**
 * Wraps every handler registered so far on `router` (its paths are read by the adapter once
 * `routes` returns, so handlers replaced here are the ones served).
 */
export function checkRequestMessages(router: ConnectRouter, readMaxBytes: number): void {
  const handlers = router.handlers;
  for (const [index, handler] of handlers.entries())
    handlers[index] = checkedHandler(handler, readMaxBytes);
}

interface Framing {
  /** Messages in 5-byte-prefixed envelopes (gRPC, gRPC-Web, Connect streams). */
  enveloped: boolean;
  binary: boolean;
  encodingHeader: string;
}

function framingOf(contentType: string | null): Framing | undefined {
  const grpc = grpcContentType(contentType);
  if (grpc) return { enveloped: true, binary: grpc.binary, encodingHeader: 'grpc-encoding' };
  const web = grpcWebContentType(contentType);
  // grpc-web-text is refused by the library (415) before it reads a byte.
  if (web && !web.text)
    return { enveloped: true, binary: web.binary, encodingHeader: 'grpc-encoding' };
  const connect = connectContentType(contentType);
  if (!connect) return undefined;
  return connect.stream
    ? { enveloped: true, binary: connect.binary, encodingHeader: 'connect-content-encoding' }
    : { enveloped: false, binary: connect.binary, encodingHeader: 'content-encoding' };
}

function checkedHandler(handler: UniversalHandler, readMaxBytes: number): UniversalHandler {
  const checked = (original: UniversalServerRequest) => {
    const request = withoutEndlessDeadline(original);
    const framing =
      request.method === 'POST' ? framingOf(request.header.get('content-type')) : undefined;
    const body = request.body;
    if (!framing || !isByteStream(body)) return handler(request);
    const encoding = request.header.get(framing.encodingHeader);
    const compression =
      encoding === null || encoding === 'identity'
        ? undefined
        : COMPRESSIONS.find((c) => c.name === encoding);
    // An encoding the server does not know: the library refuses it before reading the body.
    if (encoding !== null && encoding !== 'identity' && !compression) return handler(request);
    const check = (data: Uint8Array, compressed: boolean) =>
      checkMessage(handler.method.input, data, compressed, compression, framing, readMaxBytes);
    return handler({
      ...request,
      body: framing.enveloped
        ? checkedEnvelopes(body, check, readMaxBytes)
        : checkedWhole(body, check, compression !== undefined, readMaxBytes),
    });
  };
  return Object.assign(checked, handler);
}

function withoutEndlessDeadline(request: UniversalServerRequest): UniversalServerRequest {
  let header: Headers | undefined;
  for (const [name, parse] of [
    ['grpc-timeout', parseGrpcTimeout],
    ['connect-timeout-ms', parseConnectTimeout],
  ] as const) {
    const { timeoutMs } = parse(request.header.get(name), Number.MAX_SAFE_INTEGER);
    if (timeoutMs !== undefined && timeoutMs > MAX_TIMER_MS) {
      header ??= new Headers(request.header);
      header.delete(name);
    }
  }
  return header ? { ...request, header } : request;
}

function isByteStream(body: UniversalServerRequest['body']): body is AsyncIterable<Uint8Array> {
  return typeof body === 'object' && body !== null && Symbol.asyncIterator in body;
}

async function checkMessage(
  input: DescMessage,
  data: Uint8Array,
  compressed: boolean,
  compression: Compression | undefined,
  framing: Framing,
  readMaxBytes: number,
): Promise<void> {
  let message = data;
  if (compressed) {
    if (!compression) {
      throw invalid(`the message is compressed but the request names no ${framing.encodingHeader}`);
    }
    try {
      message = await compression.decompress(data, readMaxBytes);
    } catch (error) {
      const failure = ConnectError.from(error);
      if (failure.code === Code.ResourceExhausted) throw failure;
      throw invalid(`the ${compression.name} message does not decompress (${failure.rawMessage})`);
    }
  }
  // A message above the limit the library refuses (RESOURCE_EXHAUSTED).
  if (message.byteLength > readMaxBytes) return;
  try {
    // As the library decodes (connect-es ignores unknown JSON fields).
    if (framing.binary) fromBinary(input, message);
    else fromJsonString(input, new TextDecoder().decode(message), { ignoreUnknownFields: true });
  } catch (error) {
    // The library's own words, but its JSON errors quote the offending value: any length, lone
    // surrogates included, which toConnectError makes safe for the grpc-message trailer.
    throw invalid(`the message is not a valid ${input.typeName}: ${(error as Error).message}`);
  }
}

function invalid(why: string): ConnectError {
  return toConnectError(new DaemonError('invalid_argument', `invalid request: ${why}`));
}

/**
 * The body as it arrives, each envelope checked before the chunk that completes it is passed on
 * (the library decodes an envelope as soon as it is complete).
 */
export function checkedEnvelopes(
  body: AsyncIterable<Uint8Array>,
  check: (data: Uint8Array, compressed: boolean) => Promise<void>,
  readMaxBytes: number,
): AsyncGenerator<Uint8Array> {
  // Chunks are kept in a list and joined only when an envelope is complete (or to read a
  // header), so a message sent in tiny frames costs linear time, not quadratic.
  let parts: Uint8Array[] = [];
  let size = 0;
  /** The current envelope's total size (header + message), once its header is known. */
  let needed: number | undefined;
  let checking = true;
  const take = (count: number): Uint8Array => {
    const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    const taken = all.subarray(0, count);
    const rest = all.subarray(count);
    parts = rest.byteLength > 0 ? [rest] : [];
    size = rest.byteLength;
    return taken;
  };
  const peekHeader = (): Uint8Array => {
    const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    parts = [all];
    return all.subarray(0, ENVELOPE_HEADER_BYTES);
  };
  return passedOn(body, async (chunk) => {
    if (!checking) return;
    parts.push(chunk);
    size += chunk.byteLength;
    for (;;) {
      if (needed === undefined) {
        if (size < ENVELOPE_HEADER_BYTES) return;
        const header = peekHeader();
        const length = new DataView(
          header.buffer,
          header.byteOffset,
          ENVELOPE_HEADER_BYTES,
        ).getUint32(1);
        if (length > readMaxBytes) {
          // The library refuses this envelope (RESOURCE_EXHAUSTED) from its header alone.
          checking = false;
          parts = [];
          return;
        }
        needed = ENVELOPE_HEADER_BYTES + length;
      }
      if (size < needed) return;
      const envelope = take(needed);
      needed = undefined;
      await check(envelope.subarray(ENVELOPE_HEADER_BYTES), (envelope[0]! & COMPRESSED_FLAG) !== 0);
    }
  });
}

/** A bare message (Connect unary): checked once the body is complete, before it ends. */
function checkedWhole(
  body: AsyncIterable<Uint8Array>,
  check: (data: Uint8Array, compressed: boolean) => Promise<void>,
  compressed: boolean,
  readMaxBytes: number,
): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = [];
  let size = 0;
  return passedOn(
    body,
    (chunk) => {
      size += chunk.byteLength;
      // Above the limit the library refuses the body; nothing to keep for the check.
      if (size > readMaxBytes) parts = [];
      else parts.push(chunk);
      return Promise.resolve();
    },
    () => (size <= readMaxBytes ? check(Buffer.concat(parts), compressed) : Promise.resolve()),
  );
}

/**
 * Most a refused request may still send after the answer; read and dropped so that an HTTP/1.1
 * connection can carry the next request (connect-node abandons the body, which left the
 * connection stalled until the keep-alive timeout).
 */
const DRAIN_MAX_BYTES = 8 * 1024 * 1024;

/**
 * `body` chunk by chunk, each shown to `inspect` before it is passed on, `finish` run before the
 * end. A reader that stops early (the library refusing a message) leaves the rest to `drain`.
 */
async function* passedOn(
  body: AsyncIterable<Uint8Array>,
  inspect: (chunk: Uint8Array) => Promise<void>,
  finish: () => Promise<void> = () => Promise.resolve(),
): AsyncGenerator<Uint8Array> {
  const source = body[Symbol.asyncIterator]();
  let ended = false;
  try {
    for (;;) {
      const next = await source.next();
      if (next.done === true) break;
      await inspect(next.value);
      yield next.value;
    }
    ended = true;
  } finally {
    if (!ended) void drain(source);
  }
  await finish();
}

async function drain(source: AsyncIterator<Uint8Array>): Promise<void> {
  let dropped = 0;
  try {
    while (dropped <= DRAIN_MAX_BYTES) {
      const next = await source.next();
      if (next.done === true) return;
      dropped += next.value.byteLength;
    }
    // Too much: give up on the connection as the library would.
    await source.return?.();
  } catch {
    // the client went away
  }
}

type NodeRequest = IncomingMessage | Http2ServerRequest;
type NodeResponse = ServerResponse | Http2ServerResponse;

/**
 * `handler` for requests whose authority connect-node can make a URL of; the others are refused
 * with INVALID_ARGUMENT in the protocol the request speaks (gRPC and gRPC-Web: a trailers-only
 * status; Connect: its JSON error with 400).
 */
export function requireAuthority<Req extends NodeRequest, Res extends NodeResponse>(
  handler: (req: Req, res: Res) => void,
): (req: Req, res: Res) => void {
  return (req, res) => {
    if (hasUsableAuthority(req)) {
      handler(req, res);
      return;
    }
    const message = 'invalid request: the Host (or :authority) header is missing or not a host';
    const response = res as ServerResponse;
    if (/^application\/grpc/i.test(req.headers['content-type'] ?? '')) {
      response.writeHead(200, {
        'content-type': req.headers['content-type'],
        'grpc-status': String(Code.InvalidArgument),
        'grpc-message': encodeURIComponent(message),
      });
      response.end();
      return;
    }
    const body = JSON.stringify({ code: 'invalid_argument', message });
    response.writeHead(400, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  };
}

/** connect-node's own derivation (universalRequestFromNodeRequest), without its throw. */
function hasUsableAuthority(req: NodeRequest): boolean {
  const authority = 'authority' in req ? req.authority : req.headers.host;
  if (authority === undefined) return false;
  try {
    new URL(req.url ?? '', `http://${authority}`);
    return true;
  } catch {
    return false;
  }
}
