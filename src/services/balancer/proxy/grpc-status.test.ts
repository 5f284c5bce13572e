import { describe, expect, it } from 'vitest';
import {
  decodeGrpcMessage,
  encodeGrpcMessage,
  grpcStatusFromHttpStatus,
  parseGrpcStatus,
  statusTrailers,
  trailersOnlyHeaders,
} from './grpc-status.js';

describe('encodeGrpcMessage', () => {
  it('leaves space and visible ASCII other than % as they are', () => {
    expect(encodeGrpcMessage('unknown method /a.B/C (x=1; y="z") ~!')).toBe(
      'unknown method /a.B/C (x=1; y="z") ~!',
    );
  });

  it('percent-encodes %, control characters and UTF-8 bytes in uppercase hex', () => {
    expect(encodeGrpcMessage('100%')).toBe('100%25');
    expect(encodeGrpcMessage('a\nb\tc')).toBe('a%0Ab%09c');
    expect(encodeGrpcMessage('ü✓')).toBe('%C3%BC%E2%9C%93');
    expect(encodeGrpcMessage('\x7f')).toBe('%7F');
  });

  it('round-trips through decodeGrpcMessage', () => {
    for (const message of ['', 'plain', '100% “sure” — ünïcødé\n', '%%%', '😀 emoji']) {
      expect(decodeGrpcMessage(encodeGrpcMessage(message))).toBe(message);
    }
  });

  it('decodes a malformed escape as written', () => {
    expect(decodeGrpcMessage('50%zz')).toBe('50%zz');
  });
});

describe('grpcStatusFromHttpStatus', () => {
  it('follows the gRPC HTTP-to-status mapping', () => {
    const mapped = [200, 400, 401, 403, 404, 429, 502, 503, 504, 500, 301].map(
      grpcStatusFromHttpStatus,
    );
    expect(mapped).toEqual([0, 13, 16, 7, 12, 14, 14, 14, 14, 2, 2]);
  });
});

describe('parseGrpcStatus', () => {
  it('reads a code and rejects what is not one', () => {
    expect(parseGrpcStatus('14')).toBe(14);
    expect(parseGrpcStatus(['3', '4'])).toBe(3);
    expect(parseGrpcStatus(undefined)).toBeUndefined();
    expect(parseGrpcStatus('')).toBeUndefined();
    expect(parseGrpcStatus(4)).toBe(4);
    expect(parseGrpcStatus('x')).toBeUndefined();
    expect(parseGrpcStatus('-1')).toBeUndefined();
    expect(parseGrpcStatus('1.5')).toBeUndefined();
  });
});

describe('answers', () => {
  it('builds a trailers-only HEADERS block and trailers with an encoded message', () => {
    expect(trailersOnlyHeaders(12, 'unknown method /ü')).toEqual({
      ':status': 200,
      'content-type': 'application/grpc',
      'grpc-status': '12',
      'grpc-message': 'unknown method /%C3%BC',
    });
    expect(statusTrailers(14, 'gone 100%')).toEqual({
      'grpc-status': '14',
      'grpc-message': 'gone 100%25',
    });
  });
});
