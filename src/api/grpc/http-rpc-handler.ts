/**
 * The Connect and gRPC-Web handler of the HTTP port, with REST's CORS answers. Loaded by
 * http-handler.ts on the first RPC request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cors } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { corsHeaders, isAllowedOrigin, preflightHeaders } from '../rest/cors.js';
import type { BrowserGuard } from '../rest/router.js';
import { checkRequestMessages, requireAuthority } from './request-check.js';
import {
  peerContext,
  registerServices,
  rpcInterceptors,
  RPC_READ_MAX_BYTES,
  type RpcServiceOptions,
} from './routes.js';

export type HttpRpcHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function createHttpRpcHandler(
  options: RpcServiceOptions & { browser: BrowserGuard },
): HttpRpcHandler {
  const handler = requireAuthority(
    connectNodeAdapter({
      grpc: false,
      grpcWeb: true,
      connect: true,
      readMaxBytes: RPC_READ_MAX_BYTES,
      interceptors: rpcInterceptors(options),
      contextValues: peerContext,
      routes: (router) => {
        registerServices(router, options);
        checkRequestMessages(router, RPC_READ_MAX_BYTES);
      },
    }),
  );
  const origins = options.browser.origins;
  return (req, res) => {
    const origin = req.headers.origin;
    for (const [name, value] of Object.entries(corsHeaders(origin, origins, cors.exposedHeaders)))
      res.setHeader(name, value);
    if (req.method === 'OPTIONS' && isAllowedOrigin(origin, origins)) {
      res.writeHead(204, preflightHeaders(origin, origins));
      res.end();
      return;
    }
    handler(req, res);
  };
}
