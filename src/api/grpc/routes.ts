/**
 * What both RPC ports share: the service implementations, the interceptors (errors outermost,
 * then auth), the per-message size limit, and the peer address handed to the auth policy.
 */
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { createContextValues, type ConnectRouter, type Interceptor } from '@connectrpc/connect';
import type { App } from '../../app/index.js';
import type { Config } from '../../config/index.js';
import { ProcessManager } from '../../gen/proto/process_manager_pb.js';
import { TunnelService } from '../../gen/tunnel/tunnel_pb.js';
import type { AuthPolicy } from '../auth/index.js';
import type { BrowserGuard } from '../rest/router.js';
import { authInterceptor, errorInterceptor, peerKey } from './interceptors.js';
import { processManagerService } from './process-manager.js';
import { tunnelServiceImpl } from './tunnel-service.js';

/** Largest request message either port reads (as the REST body limit). */
export const RPC_READ_MAX_BYTES = 1024 * 1024;

export interface RpcServiceOptions {
  app: App;
  /** The daemon's current config (for fields the app's views do not carry). */
  config: () => Config;
  auth: AuthPolicy;
  /** Called with every error answered as INTERNAL (bugs), for the daemon log. */
  onInternalError: (error: unknown) => void;
  /** More services on the same router (tests). */
  routes?: ((router: ConnectRouter) => void) | undefined;
}

export function rpcInterceptors(
  options: Pick<RpcServiceOptions, 'auth' | 'onInternalError'> & { browser?: BrowserGuard },
): Interceptor[] {
  return [
    errorInterceptor(options.onInternalError),
    authInterceptor({ auth: options.auth, browser: options.browser }),
  ];
}

export function registerServices(router: ConnectRouter, options: RpcServiceOptions): void {
  router.service(
    ProcessManager,
    processManagerService({ app: options.app, config: options.config }),
  );
  router.service(TunnelService, tunnelServiceImpl(options.app));
  options.routes?.(router);
}

/** The peer's address for the auth policy (rate limits on failed authentication). */
export function peerContext(request: IncomingMessage | Http2ServerRequest) {
  return createContextValues().set(peerKey, { remoteAddress: request.socket.remoteAddress });
}
