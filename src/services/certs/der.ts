/**
 * A minimal DER (X.690) encoder, just enough to build an X.509 certificate, and a reader of one
 * element for walking the few structures we need to look inside (a public key's BIT STRING).
 * Only low tag numbers (0..30) are supported; that is all X.509 uses.
 */

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  objectIdentifier: 0x06,
  utf8String: 0x0c,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** Definite length: short form below 128, otherwise 0x80|n followed by n big-endian bytes. */
export function encodeLength(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`bad DER length ${length}`);
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, ...contents: Uint8Array[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

export const sequence = (...items: Uint8Array[]): Buffer => tlv(TAG.sequence, ...items);

/** SET OF: DER orders the encoded elements. */
export const set = (...items: Uint8Array[]): Buffer =>
  tlv(TAG.set, ...[...items].sort((a, b) => Buffer.compare(a, b)));

/**
 * A non-negative INTEGER, from a number, a bigint, or unsigned big-endian bytes. A 0x00 is
 * prepended when the high bit is set, so the value does not read back as negative.
 */
export function integer(value: number | bigint | Uint8Array): Buffer {
  let bytes: Buffer;
  if (value instanceof Uint8Array) {
    bytes = Buffer.from(value);
  } else {
    const big = BigInt(value);
    if (big < 0n) throw new RangeError('negative DER integers are not supported');
    const hex = big.toString(16);
    bytes = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
  }
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  bytes = bytes.subarray(start);
  if (bytes.length === 0) bytes = Buffer.from([0]);
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(TAG.integer, bytes);
}

export function objectIdentifier(dotted: string): Buffer {
  const arcs = dotted.split('.').map((arc) => {
    if (!/^\d+$/.test(arc)) throw new RangeError(`bad OID "${dotted}"`);
    return BigInt(arc);
  });
  const [first, second, ...rest] = arcs;
  if (first === undefined || second === undefined || first > 2n || (first < 2n && second > 39n))
    throw new RangeError(`bad OID "${dotted}"`);
  const bytes = [first * 40n + second, ...rest].flatMap(base128);
  return tlv(TAG.objectIdentifier, Uint8Array.from(bytes));
}

/** Base-128 digits, most significant first, the continuation bit on all but the last. */
function base128(value: bigint): number[] {
  const digits = [Number(value & 0x7fn)];
  for (let rest = value >> 7n; rest > 0n; rest >>= 7n) digits.unshift(Number(rest & 0x7fn) | 0x80);
  return digits;
}

export const boolean = (value: boolean): Buffer =>
  tlv(TAG.boolean, Buffer.from([value ? 0xff : 0]));

export const nullValue = (): Buffer => tlv(TAG.null);

export const octetString = (bytes: Uint8Array): Buffer => tlv(TAG.octetString, bytes);

export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  if (unusedBits < 0 || unusedBits > 7) throw new RangeError(`bad unused-bit count ${unusedBits}`);
  return tlv(TAG.bitString, Buffer.from([unusedBits]), bytes);
}

export const utf8String = (text: string): Buffer => tlv(TAG.utf8String, Buffer.from(text, 'utf8'));

/** The bytes of an IA5String (ASCII only), for use under an implicit tag too. */
export function ia5Bytes(text: string): Buffer {
  if ([...text].some((char) => char.charCodeAt(0) > 0x7f))
    throw new RangeError(`"${text}" is not an IA5 (ASCII) string`);
  return Buffer.from(text, 'ascii');
}

export const ia5String = (text: string): Buffer => tlv(TAG.ia5String, ia5Bytes(text));

/** UTCTime YYMMDDHHMMSSZ; RFC 5280 allows it for years 1950..2049 only. */
export function utcTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 2049) throw new RangeError(`UTCTime cannot hold the year ${year}`);
  return tlv(TAG.utcTime, Buffer.from(`${timeDigits(date).slice(2)}Z`, 'ascii'));
}

/** GeneralizedTime YYYYMMDDHHMMSSZ (no fractional seconds, as RFC 5280 requires). */
export function generalizedTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`GeneralizedTime cannot hold the year ${year}`);
  return tlv(TAG.generalizedTime, Buffer.from(`${timeDigits(date)}Z`, 'ascii'));
}

/** The X.509 Time choice: UTCTime through 2049, GeneralizedTime from 2050 on. */
export const x509Time = (date: Date): Buffer =>
  date.getUTCFullYear() < 2050 ? utcTime(date) : generalizedTime(date);

function timeDigits(date: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return (
    String(date.getUTCFullYear()).padStart(4, '0') +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds())
  );
}

/** [n] EXPLICIT: a constructed context-specific wrapper around one encoded element. */
export const explicit = (tagNumber: number, element: Uint8Array): Buffer =>
  tlv(0xa0 | contextTag(tagNumber), element);

/** [n] IMPLICIT over a primitive type: the content bytes under a context-specific tag. */
export const implicitPrimitive = (tagNumber: number, content: Uint8Array): Buffer =>
  tlv(0x80 | contextTag(tagNumber), content);

function contextTag(tagNumber: number): number {
  if (!Number.isInteger(tagNumber) || tagNumber < 0 || tagNumber > 30)
    throw new RangeError(`bad context tag ${tagNumber}`);
  return tagNumber;
}

export interface DerElement {
  tag: number;
  /** Where the content starts and the element ends, as offsets into the buffer read. */
  contentStart: number;
  end: number;
  content: Buffer;
}

/** Reads the one element at `offset` (definite lengths only, as DER requires). */
export function readElement(buffer: Buffer, offset = 0): DerElement {
  const tag = buffer[offset];
  const first = buffer[offset + 1];
  if (tag === undefined || first === undefined) throw new RangeError('DER element truncated');
  let length = first;
  let contentStart = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 6) throw new RangeError('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) {
      const byte = buffer[contentStart + i];
      if (byte === undefined) throw new RangeError('DER length truncated');
      length = length * 256 + byte;
    }
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > buffer.length) throw new RangeError('DER content truncated');
  return { tag, contentStart, end, content: buffer.subarray(contentStart, end) };
}

/** The elements inside a constructed element's content, in order. */
export function readChildren(content: Buffer): DerElement[] {
  const children: DerElement[] = [];
  for (let offset = 0; offset < content.length;) {
    const child = readElement(content, offset);
    children.push(child);
    offset = child.end;
  }
  return children;
}
