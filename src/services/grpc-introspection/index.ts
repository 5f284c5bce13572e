/** Reading a running instance's gRPC API by server reflection, and calling it with JSON. */
export {
  GrpcIntrospector,
  type GrpcIntrospectorOptions,
  type InstanceDescriptors,
} from './introspector.js';
export type { ReflectionVersion } from './reflection-client.js';
export type * from './types.js';
