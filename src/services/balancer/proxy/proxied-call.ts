/**
 * One client stream proxied to a backend stream. Phases:
 *
 *   routing ──▶ connecting ──▶ forwarding ──▶ responding ──▶ done
 *      ▲             │              │
 *      └─── retry ◀──┴──────────────┘   connect failure: the lease ends connectFailed, and the
 *                                       stream is routed again without that backend (3 attempts)
 *   any phase ──▶ done                  answered by the proxy, cancelled by the client, backend lost
 *
 * Request DATA waits in the client stream (paused) until the backend stream has an id, i.e. its
 * session is connected, so a refused connection loses no bytes. What was forwarded stays
 * referenced (up to REPLAY_LIMIT_BYTES, until the backend answers) so a stream the backend
 * refused unprocessed (REFUSED_STREAM, GOAWAY) can be replayed elsewhere.
 */
import http2, {
  type IncomingHttpHeaders,
  type IncomingHttpStatusHeader,
  type OutgoingHttpHeaders,
} from 'node:http2';
import type { BackendAddress, CallLease, RouteChoice, StreamRouter } from '../types.js';
import type { BackendSessions } from './backend-sessions.js';
import { responseHeadersForClient, trailersForClient } from './forward-headers.js';
import {
  GrpcStatus,
  grpcStatusFromHttpStatus,
  parseGrpcStatus,
  statusTrailers,
  trailersOnlyHeaders,
} from './grpc-status.js';
import {
  type BackendStream,
  type ClientStream,
  ignoreError,
  kCall,
  onBackendClose,
  onBackendData,
  onBackendDrain,
  onBackendEnd,
  onBackendError,
  onBackendReady,
  onBackendResponse,
  onBackendTrailers,
  onClientClose,
  onClientData,
  onClientDrain,
  onClientEnd,
  onClientWantTrailers,
} from './stream-listeners.js';

const { NGHTTP2_CANCEL, NGHTTP2_INTERNAL_ERROR, NGHTTP2_REFUSED_STREAM, NGHTTP2_FLAG_END_STREAM } =
  http2.constants;

/** Connection attempts per stream (the first backend and two others). */
export const MAX_ATTEMPTS = 3;
/** Request bytes kept for a replay; a bigger request is not retried once forwarded. */
export const REPLAY_LIMIT_BYTES = 256 << 10;

/** What a call needs from its proxy. */
export interface ProxyContext {
  readonly router: StreamRouter;
  readonly sessions: BackendSessions;
  readonly now: () => number;
  /** A problem seen while serving a call (a router bug): reported once per distinct message. */
  readonly warn: (message: string) => void;
  /** Called once per call when its client stream closed. */
  readonly callClosed: (call: ProxiedCall) => void;
}

type Phase = 'routing' | 'connecting' | 'forwarding' | 'responding' | 'done';

const NO_EXCLUSIONS: ReadonlySet<string> = new Set();

/** Errors of a session that cannot take a new stream; any other throw is the request's fault. */
const SESSION_GONE = new Set([
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_INVALID_SESSION',
  'ERR_HTTP2_OUT_OF_STREAMS',
]);

function errorCode(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const code = (error as NodeJS.ErrnoException).code;
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return code ?? error.message;
}

export class ProxiedCall {
  private phase: Phase = 'routing';
  private lease: CallLease | undefined;
  private backend: BackendStream | undefined;
  private backendError: unknown;
  private attempts = 0;
  /** The last failed attempt was a stream the backend refused unprocessed (it is alive). */
  private refusedLast = false;
  private exclude: Set<string> | undefined;
  private readonly startedAt: number;
  // Request side.
  private clientFlowing = false;
  private clientEnded = false;
  /** Request bytes read from the client so far. */
  private consumedBytes = 0;
  /** The request bytes read so far, while they may still be replayed. */
  private sent: Buffer[] | undefined = [];
  /** Some DATA or END_STREAM went to the current backend. */
  private reachedBackend = false;
  // Response side.
  private backendEnded = false;
  private trailers: OutgoingHttpHeaders | undefined;
  private status: number = GrpcStatus.UNKNOWN;

  constructor(
    private readonly context: ProxyContext,
    private readonly client: ClientStream,
    private readonly path: string,
    private readonly headers: OutgoingHttpHeaders,
  ) {
    this.startedAt = context.now();
    client[kCall] = this;
    client.on('error', ignoreError);
    client.on('close', onClientClose);
    client.on('end', onClientEnd);
    client.on('wantTrailers', onClientWantTrailers);
  }

