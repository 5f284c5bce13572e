import { describe, expect, it } from 'vitest';
import { checkedEnvelopes } from './request-check.js';

function envelope(flag: number, message: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + message.byteLength);
  out[0] = flag;
  new DataView(out.buffer).setUint32(1, message.byteLength);
  out.set(message, 5);
  return out;
}

async function* inChunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size);
}

describe('checking gRPC envelopes as they arrive', () => {
  it('finds every envelope in a body sent one byte at a time, and passes every byte on', async () => {
    const messages = [
      new Uint8Array(0),
      new Uint8Array(70_000).fill(7),
      Uint8Array.from([1, 2, 3]),
    ];
    const body = Buffer.concat(messages.map((m, i) => envelope(i === 2 ? 1 : 0, m)));
    const seen: Array<{ length: number; compressed: boolean; first: number | undefined }> = [];
    const passed: Uint8Array[] = [];
    for await (const chunk of checkedEnvelopes(
      inChunks(body, 1),
      async (data, compressed) =>
        void seen.push({ length: data.byteLength, compressed, first: data[0] }),
      1024 * 1024,
    )) {
      passed.push(chunk);
    }
    expect(seen).toEqual([
      { length: 0, compressed: false, first: undefined },
      { length: 70_000, compressed: false, first: 7 },
      { length: 3, compressed: true, first: 1 },
    ]);
    expect(Buffer.concat(passed).equals(body)).toBe(true);
  });

  it('stops checking at an envelope over the limit (the library refuses it from its header)', async () => {
    const body = Buffer.concat([
      envelope(0, new Uint8Array(10)),
      envelope(0, new Uint8Array(2000)),
    ]);
    const seen: number[] = [];
    for await (const _ of checkedEnvelopes(
      inChunks(body, 7),
      async (d) => void seen.push(d.byteLength),
      1000,
    )) {
      // drain
    }
    expect(seen).toEqual([10]);
  });
});
