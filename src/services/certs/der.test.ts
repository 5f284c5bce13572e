import { describe, expect, it } from 'vitest';
import {
  bitString,
  boolean,
  encodeLength,
  explicit,
  generalizedTime,
  ia5String,
  implicitPrimitive,
  integer,
  nullValue,
  objectIdentifier,
  octetString,
  readChildren,
  readElement,
  sequence,
  set,
  tlv,
  utcTime,
  utf8String,
  x509Time,
} from './der.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('encodeLength', () => {
  it.each([
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8180'],
    [255, '81ff'],
    [256, '820100'],
    [65_535, '82ffff'],
    [65_536, '83010000'],
  ])('%i -> %s', (length, expected) => {
    expect(hex(encodeLength(length))).toBe(expected);
  });

  it('rejects negative and fractional lengths', () => {
    expect(() => encodeLength(-1)).toThrow(RangeError);
    expect(() => encodeLength(1.5)).toThrow(RangeError);
  });
});

describe('tlv and readElement', () => {
  it.each([
    [5, '3005'],
    [127, '307f'],
    [128, '308180'],
    [200, '3081c8'],
    [255, '3081ff'],
    [256, '30820100'],
    [300, '3082012c'],
    [70_000, '3083011170'],
  ])('a %i-byte body gets the header %s and reads back whole', (size, header) => {
    const body = Buffer.alloc(size, 0xab);
    const encoded = sequence(body);
    expect(hex(encoded.subarray(0, header.length / 2))).toBe(header);
    expect(encoded.length).toBe(header.length / 2 + size);
    const element = readElement(encoded);
    expect(element.tag).toBe(0x30);
    expect(element.end).toBe(encoded.length);
    expect(element.content.equals(body)).toBe(true);
  });

  it('reads the children of a constructed element in order', () => {
    const encoded = sequence(integer(1), octetString(Buffer.alloc(300, 1)), nullValue());
    const children = readChildren(readElement(encoded).content);
    expect(children.map((c) => c.tag)).toEqual([0x02, 0x04, 0x05]);
    expect(children[1]?.content.length).toBe(300);
  });

  it('rejects truncated input', () => {
    const encoded = sequence(Buffer.alloc(300));
    expect(() => readElement(encoded.subarray(0, 100))).toThrow(/truncated/);
    expect(() => readElement(Buffer.from([0x30]))).toThrow(/truncated/);
    expect(() => readElement(Buffer.from([0x30, 0x82, 0x01]))).toThrow(/truncated/);
  });
});

describe('integer', () => {
  it.each<[number | bigint, string]>([
    [0, '020100'],
    [1, '020101'],
    [2, '020102'],
    [127, '02017f'],
    [128, '02020080'],
    [255, '020200ff'],
    [256, '02020100'],
    [32_768, '0203008000'],
    [2n ** 64n, '0209010000000000000000'],
  ])('%s -> %s', (value, expected) => {
    expect(hex(integer(value))).toBe(expected);
  });

  it('keeps unsigned bytes positive and strips redundant leading zeros', () => {
    expect(hex(integer(Buffer.from([0x80])))).toBe('02020080');
    expect(hex(integer(Buffer.from([0x00, 0x00, 0x7f])))).toBe('02017f');
    expect(hex(integer(Buffer.from([0x00, 0x00, 0x80])))).toBe('02020080');
    expect(hex(integer(Buffer.alloc(0)))).toBe('020100');
    const serial = Buffer.alloc(16, 0xff);
    expect(hex(integer(serial))).toBe(`021100${'ff'.repeat(16)}`);
  });

  it('refuses negative values', () => {
    expect(() => integer(-1)).toThrow(RangeError);
  });
});

describe('objectIdentifier', () => {
  it.each([
    ['1.2.840.113549.1.1.11', '06092a864886f70d01010b'],
    ['1.2.840.10045.4.3.2', '06082a8648ce3d040302'],
    ['2.5.29.17', '0603551d11'],
    ['2.5.4.3', '0603550403'],
    ['1.3.6.1.5.5.7.3.1', '06082b06010505070301'],
    ['0.0', '060100'],
    ['2.999.3', '0603883703'],
    ['1.2.4294967296', '06062a9080808000'],
  ])('%s -> %s', (oid, expected) => {
    expect(hex(objectIdentifier(oid))).toBe(expected);
  });

  it.each(['1', '3.1', '1.40', '1.a', '', '1..2'])('rejects "%s"', (oid) => {
    expect(() => objectIdentifier(oid)).toThrow(RangeError);
  });
});

describe('strings, booleans and bit strings', () => {
  it('encodes the primitives', () => {
    expect(hex(boolean(true))).toBe('0101ff');
    expect(hex(boolean(false))).toBe('010100');
    expect(hex(nullValue())).toBe('0500');
    expect(hex(octetString(Buffer.from([1, 2])))).toBe('04020102');
    expect(hex(bitString(Buffer.from([0xa0]), 5))).toBe('030205a0');
    expect(hex(utf8String('é'))).toBe('0c02c3a9');
    expect(hex(ia5String('ab'))).toBe('16026162');
  });

  it('refuses non-ASCII IA5 strings and bad unused-bit counts', () => {
    expect(() => ia5String('bücher')).toThrow(/IA5/);
    expect(() => bitString(Buffer.from([0]), 8)).toThrow(RangeError);
  });

  it('sorts SET OF elements as DER requires', () => {
    expect(hex(set(integer(2), integer(1)))).toBe('3106020101020102');
  });

  it('builds explicit and implicit context tags', () => {
    expect(hex(explicit(0, integer(2)))).toBe('a003020102');
    expect(hex(explicit(3, sequence()))).toBe('a3023000');
    expect(hex(implicitPrimitive(7, Buffer.from([127, 0, 0, 1])))).toBe('87047f000001');
    expect(() => explicit(31, nullValue())).toThrow(RangeError);
    expect(hex(tlv(0x04))).toBe('0400');
  });
});

describe('times', () => {
  const ascii = (encoded: Buffer): string => encoded.subarray(2).toString('ascii');

  it('writes UTCTime through 2049 and GeneralizedTime from 2050', () => {
    const last = new Date(Date.UTC(2049, 11, 31, 23, 59, 59));
    const first = new Date(Date.UTC(2050, 0, 1, 0, 0, 0));
    expect(x509Time(last)[0]).toBe(0x17);
    expect(ascii(x509Time(last))).toBe('491231235959Z');
    expect(x509Time(first)[0]).toBe(0x18);
    expect(ascii(x509Time(first))).toBe('20500101000000Z');
    expect(ascii(utcTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678))))).toBe('260102030405Z');
    expect(ascii(generalizedTime(new Date(Date.UTC(2136, 5, 5))))).toBe('21360605000000Z');
  });

  it('refuses years UTCTime cannot hold', () => {
    expect(() => utcTime(new Date(Date.UTC(2050, 0, 1)))).toThrow(RangeError);
    expect(() => utcTime(new Date(Date.UTC(1949, 11, 31)))).toThrow(RangeError);
  });
});