  /**
   * Asks the router for a backend and opens the stream to it. On a retry, `failed` is the lease
   * of the attempt that failed: it is finished as handed on when another backend takes the call,
   * as the call's end otherwise (so the route counts the call once).
   */
  route(failed?: CallLease): void {
    let choice: RouteChoice;
    try {
      choice = this.context.router.route(this.path, this.exclude ?? NO_EXCLUSIONS);
    } catch (error) {
      this.context.warn(`router failed: ${(error as Error).message}`);
      this.lease = failed;
      return this.answer(GrpcStatus.INTERNAL, 'load balancer routing failed');
    }
    if (choice.kind !== 'backend') {
      this.lease = failed;
      if (choice.kind === 'no_route')
        return this.answer(GrpcStatus.UNIMPLEMENTED, `unknown method ${this.path}`);
      return this.answer(GrpcStatus.UNAVAILABLE, choice.message, failed !== undefined);
    }
    if (failed !== undefined) this.finishLease(failed, GrpcStatus.UNAVAILABLE, true, false, true);
    this.lease = choice.lease;
    this.attempts++;
    this.open(choice.lease.backend);
  }

  /** Ends the call from the proxy's side (shutdown): the client gets UNAVAILABLE. */
  abort(message: string): void {
    if (this.phase === 'done') return;
    this.cancelBackend();
    this.answer(GrpcStatus.UNAVAILABLE, message);
  }

  private open(address: BackendAddress): void {
    this.reachedBackend = false;
    let stream: BackendStream;
    try {
      stream = this.request(address);
    } catch (error) {
      const code = errorCode(error);
      if (SESSION_GONE.has(code)) return this.backendFailed(code, false);
      return this.answer(GrpcStatus.INTERNAL, `cannot forward the request: ${code}`);
    }
    this.phase = 'connecting';
    this.backend = stream;
    this.backendError = undefined;
    this.reachedBackend = false;
    stream[kCall] = this;
    stream.on('error', onBackendError);
    stream.on('close', onBackendClose);
    stream.on('response', onBackendResponse);
    stream.on('trailers', onBackendTrailers);
    stream.on('data', onBackendData);
    stream.on('end', onBackendEnd);
    if (stream.pending) stream.once('ready', onBackendReady);
    else this.startForwarding();
  }

  private request(address: BackendAddress): BackendStream {
    const session = this.context.sessions.session(address);
    try {
      return session.request(this.headers);
    } catch (error) {
      if (SESSION_GONE.has(errorCode(error))) this.context.sessions.retire(address.id, session);
      throw error;
    }
  }

  private startForwarding(): void {
    const backend = this.backend!;
    this.phase = 'forwarding';
    if (this.consumedBytes > 0) {
      // Replay what an earlier backend received but never answered.
      for (const chunk of this.sent ?? []) backend.write(chunk);
      this.reachedBackend = true;
    }
    if (this.clientEnded) {
      this.reachedBackend = true;
      backend.end();
      return;
    }
    if (!this.clientFlowing) {
      this.clientFlowing = true;
      this.client.on('data', onClientData);
    }
    this.client.resume();
  }

  forwardRequestData(chunk: Buffer): void {
    if (this.phase === 'done') return; // answered: the rest of the request is dropped
    this.consumedBytes += chunk.length;
    if (this.sent !== undefined) {
      if (this.consumedBytes > REPLAY_LIMIT_BYTES) this.sent = undefined;
      else this.sent.push(chunk);
    }
    if (this.phase === 'forwarding' || this.phase === 'responding') {
      this.reachedBackend = true;
      const backend = this.backend!;
      if (!backend.write(chunk)) {
        this.client.pause();
        backend.once('drain', onBackendDrain);
      }
      return;
    }
    // Between two backends the client is paused; a chunk already on its way waits in `sent`.
    this.client.pause();
    if (this.sent === undefined) {
      this.cancelBackend();
      this.answer(GrpcStatus.UNAVAILABLE, 'backend connection lost');
    }
  }

  clientEndedRequest(): void {
    this.clientEnded = true;
    // Answered before the request ended (a backend that rejects early): the backend's stream
    // still waits for the request's end, or it stays open on the shared session.
    if (this.phase === 'done') return this.endBackendRequest();
    if (this.phase !== 'forwarding' && this.phase !== 'responding') return;
    this.reachedBackend = true;
    this.backend!.end();
  }

