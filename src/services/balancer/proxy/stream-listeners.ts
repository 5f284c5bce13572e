/**
 * The listeners of a proxied call's two streams. They are shared functions, not closures: each
 * finds its call through a symbol on the stream (`this`), so opening a call allocates no function.
 */
import type {
  ClientHttp2Stream,
  IncomingHttpHeaders,
  IncomingHttpStatusHeader,
  ServerHttp2Stream,
} from 'node:http2';
import type { ProxiedCall } from './proxied-call.js';

export const kCall = Symbol('proxiedCall');
export type ClientStream = ServerHttp2Stream & { [kCall]?: ProxiedCall };
export type BackendStream = ClientHttp2Stream & { [kCall]?: ProxiedCall };

export function ignoreError(): void {
  // Stream errors end in 'close', where the call settles.
}

export function onClientData(this: ClientStream, chunk: Buffer): void {
  this[kCall]!.forwardRequestData(chunk);
}
export function onClientEnd(this: ClientStream): void {
  this[kCall]!.clientEndedRequest();
}
export function onClientClose(this: ClientStream): void {
  this[kCall]!.clientClosed();
}
export function onClientDrain(this: ClientStream): void {
  this[kCall]!.clientDrained();
}
export function onClientWantTrailers(this: ClientStream): void {
  this[kCall]!.clientWantsTrailers();
}
export function onBackendReady(this: BackendStream): void {
  this[kCall]!.backendReady(this);
}
export function onBackendError(this: BackendStream, error: unknown): void {
  this[kCall]!.backendFailedWith(this, error);
}
export function onBackendClose(this: BackendStream): void {
  this[kCall]!.backendClosed(this);
}
export function onBackendResponse(
  this: BackendStream,
  headers: IncomingHttpHeaders & IncomingHttpStatusHeader,
  flags: number,
): void {
  this[kCall]!.backendResponded(this, headers, flags);
}
export function onBackendTrailers(this: BackendStream, trailers: IncomingHttpHeaders): void {
  this[kCall]!.backendSentTrailers(this, trailers);
}
export function onBackendData(this: BackendStream, chunk: Buffer): void {
  this[kCall]!.forwardResponseData(this, chunk);
}
export function onBackendEnd(this: BackendStream): void {
  this[kCall]!.backendEndedResponse(this);
}
export function onBackendDrain(this: BackendStream): void {
  this[kCall]!.backendDrained(this);
}
