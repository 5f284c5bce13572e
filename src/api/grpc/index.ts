export { startGrpcServer, type GrpcServerOptions, type RunningGrpcServer } from './server.js';
export { rpcHttpMount, RPC_PATH_PREFIXES } from './http-handler.js';
export { GRPC_CODE, toConnectError, ERROR_CODE_METADATA } from './grpc-status.js';
export { PROCESS_MANAGER_ROLES, TUNNEL_SERVICE_ROLES, rpcRequirement } from './rpc-roles.js';
export { principalKey, peerKey, type PeerInfo } from './interceptors.js';
export { RPC_READ_MAX_BYTES, type RpcServiceOptions } from './routes.js';
