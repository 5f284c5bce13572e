/**
 * Connect and gRPC-Web on the HTTP port (grpc.md: for browsers and the dashboard): the same
 * services and interceptors as the native port, plus REST's browser guard, so a web page can no
 * more drive the daemon through RPC paths than through REST ones. Pages on the origins in
 * server.cors.origins get REST's CORS answers (preflight included) plus the response headers the
 * RPC protocols need exposed (grpc-status, grpc-message...); the dashboard is same-origin.
 */
import type { PathMount } from '../rest/node-adapter.js';
import type { BrowserGuard } from '../rest/router.js';
// Types only: the handler (Connect, protobuf descriptors) is loaded by the first RPC request.
import type { HttpRpcHandler } from './http-rpc-handler.js';
import type { RpcServiceOptions } from './routes.js';

/** The paths the HTTP port hands to this handler instead of the REST router. */
export const RPC_PATH_PREFIXES: readonly string[] = [
  '/proto.ProcessManager/',
  '/tunnel.TunnelService/',
];

/** The PathMount for rest's listen(): Connect and gRPC-Web requests. */
export function rpcHttpMount(options: RpcServiceOptions & { browser: BrowserGuard }): PathMount {
  let handler: Promise<HttpRpcHandler> | undefined;
  return {
    prefixes: RPC_PATH_PREFIXES,
    handle(req, res) {
      const loading = (handler ??= import('./http-rpc-handler.js').then((module) =>
        module.createHttpRpcHandler(options),
      ));
      loading
        .then((serve) => serve(req, res))
        .catch((error: unknown) => {
          // A failed import is not kept: the next request tries again.
          if (handler === loading) handler = undefined;
          options.onInternalError(error);
          if (!res.headersSent) res.writeHead(500);
          res.end();
        });
    },
  };
}
