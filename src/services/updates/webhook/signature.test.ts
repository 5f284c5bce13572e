import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature, webhookSignature } from './signature.js';

// cloudflare.md §4's test vector, byte for byte.
const VECTOR_BODY = '{"ref":"refs/tags/v1.2.3","repository":{"full_name":"owner/repo"}}';
const VECTOR_SECRET = 'local-webhook-secret';
const VECTOR_SIGNATURE = 'sha256=34061b4b68d25e9ca14ca7f13ede10d6c5af9e297371a515c4d02c598024e65f';

describe('verifyWebhookSignature', () => {
  it("accepts the spec's test vector, and webhookSignature computes it", () => {
    const body = Buffer.from(VECTOR_BODY, 'utf8');
    expect(webhookSignature(body, VECTOR_SECRET)).toBe(VECTOR_SIGNATURE);
    expect(verifyWebhookSignature(body, VECTOR_SIGNATURE, VECTOR_SECRET)).toBe(true);
    // Upper-case hex and surrounding blanks are the same digest.
    expect(
      verifyWebhookSignature(
        body,
        ` sha256=${VECTOR_SIGNATURE.slice(7).toUpperCase()} `,
        VECTOR_SECRET,
      ),
    ).toBe(true);
  });

  it('refuses a different body, secret or digest', () => {
    const body = Buffer.from(VECTOR_BODY, 'utf8');
    expect(
      verifyWebhookSignature(Buffer.from(`${VECTOR_BODY} `), VECTOR_SIGNATURE, VECTOR_SECRET),
    ).toBe(false);
    expect(verifyWebhookSignature(body, VECTOR_SIGNATURE, 'another-secret')).toBe(false);
    const flipped = VECTOR_SIGNATURE.slice(0, -1) + (VECTOR_SIGNATURE.endsWith('f') ? 'e' : 'f');
    expect(verifyWebhookSignature(body, flipped, VECTOR_SECRET)).toBe(false);
  });

  it('refuses missing and malformed headers, and an empty secret', () => {
    const body = Buffer.from(VECTOR_BODY, 'utf8');
    const hex = VECTOR_SIGNATURE.slice('sha256='.length);
    const sha1 = `sha1=${createHmac('sha1', VECTOR_SECRET).update(body).digest('hex')}`;
    for (const header of [
      undefined,
      '',
      hex, // no algorithm
      `sha256=${hex.slice(0, 62)}`, // short
      `sha256=${hex}00`, // long
      `sha256=${hex.slice(0, 63)}g`, // not hex
      `sha512=${hex}`,
      sha1, // X-Hub-Signature (SHA-1) is not accepted
      `sha256=${hex},sha256=${hex}`,
    ])
      expect(verifyWebhookSignature(body, header, VECTOR_SECRET), String(header)).toBe(false);
    expect(verifyWebhookSignature(body, webhookSignature(body, ''), '')).toBe(false);
  });

  it('is computed over the bytes as received, not over their decoding', () => {
    // 0xff is not UTF-8: decoding then re-encoding would change the bytes, and the digest.
    const body = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff]), Buffer.from('"}')]);
    const signature = webhookSignature(body, VECTOR_SECRET);
    expect(verifyWebhookSignature(body, signature, VECTOR_SECRET)).toBe(true);
    expect(
      verifyWebhookSignature(Buffer.from(body.toString('utf8'), 'utf8'), signature, VECTOR_SECRET),
    ).toBe(false);
  });
});
