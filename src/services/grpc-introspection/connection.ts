/**
 * One short-lived HTTP/2 cleartext (h2c) connection to an instance's gRPC port, with one deadline
 * for everything done over it, closed afterwards: the daemon keeps no idle connection to an
 * instance. Failing to connect, or the deadline passing, is `instance_unreachable`.
 */
import {
  connect,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type ClientSessionRequestOptions,
  type OutgoingHttpHeaders,
} from 'node:http2';
import type { Transport } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { DaemonError, type Clock } from '../../shared/index.js';

export interface ConnectionOptions {
  /** Instances are reached on loopback, as the health probes reach them. */
  host: string;
  port: number;
  timeoutMs: number;
  clock: Clock;
}

export interface InstanceConnection {
  transport: Transport;
  /** Aborted when the deadline passes: pass it to every call. */
  signal: AbortSignal;
  address: string;
}

export async function withInstanceConnection<T>(
  options: ConnectionOptions,
  work: (connection: InstanceConnection) => Promise<T>,
): Promise<T> {
  const address = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  const baseUrl = `http://${address}`;
  const controller = new AbortController();
  const cancelTimer = options.clock.setTimeout(
    () =>
      controller.abort(
        new DaemonError(
          'instance_unreachable',
          `the gRPC server on ${address} did not answer within ${options.timeoutMs} ms`,
          { details: { port: options.port, timeout_ms: options.timeoutMs } },
        ),
      ),
    options.timeoutMs,
  );
  const session = new OneShotSession(baseUrl);
  try {
    try {
      await untilAborted(session.connected, controller.signal);
    } catch (error) {
      if (controller.signal.aborted) throw error;
      throw new DaemonError(
        'instance_unreachable',
        `cannot connect to the gRPC server on ${address}: ${describe(error)}`,
        { details: { port: options.port }, cause: error },
      );
    }
    const transport = createGrpcTransport({ baseUrl, sessionManager: session });
    return await untilAborted(
      work({ transport, signal: controller.signal, address }),
      controller.signal,
    );
  } catch (error) {
    // A call cut by the deadline fails with a bare "canceled": the deadline is the reason.
    if (controller.signal.aborted) throw controller.signal.reason;
    throw error;
  } finally {
    cancelTimer();
    session.close();
  }
}

/**
 * One HTTP/2 session for one piece of work. Connect's own session manager drops its error
 * listener once a session has failed, and a peer that is not an HTTP/2 server (an HTTP/1.1 app)
 * then raises a second session error that nobody handles, which would end the daemon. Here a
 * listener stays for the session's whole life; failures reach the calls through their streams.
 */
class OneShotSession {
  readonly authority: string;
  /** Settles once: connected, or the reason it could not connect. */
  readonly connected: Promise<void>;
  private readonly session: ClientHttp2Session;

  constructor(baseUrl: string) {
    this.authority = new URL(baseUrl).origin;
    this.session = connect(baseUrl);
    // Failures after the connection reach the calls through their streams; this listener only
    // keeps a late session error from going unhandled.
    this.session.on('error', () => undefined);
    this.connected = new Promise<void>((resolve, reject) => {
      this.session.once('connect', () => resolve());
      this.session.once('error', reject);
      this.session.once('close', () => reject(new Error('the connection closed')));
    });
    this.connected.catch(() => undefined); // awaited by withInstanceConnection
  }

  request(
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
    options: Omit<ClientSessionRequestOptions, 'signal'>,
  ): Promise<ClientHttp2Stream> {
    try {
      return Promise.resolve(
        this.session.request({ ...headers, ':method': method, ':path': path }, options),
      );
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  notifyResponseByteRead(): void {
    // One short session: no keep-alive pings to postpone.
  }

  close(): void {
    if (!this.session.destroyed) this.session.destroy();
  }
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${code} ${error.message}`
      : error.message;
  }
  return String(error);
}
