/**
 * Connect and gRPC-Web on the HTTP port (grpc.md: for browsers and the dashboard): the same
 * services and interceptors as the native port, plus REST's browser guard, so a web page can no
 * more drive the daemon through RPC paths than through REST ones. Pages on the origins in
 * server.cors.origins get REST's CORS answers (preflight included) plus the response headers the
 * RPC protocols need exposed (grpc-status, grpc-message...); the dashboard is same-origin.
 */
import { cors } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { corsHeaders, isAllowedOrigin, preflightHeaders } from '../rest/cors.js';
import type { PathMount } from '../rest/node-adapter.js';
import type { BrowserGuard } from '../rest/router.js';
import { checkRequestMessages, requireAuthority } from './request-check.js';
import {
  peerContext,
  registerServices,
  rpcInterceptors,
  RPC_READ_MAX_BYTES,
  type RpcServiceOptions,
} from './routes.js';

/** The paths the HTTP port hands to this handler instead of the REST router. */
export const RPC_PATH_PREFIXES: readonly string[] = [
  '/proto.ProcessManager/',
  '/tunnel.TunnelService/',
];

/** The PathMount for rest's listen(): Connect and gRPC-Web requests. */
export function rpcHttpMount(options: RpcServiceOptions & { browser: BrowserGuard }): PathMount {
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
  return {
    prefixes: RPC_PATH_PREFIXES,
    handle(req, res) {
      const origin = req.headers.origin;
      for (const [name, value] of Object.entries(corsHeaders(origin, origins, cors.exposedHeaders)))
        res.setHeader(name, value);
      if (req.method === 'OPTIONS' && isAllowedOrigin(origin, origins)) {
        res.writeHead(204, preflightHeaders(origin, origins));
        res.end();
        return;
      }
      handler(req, res);
    },
  };
}
