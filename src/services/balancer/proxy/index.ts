/** The balancer's HTTP/2 gRPC proxy: a listener that forwards each stream to a routed backend. */
export { GrpcProxy, CLOSE_FLUSH_MS, type GrpcProxyOptions } from './grpc-proxy.js';
export { MAX_ATTEMPTS } from './proxied-call.js';
export {
  GrpcStatus,
  decodeGrpcMessage,
  encodeGrpcMessage,
  grpcStatusFromHttpStatus,
} from './grpc-status.js';
