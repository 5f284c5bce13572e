// Types of echo-codec.mjs, for the TypeScript tests (test/bench/).
import type { EchoRequestFields } from './load-generator.mjs';

export declare function encodeEchoRequest(request?: EchoRequestFields): Buffer;
export declare function decodeEchoReply(buffer: Uint8Array): {
  payloadLength: number;
  servedBy: string;
  received: number;
};
export declare function servedByOf(buffer: Uint8Array): string;
