/**
 * The gRPC edge's door for the daemon: the native port and the HTTP-port mount. Both load
 * Connect and the protobuf descriptors on their first request; import the other modules of this
 * folder directly where they are needed (tests), so this door stays light.
 */
export { startGrpcServer, type GrpcServerOptions, type RunningGrpcServer } from './server.js';
export { rpcHttpMount, RPC_PATH_PREFIXES } from './http-handler.js';
export type { RpcServiceOptions } from './routes.js';
