/**
 * Calls one unary method with a JSON request, encoded and decoded with the reflected descriptors
 * (proto3 JSON: lowerCamelCase names out, either name in; every field written, as grpcurl does).
 * A gRPC status from the method is an outcome (`success: false`), not an error: the method ran.
 */
import {
  fromJsonString,
  toJsonString,
  type DescMethod,
  type DescMethodUnary,
  type FileRegistry,
  type Registry,
} from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { DaemonError } from '../../shared/index.js';
import type { InstanceConnection } from './connection.js';
import type { InvokeOutcome } from './types.js';

/** The unary method `method` of `service` (both as the registry lists them) or a clear error. */
export function findUnaryMethod(
  registry: FileRegistry,
  serviceNames: readonly string[],
  service: string,
  method: string,
): DescMethodUnary {
  const serviceName = service.replace(/^\./, '');
  const found = registry.getService(serviceName);
  if (!found) {
    throw new DaemonError(
      'not_found',
      `the instance serves no gRPC service ${JSON.stringify(service)}; it serves: ${list(serviceNames)}`,
      { details: { service } },
    );
  }
  const target = found.methods.find((m) => m.name === method);
  if (!target) {
    throw new DaemonError(
      'not_found',
      `gRPC service ${serviceName} has no method ${JSON.stringify(method)}; it has: ${list(found.methods.map((m) => m.name))}`,
      { details: { service: serviceName, method } },
    );
  }
  if (!isUnary(target)) {
    throw new DaemonError(
      'invalid_argument',
      `${serviceName}/${method} is a ${target.methodKind.replace('_', '-')} method; only unary methods can be invoked`,
      { details: { service: serviceName, method } },
    );
  }
  return target;
}

/** `json` is the request message as JSON text ("" means an empty message). */
export async function invokeUnary(
  connection: InstanceConnection,
  method: DescMethodUnary,
  json: string,
  registry: Registry,
): Promise<InvokeOutcome> {
  const input = parseRequest(method, json, registry);
  try {
    const response = await connection.transport.unary(
      method,
      connection.signal,
      undefined,
      undefined,
      input,
    );
    return {
      success: true,
      data: toJsonString(method.output, response.message, { alwaysEmitImplicit: true, registry }),
    };
  } catch (error) {
    if (connection.signal.aborted) throw error; // the deadline: withInstanceConnection says so
    const failure = ConnectError.from(error);
    if (isTransportFailure(failure)) {
      throw new DaemonError(
        'instance_unreachable',
        `the gRPC server on ${connection.address} failed during ${method.parent.typeName}/${method.name}: ${failure.rawMessage}`,
        { cause: error },
      );
    }
    return {
      success: false,
      code: codeName(failure.code),
      error: `${codeName(failure.code)}: ${failure.rawMessage}`,
    };
  }
}

function parseRequest(method: DescMethodUnary, json: string, registry: Registry) {
  const text = json.trim() === '' ? '{}' : json;
  try {
    JSON.parse(text);
  } catch (error) {
    throw new DaemonError(
      'invalid_argument',
      `data is not valid JSON: ${(error as Error).message}`,
    );
  }
  try {
    return fromJsonString(method.input, text, { registry });
  } catch (error) {
    throw new DaemonError(
      'invalid_argument',
      `data does not fit ${method.input.typeName}: ${(error as Error).message}`,
      { details: { message_type: method.input.typeName } },
    );
  }
}

function isUnary(method: DescMethod): method is DescMethodUnary {
  return method.methodKind === 'unary';
}

/**
 * Errors raised by Node's networking (refused, reset, a broken session) carry a system error as
 * their cause; a status the server sent in its trailers does not.
 */
function isTransportFailure(error: ConnectError): boolean {
  for (let cause: unknown = error.cause; cause instanceof Error; cause = cause.cause) {
    if (typeof (cause as { code?: unknown }).code === 'string') return true;
  }
  return false;
}

/** "NOT_FOUND", as gRPC names the codes (connect's enum uses PascalCase names). */
function codeName(code: Code): string {
  if (code === Code.Canceled) return 'CANCELLED';
  return (Code[code] ?? 'UNKNOWN').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

function list(names: readonly string[]): string {
  return names.length === 0 ? '(nothing)' : names.join(', ');
}
