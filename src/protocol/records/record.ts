import { ProtocolDecodeError } from '../primitives/errors.js';
import { sizeOfVarint, writeVarint } from '../primitives/varint.js';
import { readVarlongNumber, sizeOfVarlongNumber, writeVarlongNumber } from './varlong.js';

/**
 * Records inside a v2 batch (Kafka's DefaultRecord):
 *
 *   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
 *   keyLength varint | key | valueLength varint | value | headerCount varint |
 *   [headerKeyLength varint | headerKey utf8 | headerValueLength varint | headerValue]
 *
 * A length of -1 is null (Kafka reads any negative length as null). Keys, values and header
 * values decode as views into the (decompressed) records section; nothing is copied.
 */

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** A record as decoded, with its absolute offset and timestamp resolved against the batch. */
export class DecodedRecord {
  /** Unused by Kafka so far; kept as read. */
  attributes: number;
  timestampDelta: number;
  offsetDelta: number;
  /** baseOffset + offsetDelta. */
  offset: number;
  /** baseTimestamp + timestampDelta, or the batch's max timestamp under LogAppendTime. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /** Bytes the record took in the records section (length varint included). */
  sizeInBytes: number;

  constructor(attributes: number, timestampDelta: number, offsetDelta: number, offset: number, timestamp: number,
    key: Buffer | null, value: Buffer | null, headers: RecordHeader[], sizeInBytes: number) {
    this.attributes = attributes;
    this.timestampDelta = timestampDelta;
    this.offsetDelta = offsetDelta;
    this.offset = offset;
    this.timestamp = timestamp;
    this.key = key;
    this.value = value;
    this.headers = headers;
    this.sizeInBytes = sizeInBytes;
  }
}

/** A record to encode. Absent key/value are null; absent offsetDelta is the record's index. */
export interface RecordInput {
  key?: Uint8Array | null;
  value?: Uint8Array | null;
  headers?: readonly RecordHeaderInput[];
  /** Absolute timestamp (ms); defaults to the batch's base timestamp. */
  timestamp?: number;
  offsetDelta?: number;
  attributes?: number;
}

export interface RecordHeaderInput {
  key: string;
  value?: Uint8Array | null;
}

const NO_HEADERS: RecordHeader[] = [];
const scratch = new Float64Array(1);

/** Where the records come from and what their offsets and timestamps resolve against. */
export interface RecordsContext {
  baseOffset: number;
  baseTimestamp: number;
  /** Timestamp every record takes under LogAppendTime; null under CreateTime. */
  logAppendTime: number | null;
}

/**
 * Decodes exactly `count` records filling `body[start, end)`. Throws ProtocolDecodeError
 * when a record runs past its length or the section, when counts do not fit the bytes left,
 * or when bytes remain after the last record (Kafka: "Incorrect declared batch size").
 */
export function decodeRecords(body: Buffer, start: number, end: number, count: number, ctx: RecordsContext): DecodedRecord[] {
  if (count < 0) throw new ProtocolDecodeError(`invalid record count ${count}`, start);
  if (count > (end - start) / 7) {
    throw new ProtocolDecodeError(`record count ${count} exceeds the ${end - start} bytes of records`, start);
  }
  const records = new Array<DecodedRecord>(count);
  let pos = start;
  for (let i = 0; i < count; i++) {
    if (pos >= end) throw new ProtocolDecodeError(`batch declares ${count} records but holds ${i}`, pos);
    const recordStart = pos;
    const lenAt = readVarint(body, pos, end);
    pos = varintEnd;
    const recordEnd = pos + lenAt;
    if (lenAt < 0 || recordEnd > end) throw new ProtocolDecodeError(`invalid record size ${lenAt}`, recordStart);
    records[i] = decodeRecord(body, pos, recordEnd, recordEnd - recordStart, ctx);
    pos = recordEnd;
  }
  if (pos !== end) {
    throw new ProtocolDecodeError(`incorrect declared batch size: ${end - pos} bytes remain after ${count} records`, pos);
  }
  return records;
}

