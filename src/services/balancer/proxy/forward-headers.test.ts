import type { IncomingHttpHeaders } from 'node:http2';
import { describe, expect, it } from 'vitest';
import {
  type IncomingHeaderBlock,
  requestHeadersForBackend,
  responseHeadersForClient,
  trailersForClient,
} from './forward-headers.js';

const request: IncomingHttpHeaders = {
  ':method': 'POST',
  ':path': '/pkg.Svc/Call',
  ':scheme': 'http',
  ':authority': 'lb.local:6000',
  'content-type': 'application/grpc+proto',
  te: 'trailers',
  'grpc-timeout': '100m',
  'user-agent': 'grpc-node-js/1.14',
  'x-request-id': 'abc',
  'x-trace-bin': 'AAEC',
  connection: 'keep-alive',
  'keep-alive': 'timeout=5',
  'proxy-connection': 'keep-alive',
  'transfer-encoding': 'chunked',
  upgrade: 'h2c',
};

describe('forward headers', () => {
  it('drops hop-by-hop fields from a request and keeps pseudo-headers, deadline and metadata', () => {
    expect(requestHeadersForBackend(request)).toEqual({
      ':method': 'POST',
      ':path': '/pkg.Svc/Call',
      ':scheme': 'http',
      ':authority': 'lb.local:6000',
      'content-type': 'application/grpc+proto',
      te: 'trailers',
      'grpc-timeout': '100m',
      'user-agent': 'grpc-node-js/1.14',
      'x-request-id': 'abc',
      'x-trace-bin': 'AAEC',
    });
  });

  it('keeps te only when it says trailers', () => {
    expect(requestHeadersForBackend({ ':path': '/a', te: 'gzip' })).toEqual({ ':path': '/a' });
  });

  it('does not change the headers it was given', () => {
    const copy = { ...request };
    requestHeadersForBackend(request);
    expect(request).toEqual(copy);
  });

  it('forwards response headers with :status, and trailers without pseudo-headers', () => {
    // node:http2 hands :status over as a number, beside string headers.
    const response = {
      ':status': 200,
      'content-type': 'application/grpc',
      'x-echo-bin': 'AP8=',
      connection: 'close',
    } as unknown as IncomingHeaderBlock;
    expect(responseHeadersForClient(response)).toEqual({
      ':status': 200,
      'content-type': 'application/grpc',
      'x-echo-bin': 'AP8=',
    });
    expect(
      trailersForClient({
        ':status': '200',
        'grpc-status': '0',
        'grpc-message': 'ok%20done',
        'x-trailer-bin': 'AAEC/w==',
        'transfer-encoding': 'chunked',
      } as IncomingHttpHeaders),
    ).toEqual({ 'grpc-status': '0', 'grpc-message': 'ok%20done', 'x-trailer-bin': 'AAEC/w==' });
  });
});