  backendResponded(
    stream: BackendStream,
    headers: IncomingHttpHeaders & IncomingHttpStatusHeader,
    flags: number,
  ): void {
    if (stream !== this.backend || this.phase === 'done') return;
    this.sent = undefined; // an answered call is never replayed
    const httpStatus = headers[':status'] ?? 0;
    if (httpStatus !== 200) {
      this.cancelBackend();
      const code = grpcStatusFromHttpStatus(httpStatus);
      return this.answer(code, `backend answered HTTP ${httpStatus}`);
    }
    if (this.clientGone()) return;
    if ((flags & NGHTTP2_FLAG_END_STREAM) !== 0) {
      // Trailers-only: the whole answer is this one HEADERS frame.
      this.phase = 'done';
      if (!this.tryRespond(headers, true)) return;
      this.finish(parseGrpcStatus(headers['grpc-status']) ?? GrpcStatus.UNKNOWN, false, false);
      return this.drainClient();
    }
    this.phase = 'responding';
    this.tryRespond(headers, false);
  }

  /**
   * Sends the backend's response headers on; node:http2 validates them again on the way out, and
   * a header it refuses must cost this call (INTERNAL), never the daemon.
   */
  private tryRespond(headers: IncomingHttpHeaders, endStream: boolean): boolean {
    try {
      const forwarded = responseHeadersForClient(headers);
      if (endStream) this.client.respond(forwarded, { endStream: true });
      else this.client.respond(forwarded, { waitForTrailers: true });
      return true;
    } catch {
      this.breakCall();
      return false;
    }
  }

  backendSentTrailers(stream: BackendStream, trailers: IncomingHttpHeaders): void {
    if (stream !== this.backend || this.phase !== 'responding') return;
    const forwarded = trailersForClient(trailers);
    const status = parseGrpcStatus(trailers['grpc-status']);
    if (status === undefined) {
      forwarded['grpc-status'] = String(GrpcStatus.UNKNOWN);
      forwarded['grpc-message'] = 'backend sent no grpc-status';
    }
    this.trailers = forwarded;
    this.status = status ?? GrpcStatus.UNKNOWN;
  }

  backendEndedResponse(stream: BackendStream): void {
    if (stream !== this.backend || this.phase !== 'responding') return;
    // node:http2 ends a stream cleanly when the backend's connection drops; without trailers
    // that is a lost backend, not an answer.
    if (this.trailers === undefined)
      return this.backendFailed('stream ended without trailers', false);
    this.backendEnded = true;
    if (!this.clientGone()) this.client.end();
  }

  clientWantsTrailers(): void {
    const trailers = this.trailers ?? statusTrailers(GrpcStatus.UNKNOWN, 'no trailers');
    try {
      this.client.sendTrailers(trailers);
    } catch {
      return this.breakCall();
    }
    this.phase = 'done';
    this.finish(this.status, false, false);
    this.drainClient();
  }

  backendClosed(stream: BackendStream): void {
    if (stream !== this.backend || this.phase === 'done' || this.backendEnded) return;
    const rstCode = stream.rstCode ?? 0;
    const code =
      this.backendError === undefined ? `stream reset ${rstCode}` : errorCode(this.backendError);
    const refused = rstCode === NGHTTP2_REFUSED_STREAM || code === 'ERR_HTTP2_GOAWAY_SESSION';
    this.backendFailed(code, refused);
  }

  /** The current backend stream failed before the response ended. */
  private backendFailed(code: string, refused: boolean): void {
    const id = this.lease!.backend.id;
    // Connect failures are those the backend cannot have acted on: no response yet, and no
    // request data reached it or it refused the stream unprocessed.
    const connectFailed = this.phase !== 'responding' && (refused || !this.reachedBackend);
    const canRetry =
      connectFailed &&
      this.attempts < MAX_ATTEMPTS &&
      (this.consumedBytes === 0 || this.sent !== undefined) &&
      !this.clientGone();
    if (!canRetry) {
      this.cancelBackend();
      this.refusedLast = refused;
      return this.answer(
        GrpcStatus.UNAVAILABLE,
        `backend ${id} unavailable: ${code}`,
        connectFailed,
      );
    }
    const failed = this.lease!;
    this.lease = undefined;
    this.refusedLast = refused;
    this.backend = undefined;
    this.phase = 'routing';
    if (this.clientFlowing) this.client.pause();
    (this.exclude ??= new Set()).add(id);
    this.route(failed);
  }