function decodeRecord(buf: Buffer, start: number, end: number, size: number, ctx: RecordsContext): DecodedRecord {
  let pos = start;
  if (pos >= end) throw new ProtocolDecodeError('empty record', pos);
  const attributes = buf.readInt8(pos++);
  pos = readVarlongNumber(buf, pos, end, scratch);
  const timestampDelta = scratch[0]!;
  const offsetDelta = readVarint(buf, pos, end);
  pos = varintEnd;
  const keyLength = readVarint(buf, pos, end);
  pos = varintEnd;
  let key: Buffer | null = null;
  if (keyLength >= 0) {
    if (keyLength > end - pos) throw new ProtocolDecodeError(`key length ${keyLength} runs past the record`, pos);
    key = buf.subarray(pos, pos + keyLength);
    pos += keyLength;
  }
  const valueLength = readVarint(buf, pos, end);
  pos = varintEnd;
  let value: Buffer | null = null;
  if (valueLength >= 0) {
    if (valueLength > end - pos) throw new ProtocolDecodeError(`value length ${valueLength} runs past the record`, pos);
    value = buf.subarray(pos, pos + valueLength);
    pos += valueLength;
  }
  const headerCount = readVarint(buf, pos, end);
  pos = varintEnd;
  let headers = NO_HEADERS;
  if (headerCount !== 0) {
    // Each header takes at least two bytes (two one-byte lengths).
    if (headerCount < 0 || headerCount > (end - pos) / 2) {
      throw new ProtocolDecodeError(`invalid number of record headers ${headerCount}`, pos);
    }
    headers = new Array<RecordHeader>(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const keyLen = readVarint(buf, pos, end);
      pos = varintEnd;
      if (keyLen < 0 || keyLen > end - pos) throw new ProtocolDecodeError(`invalid header key size ${keyLen}`, pos);
      const headerKey = buf.toString('utf8', pos, pos + keyLen);
      pos += keyLen;
      const valueLen = readVarint(buf, pos, end);
      pos = varintEnd;
      let headerValue: Buffer | null = null;
      if (valueLen >= 0) {
        if (valueLen > end - pos) throw new ProtocolDecodeError(`header value length ${valueLen} runs past the record`, pos);
        headerValue = buf.subarray(pos, pos + valueLen);
        pos += valueLen;
      }
      headers[h] = { key: headerKey, value: headerValue };
    }
  }
  if (pos !== end) throw new ProtocolDecodeError(`record size mismatch: ${end - pos} bytes left in the record`, pos);
  const timestamp = ctx.logAppendTime ?? ctx.baseTimestamp + timestampDelta;
  return new DecodedRecord(attributes, timestampDelta, offsetDelta, ctx.baseOffset + offsetDelta, timestamp,
    key, value, headers, size);
}

/** Position after the last readVarint: a module slot so the read returns one number. */
let varintEnd = 0;

/** Zig-zag varint (at most 5 bytes) at `pos`, bounded by `end`; sets varintEnd. */
function readVarint(buf: Buffer, pos: number, end: number): number {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) throw new ProtocolDecodeError('varint runs past the record', pos);
    const b = buf[pos++]!;
    result |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) {
      varintEnd = pos;
      return (result >>> 1) ^ -(result & 1);
    }
  }
  throw new ProtocolDecodeError('varint longer than 5 bytes', pos);
}

// ---- encoding --------------------------------------------------------------------------

/** Body size (without the length varint) of a record; header key byte lengths go to `keyLengths`. */
export function recordBodySize(record: RecordInput, offsetDelta: number, timestampDelta: number, keyLengths: number[]): number {
  let size = 1 + sizeOfVarint(offsetDelta) + sizeOfVarlongNumber(timestampDelta);
  const key = record.key;
  size += key == null ? 1 : sizeOfVarint(key.length) + key.length;
  const value = record.value;
  size += value == null ? 1 : sizeOfVarint(value.length) + value.length;
  const headers = record.headers;
  const headerCount = headers === undefined ? 0 : headers.length;
  size += sizeOfVarint(headerCount);
  for (let h = 0; h < headerCount; h++) {
    const header = headers![h]!;
    const keyLen = Buffer.byteLength(header.key, 'utf8');
    keyLengths.push(keyLen);
    size += sizeOfVarint(keyLen) + keyLen;
    const hv = header.value;
    size += hv == null ? 1 : sizeOfVarint(hv.length) + hv.length;
  }
  return size;
}

/** Writes one record whose body size was computed; returns the position after it. */
export function writeRecord(buf: Buffer, pos: number, record: RecordInput, bodySize: number, offsetDelta: number,
  timestampDelta: number, keyLengths: number[], keyLengthIndex: number): number {
  pos = writeVarint(buf, pos, bodySize);
  buf[pos++] = (record.attributes ?? 0) & 0xff;
  pos = writeVarlongNumber(buf, pos, timestampDelta);
  pos = writeVarint(buf, pos, offsetDelta);
  pos = writeNullableBytes(buf, pos, record.key);
  pos = writeNullableBytes(buf, pos, record.value);
  const headers = record.headers;
  const headerCount = headers === undefined ? 0 : headers.length;
  pos = writeVarint(buf, pos, headerCount);
  for (let h = 0; h < headerCount; h++) {
    const header = headers![h]!;
    const keyLen = keyLengths[keyLengthIndex++]!;
    pos = writeVarint(buf, pos, keyLen);
    if (keyLen > 0) buf.write(header.key, pos, keyLen, 'utf8');
    pos += keyLen;
    pos = writeNullableBytes(buf, pos, header.value);
  }
  return pos;
}

function writeNullableBytes(buf: Buffer, pos: number, bytes: Uint8Array | null | undefined): number {
  if (bytes == null) return writeVarint(buf, pos, -1);
  pos = writeVarint(buf, pos, bytes.length);
  buf.set(bytes, pos);
  return pos + bytes.length;
}
