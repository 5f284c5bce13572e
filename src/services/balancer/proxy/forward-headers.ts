/**
 * What crosses the proxy of a stream's headers and trailers: everything but the hop-by-hop
 * fields (RFC 9113 §8.2.2 forbids connection-specific fields in HTTP/2; node:http2 throws on
 * them). `te` may only say `trailers`, which gRPC requires, so that value alone is kept.
 * Pseudo-headers (:method :path :scheme :authority, :status) and metadata, `-bin` included, pass.
 */
import type {
  IncomingHttpHeaders,
  IncomingHttpStatusHeader,
  OutgoingHttpHeaders,
} from 'node:http2';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
]);

/** Headers as node:http2 delivers them; a response's carry :status as a number. */
export type IncomingHeaderBlock = IncomingHttpHeaders & IncomingHttpStatusHeader;

function copyWithoutHopByHop(headers: IncomingHeaderBlock): OutgoingHttpHeaders {
  const copy: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name)) {
      if (name === 'te' && value === 'trailers') copy[name] = value;
      continue;
    }
    copy[name] = value;
  }
  return copy;
}

/** A client's request headers as the backend gets them (grpc-timeout included). */
export function requestHeadersForBackend(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return copyWithoutHopByHop(headers);
}

/** A backend's response headers, or its trailers-only answer, as the client gets them. */
export function responseHeadersForClient(headers: IncomingHeaderBlock): OutgoingHttpHeaders {
  return copyWithoutHopByHop(headers);
}

/** A backend's trailers as the client gets them; trailers carry no pseudo-headers. */
export function trailersForClient(trailers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const copy = copyWithoutHopByHop(trailers);
  for (const name in copy) if (name.charCodeAt(0) === 0x3a) delete copy[name];
  return copy;
}
