/**
 * The native port's request handler: Connect's gRPC protocol over the services, health and
 * reflection. Loaded by server.ts on the first request, so a daemon nobody calls over gRPC does
 * not carry Connect and the protobuf descriptors in memory.
 */
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { Code, ConnectError } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { file_grpc_health_v1_health } from '../../gen/grpc/health/v1/health_pb.js';
import { file_proto_process_manager } from '../../gen/proto/process_manager_pb.js';
import { file_tunnel_tunnel } from '../../gen/tunnel/tunnel_pb.js';
import { registerHealth } from './health.js';
import { registerReflection } from './reflection.js';
import { checkRequestMessages, requireAuthority } from './request-check.js';
import {
  peerContext,
  registerServices,
  rpcInterceptors,
  RPC_READ_MAX_BYTES,
  type RpcServiceOptions,
} from './routes.js';

export interface NativeHandlerState {
  /** Health answers SERVING while this is true. */
  serving(): boolean;
  /** Aborted when the server closes: open streams end with shutdownError(). */
  shutdownSignal: AbortSignal;
}

export type NativeHandler = (req: Http2ServerRequest, res: Http2ServerResponse) => void;

export function createNativeHandler(
  options: RpcServiceOptions,
  state: NativeHandlerState,
): NativeHandler {
  return requireAuthority(
    connectNodeAdapter({
      grpc: true,
      grpcWeb: false,
      connect: false,
      readMaxBytes: RPC_READ_MAX_BYTES,
      shutdownSignal: state.shutdownSignal,
      interceptors: rpcInterceptors(options),
      contextValues: peerContext,
      routes(router) {
        registerServices(router, options);
        registerHealth(router, state.serving);
        registerReflection(router, [
          file_proto_process_manager,
          file_tunnel_tunnel,
          file_grpc_health_v1_health,
        ]);
        checkRequestMessages(router, RPC_READ_MAX_BYTES);
      },
    }),
  ) as NativeHandler;
}

export function shutdownError(): Error {
  return new ConnectError('the daemon is shutting down', Code.Unavailable);
}
