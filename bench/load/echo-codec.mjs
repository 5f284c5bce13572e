/**
 * Hand-written protobuf for the echo fixture (test/fixtures/protos/echo.proto), so the load tool
 * sends one pre-encoded Buffer per call and decodes nothing it does not need: a grpc-js client
 * with identity serializers spends its CPU on HTTP/2, not on protobuf.js objects.
 *   EchoRequest { bytes payload = 1; int32 delay_ms = 2; int32 burn_ms = 3; int32 fail_code = 4;
 *                 string fail_message = 5; int32 count = 6; }
 *   EchoReply   { bytes payload = 1; string served_by = 2; int32 received = 3; }
 */

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

function varint(value, out) {
  // int32 fields: a negative value is sign-extended to 10 bytes, as protobuf does.
  let v = BigInt.asUintN(64, BigInt(value));
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
}

const INT_FIELDS = [
  ['delay_ms', 2],
  ['burn_ms', 3],
  ['fail_code', 4],
  ['count', 6],
];

/**
 * Encodes an EchoRequest from { payload?: Buffer | string | number (that many bytes of 'x'),
 * delay_ms?, burn_ms?, fail_code?, fail_message?, count? }. Zero values are left out (proto3).
 */
export function encodeEchoRequest(request = {}) {
  const head = [];
  const parts = [];
  const flush = () => {
    if (head.length > 0) parts.push(Buffer.from(head.splice(0)));
  };
  const bytesField = (field, bytes) => {
    if (bytes.length === 0) return;
    varint((field << 3) | LENGTH_DELIMITED, head);
    varint(bytes.length, head);
    flush();
    parts.push(bytes);
  };
  let payload = request.payload ?? Buffer.alloc(0);
  if (typeof payload === 'number') payload = Buffer.alloc(payload, 'x');
  else if (typeof payload === 'string') payload = Buffer.from(payload);
  bytesField(1, payload);
  for (const [name, field] of INT_FIELDS) {
    const value = request[name] ?? 0;
    if (!Number.isInteger(value)) throw new Error(`EchoRequest.${name} must be an integer`);
    if (value === 0) continue;
    varint((field << 3) | VARINT, head);
    varint(value, head);
  }
  if (request.fail_message) bytesField(5, Buffer.from(request.fail_message));
  flush();
  return Buffer.concat(parts);
}

/** Reads a varint at `offset`: [value, next offset]; values above 2^53 lose precision. */
function readVarint(buffer, offset) {
  let value = 0;
  let scale = 1;
  for (let i = offset; i < buffer.length; i++) {
    const byte = buffer[i];
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) return [value, i + 1];
  }
  throw new Error('truncated protobuf varint');
}

/**
 * The fields of an EchoReply: { payloadLength, servedBy, received } (absent fields are
 * 0 / '' / 0). Unknown fields are skipped.
 */
export function decodeEchoReply(buffer) {
  let payloadLength = 0;
  let servedBy = '';
  let received = 0;
  let offset = 0;
  while (offset < buffer.length) {
    let key;
    [key, offset] = readVarint(buffer, offset);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === VARINT) {
      let value;
      [value, offset] = readVarint(buffer, offset);
      if (field === 3) received = value;
    } else if (wire === LENGTH_DELIMITED) {
      let length;
      [length, offset] = readVarint(buffer, offset);
      const end = offset + length;
      if (end > buffer.length) throw new Error('truncated protobuf field');
      if (field === 1) payloadLength = length;
      else if (field === 2) servedBy = buffer.toString('utf8', offset, end);
      offset = end;
    } else if (wire === FIXED64) offset += 8;
    else if (wire === FIXED32) offset += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  return { payloadLength, servedBy, received };
}

/** served_by of an EchoReply, or '' when absent. */
export function servedByOf(buffer) {
  return decodeEchoReply(buffer).servedBy;
}
