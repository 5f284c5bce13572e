/**
 * The tray's three icons, drawn in code (a filled disc: green, amber, grey) so there is no asset
 * to ship next to the bundle. systray2 wants base64: PNG on Linux and macOS, ICO on Windows (an
 * ICO that wraps the PNG, which Windows reads since Vista).
 */
import { deflateSync } from 'node:zlib';
import type { Platform } from '../shared/index.js';
import type { TrayIcon } from './model.js';

const SIZE = 32;

const COLOURS: Record<TrayIcon, readonly [number, number, number]> = {
  healthy: [46, 160, 67],
  degraded: [219, 142, 0],
  down: [128, 128, 128],
};

/** The icon as systray2 takes it for this platform. */
export function trayIconBase64(icon: TrayIcon, platform: Platform): string {
  const png = discPng(COLOURS[icon], SIZE);
  return (platform === 'win32' ? icoFromPng(png, SIZE) : png).toString('base64');
}

/** A filled, anti-aliased disc on a transparent square, as an RGBA PNG. */
export function discPng(rgb: readonly [number, number, number], size: number): Buffer {
  const stride = size * 4 + 1;
  const raw = Buffer.alloc(stride * size);
  const centre = (size - 1) / 2;
  const radius = size / 2 - 1;
  for (let y = 0; y < size; y++) {
    raw[y * stride] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const distance = Math.hypot(x - centre, y - centre);
      const coverage = Math.min(1, Math.max(0, radius - distance + 0.5));
      const offset = y * stride + 1 + x * 4;
      raw[offset] = rgb[0];
      raw[offset + 1] = rgb[1];
      raw[offset + 2] = rgb[2];
      raw[offset + 3] = Math.round(coverage * 255);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An ICO file with one PNG-compressed image. */
export function icoFromPng(png: Buffer, size: number): Buffer {
  const header = Buffer.alloc(6 + 16);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(1, 4); // one image
  header[6] = size >= 256 ? 0 : size; // width (0 means 256)
  header[7] = size >= 256 ? 0 : size; // height
  header[8] = 0; // no palette
  header[9] = 0; // reserved
  header.writeUInt16LE(1, 10); // colour planes
  header.writeUInt16LE(32, 12); // bits per pixel
  header.writeUInt32LE(png.length, 14);
  header.writeUInt32LE(header.length, 18); // offset of the image
  return Buffer.concat([header, png]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

let crcTable: Uint32Array | undefined;

/** CRC-32 as PNG defines it (zlib.crc32 needs Node 20.15). */
export function crc32(data: Uint8Array): number {
  const table = (crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  }));
  let crc = 0xffffffff;
  for (const byte of data) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
