import { describe, expect, it } from 'vitest';
import { GRPC_CODE_NAMES, grpcCodeIndex, grpcCodeName } from './grpc-codes.js';

describe('gRPC code names', () => {
  it('index by code as the spec numbers them', () => {
    expect(GRPC_CODE_NAMES).toHaveLength(17);
    expect(GRPC_CODE_NAMES[0]).toBe('OK');
    expect(GRPC_CODE_NAMES[1]).toBe('CANCELLED');
    expect(GRPC_CODE_NAMES[4]).toBe('DEADLINE_EXCEEDED');
    expect(GRPC_CODE_NAMES[12]).toBe('UNIMPLEMENTED');
    expect(GRPC_CODE_NAMES[14]).toBe('UNAVAILABLE');
    expect(GRPC_CODE_NAMES[16]).toBe('UNAUTHENTICATED');
  });

  it('agree with @grpc/grpc-js', async () => {
    const { status } = await import('@grpc/grpc-js');
    GRPC_CODE_NAMES.forEach((name, code) => {
      expect((status as unknown as Record<string, number>)[name]).toBe(code);
    });
  });

  it('report a code outside the spec as UNKNOWN', () => {
    expect(grpcCodeName(14)).toBe('UNAVAILABLE');
    for (const code of [17, -1, 1.5, Number.NaN, 99]) {
      expect(grpcCodeIndex(code)).toBe(2);
      expect(grpcCodeName(code)).toBe('UNKNOWN');
    }
  });
});
