/**
 * GitHub's webhook signature (cloudflare.md §4): `X-Hub-Signature-256: sha256=<hex>`, the
 * HMAC-SHA256 of the raw body bytes with the shared secret. Checked over the bytes as received,
 * before anything parses them, and compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header GitHub sends, and the one /webhook/cloudflare accepts too (lower case, as node has it). */
export const SIGNATURE_HEADER = 'x-hub-signature-256';

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/** `sha256=<hex>` for a body: what a sender puts in X-Hub-Signature-256 (tests, the fakes). */
export function webhookSignature(rawBody: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/**
 * True only for a well-formed `sha256=<64 hex digits>` header whose digest is the body's HMAC with
 * `secret`. A missing or malformed header, or an empty secret, is false (an empty secret would let
 * anyone who guesses it sign).
 */
export function verifyWebhookSignature(
  rawBody: Buffer,
  header: string | undefined,
  secret: string,
): boolean {
  if (secret === '' || header === undefined) return false;
  const match = SIGNATURE.exec(header.trim());
  if (!match) return false;
  const presented = Buffer.from(match[1]!, 'hex');
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  // Both are 32 bytes (the pattern fixes the length), as timingSafeEqual requires.
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