  clientClosed(): void {
    if (this.phase !== 'done') {
      this.phase = 'done';
      this.cancelBackend();
      this.finish(GrpcStatus.CANCELLED, false, true);
    } else if (this.backend !== undefined && !this.backend.writableEnded) {
      // Answered, but the client left without ending its request: release the backend's
      // stream as a gRPC client does (RST_STREAM CANCEL).
      this.cancelBackend();
    }
    this.context.callClosed(this);
  }

  clientDrained(): void {
    if (this.phase === 'responding') this.backend!.resume();
  }

  backendDrained(stream: BackendStream): void {
    if (stream === this.backend && (this.phase === 'forwarding' || this.phase === 'responding'))
      this.client.resume();
  }

  backendReady(stream: BackendStream): void {
    if (stream === this.backend && this.phase === 'connecting') this.startForwarding();
  }

  backendFailedWith(stream: BackendStream, error: unknown): void {
    if (stream === this.backend) this.backendError = error;
  }

  forwardResponseData(stream: BackendStream, chunk: Buffer): void {
    if (stream !== this.backend || this.phase !== 'responding') return;
    if (!this.client.write(chunk)) {
      stream.pause();
      this.client.once('drain', onClientDrain);
    }
  }

  /** The proxy's own answer: trailers-only if nothing was sent yet, else trailers. */
  private answer(code: number, message: string, connectFailed = false): void {
    this.phase = 'done';
    this.finish(code, connectFailed, false);
    if (this.clientGone()) return;
    if (!this.client.headersSent) {
      try {
        this.client.respond(trailersOnlyHeaders(code, message), { endStream: true });
      } catch {
        return void this.client.destroy(); // its session is going away: nothing left to answer
      }
    } else if (!this.client.writableEnded) {
      this.trailers = statusTrailers(code, message);
      this.status = code;
      this.client.end();
    }
    this.drainClient();
  }

  /** What the proxy cannot forward ends with RST_STREAM INTERNAL_ERROR to the client. */
  private breakCall(): void {
    this.phase = 'done';
    this.cancelBackend();
    this.finish(GrpcStatus.INTERNAL, false, false);
    if (!this.client.destroyed) this.client.close(NGHTTP2_INTERNAL_ERROR);
  }

  private finish(grpcStatus: number, connectFailed: boolean, cancelledByClient: boolean): void {
    const lease = this.lease;
    if (lease === undefined) return;
    this.lease = undefined;
    this.finishLease(lease, grpcStatus, connectFailed, cancelledByClient, false);
  }

  /**
   * A stream the backend refused unprocessed (REFUSED_STREAM, GOAWAY) is retried like a failed
   * connection but reported as an UNAVAILABLE, not a connection failure: the backend is alive
   * (shutting down, or at its stream limit) and must not be ejected at once for it.
   */
  private finishLease(
    lease: CallLease,
    grpcStatus: number,
    connectFailed: boolean,
    cancelledByClient: boolean,
    willRetry: boolean,
  ): void {
    const durationMs = this.context.now() - this.startedAt;
    const reportedConnectFailed = connectFailed && !this.refusedLast;
    this.refusedLast = false;
    try {
      lease.finish({
        grpcStatus,
        connectFailed: reportedConnectFailed,
        cancelledByClient,
        durationMs,
        ...(willRetry ? { willRetry } : {}),
      });
    } catch (error) {
      this.context.warn(
        `finishing a call on backend ${lease.backend.id} failed: ${(error as Error).message}`,
      );
    }
  }

  private endBackendRequest(): void {
    const backend = this.backend;
    if (backend !== undefined && !backend.closed && !backend.destroyed && !backend.writableEnded)
      backend.end();
  }

  private cancelBackend(): void {
    const backend = this.backend;
    if (backend !== undefined && !backend.closed && !backend.destroyed)
      backend.close(NGHTTP2_CANCEL);
  }

  /** Keeps reading (and dropping) request data after the answer, so the client can finish. */
  private drainClient(): void {
    if (this.clientFlowing && !this.client.destroyed) this.client.resume();
  }

  private clientGone(): boolean {
    return this.client.destroyed || this.client.closed;
  }
}
