/**
 * gRPC status codes and the answers the proxy writes itself (PROTOCOL-HTTP2.md): a trailers-only
 * response (`:status 200` HEADERS with END_STREAM carrying grpc-status) when nothing was sent yet,
 * trailers when response headers already went out.
 */
import type { OutgoingHttpHeaders } from 'node:http2';

/** The codes the proxy produces or maps to; the full set is 0..16. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/**
 * A backend's HTTP status other than 200 as gRPC clients read it (doc/http-grpc-status-mapping.md),
 * so the lease reports what the client would have seen.
 */
export function grpcStatusFromHttpStatus(httpStatus: number): number {
  switch (httpStatus) {
    case 200:
      return GrpcStatus.OK;
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}

/** A grpc-status header's value as a code; a missing or malformed one is undefined. */
export function parseGrpcStatus(value: string | string[] | number | undefined): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const text = Array.isArray(value) ? value[0] : value;
  return text !== undefined && /^\d{1,9}$/.test(text) ? Number(text) : undefined;
}

// Space and visible ASCII except '%' travel as they are; every other UTF-8 byte is %XX.
const PLAIN_MESSAGE = /^[\x20-\x24\x26-\x7e]*$/;
const HEX = '0123456789ABCDEF';

/** Percent-encodes a grpc-message value as the gRPC spec requires (UTF-8 bytes, uppercase hex). */
export function encodeGrpcMessage(message: string): string {
  if (PLAIN_MESSAGE.test(message)) return message;
  let encoded = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    if (byte >= 0x20 && byte <= 0x7e && byte !== 0x25) encoded += String.fromCharCode(byte);
    else encoded += '%' + HEX[byte >> 4]! + HEX[byte & 15]!;
  }
  return encoded;
}

/** The inverse of encodeGrpcMessage; a malformed value is kept as written (as gRPC clients do). */
export function decodeGrpcMessage(encoded: string): string {
  if (!encoded.includes('%')) return encoded;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

/** The trailers that end a response whose headers were already sent. */
export function statusTrailers(code: number, message: string): OutgoingHttpHeaders {
  return { 'grpc-status': String(code), 'grpc-message': encodeGrpcMessage(message) };
}

/** A whole answer in one HEADERS frame with END_STREAM (the "Trailers-Only" response). */
export function trailersOnlyHeaders(code: number, message: string): OutgoingHttpHeaders {
  return {
    ':status': 200,
    'content-type': 'application/grpc',
    'grpc-status': String(code),
    'grpc-message': encodeGrpcMessage(message),
  };
}
