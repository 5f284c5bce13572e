/**
 * gRPC server reflection, v1 and v1alpha (grpcurl, Postman and grpc-js clients still ask either),
 * so `grpcurl -plaintext localhost:50051 list` and `describe` work against the native port.
 * Both versions share one answer function: their messages differ only in package name.
 *
 * Behaviour follows grpc-go's server: each request on the bidi stream gets one response, in
 * order; lookup failures travel as `error_response` (gRPC code numbers) and the stream goes on.
 * File answers carry the file and its transitive imports, each a serialized FileDescriptorProto.
 */
import { create, type DescFile } from '@bufbuild/protobuf';
import { Code, type ConnectRouter } from '@connectrpc/connect';
import * as v1 from '../../gen/grpc/reflection/v1/reflection_pb.js';
import * as v1alpha from '../../gen/grpc/reflection/v1alpha/reflection_pb.js';
import {
  createDescriptorSet,
  serializeFiles,
  withDependencies,
  type DescriptorSet,
} from './descriptor-set.js';

/** The request oneof of either version (structurally identical). */
export type ReflectionQuery =
  | {
      case:
        'fileByFilename' | 'fileContainingSymbol' | 'allExtensionNumbersOfType' | 'listServices';
      value: string;
    }
  | { case: 'fileContainingExtension'; value: { containingType: string; extensionNumber: number } }
  | { case: undefined; value?: undefined };

/** The response oneof of either version, as plain init data. */
export type ReflectionAnswer =
  | { case: 'fileDescriptorResponse'; value: { fileDescriptorProto: Uint8Array[] } }
  | {
      case: 'allExtensionNumbersResponse';
      value: { baseTypeName: string; extensionNumber: number[] };
    }
  | { case: 'listServicesResponse'; value: { service: { name: string }[] } }
  | { case: 'errorResponse'; value: { errorCode: number; errorMessage: string } };

/**
 * Registers grpc.reflection.v1 and v1alpha ServerReflection on the router. They describe `files`
 * plus the files of every service registered on this router (read at request time, so services
 * registered after this call are listed too).
 */
export function registerReflection(router: ConnectRouter, files: readonly DescFile[]): void {
  const descriptors = descriptorsOf(router, files);
  router.service(v1.ServerReflection, {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) {
        yield create(v1.ServerReflectionResponseSchema, {
          validHost: request.host,
          originalRequest: request,
          messageResponse: answerReflection(descriptors(), request.messageRequest),
        });
      }
    },
  });
  router.service(v1alpha.ServerReflection, {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) {
        yield create(v1alpha.ServerReflectionResponseSchema, {
          validHost: request.host,
          originalRequest: request,
          messageResponse: answerReflection(descriptors(), request.messageRequest),
        });
      }
    },
  });
}

/** The descriptor set, rebuilt only when services were registered since the last request. */
function descriptorsOf(router: ConnectRouter, files: readonly DescFile[]): () => DescriptorSet {
  let cached: { handlerCount: number; set: DescriptorSet } | undefined;
  return () => {
    const handlerCount = router.handlers.length;
    if (cached?.handlerCount !== handlerCount) {
      const registered = router.handlers.map((handler) => handler.service.file);
      cached = { handlerCount, set: createDescriptorSet([...files, ...registered]) };
    }
    return cached.set;
  };
}

/** One reflection request answered from the descriptor set; never throws. */
export function answerReflection(set: DescriptorSet, query: ReflectionQuery): ReflectionAnswer {
  switch (query.case) {
    case 'listServices':
      return {
        case: 'listServicesResponse',
        value: { service: set.serviceNames.map((name) => ({ name })) },
      };
    case 'fileByFilename':
      return fileAnswer(set.fileByName(query.value), `file ${JSON.stringify(query.value)}`);
    case 'fileContainingSymbol':
      return fileAnswer(
        set.fileContainingSymbol(query.value),
        `symbol ${JSON.stringify(query.value)}`,
      );
    case 'fileContainingExtension': {
      const { containingType, extensionNumber } = query.value;
      return fileAnswer(
        set.fileContainingExtension(containingType, extensionNumber),
        `extension ${extensionNumber} of ${JSON.stringify(containingType)}`,
      );
    }
    case 'allExtensionNumbersOfType': {
      const numbers = set.extensionNumbersOf(query.value);
      if (!numbers)
        return errorAnswer(Code.NotFound, `type ${JSON.stringify(query.value)} not found`);
      return {
        case: 'allExtensionNumbersResponse',
        value: { baseTypeName: query.value, extensionNumber: numbers },
      };
    }
    default:
      return errorAnswer(Code.InvalidArgument, 'the request names no message_request');
  }
}

function fileAnswer(file: DescFile | undefined, what: string): ReflectionAnswer {
  if (!file) return errorAnswer(Code.NotFound, `${what} not found`);
  return {
    case: 'fileDescriptorResponse',
    value: { fileDescriptorProto: serializeFiles(withDependencies(file)) },
  };
}

function errorAnswer(code: Code, message: string): ReflectionAnswer {
  return { case: 'errorResponse', value: { errorCode: code, errorMessage: message } };
}
