import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, discPng, trayIconBase64 } from './icons.js';

/** The chunks of a PNG, each with its CRC checked. */
function chunks(png: Buffer): Map<string, Buffer> {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const found = new Map<string, Buffer>();
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const body = png.subarray(at + 4, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(body));
    found.set(body.subarray(0, 4).toString('latin1'), body.subarray(4));
    at += 12 + length;
  }
  return found;
}

describe('tray icons', () => {
  it('crc32 matches the PNG reference value', () => {
    expect(crc32(Buffer.from('IEND', 'latin1'))).toBe(0xae426082);
  });

  it('draws an RGBA PNG disc: opaque centre, transparent corner, the colour asked for', () => {
    const found = chunks(discPng([10, 20, 30], 32));
    const header = found.get('IHDR')!;
    expect([header.readUInt32BE(0), header.readUInt32BE(4), header[8], header[9]]).toEqual([
      32, 32, 8, 6,
    ]);
    const raw = inflateSync(found.get('IDAT')!);
    const pixel = (x: number, y: number) => raw.subarray(y * 129 + 1 + x * 4, y * 129 + 5 + x * 4);
    expect([...pixel(16, 16)]).toEqual([10, 20, 30, 255]);
    expect(pixel(0, 0)[3]).toBe(0);
    expect(found.has('IEND')).toBe(true);
  });

  it('gives three different icons, PNG outside Windows and an ICO wrapping it on Windows', () => {
    const linux = ['healthy', 'degraded', 'down'].map((icon) =>
      Buffer.from(trayIconBase64(icon as 'healthy', 'linux'), 'base64'),
    );
    expect(new Set(linux.map((b) => b.toString('hex'))).size).toBe(3);
    for (const png of linux) chunks(png);
    const ico = Buffer.from(trayIconBase64('healthy', 'win32'), 'base64');
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([0, 1, 1]);
    expect([ico[6], ico[7], ico.readUInt16LE(12)]).toEqual([32, 32, 32]);
    const offset = ico.readUInt32LE(18);
    expect(ico.readUInt32LE(14)).toBe(ico.length - offset);
    expect(ico.subarray(offset)).toEqual(linux[0]);
  });
});
