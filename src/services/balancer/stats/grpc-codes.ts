/** gRPC status code names as the spec spells them (doc/statuscodes.md); index = code. */
export const GRPC_CODE_NAMES: readonly string[] = Object.freeze([
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
]);

const UNKNOWN = 2;

/**
 * The name of a status code. A code outside the spec's range is reported as UNKNOWN, which is
 * what the spec tells clients to make of it.
 */
export function grpcCodeName(code: number): string {
  return GRPC_CODE_NAMES[grpcCodeIndex(code)] as string;
}

/** The code itself when the spec defines it, else UNKNOWN (2). */
export function grpcCodeIndex(code: number): number {
  return Number.isInteger(code) && code >= 0 && code < GRPC_CODE_NAMES.length ? code : UNKNOWN;
}
