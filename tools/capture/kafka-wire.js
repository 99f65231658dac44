// Just enough of the Kafka wire format, written by hand for the capture tool: request/response
// headers, the Produce request body (to find its record batches), record batch v2 and the
// records inside it (decompressing with the project's codec packages). Not the project's
// codecs (those are generated in src/protocol/); this only labels captured traffic.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const SPEC_DIR = path.resolve(here, '..', '..', '..', 'shared', 'kafka-protocol', 'messages');

/** Parses Kafka's JSON-with-comments spec files. */
function readSpec(file) {
  const text = fs.readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, '');
  return JSON.parse(text);
}

/** "0-3" | "3+" | "none" -> predicate */
function versionRange(spec) {
  if (!spec || spec === 'none') return () => false;
  if (spec.endsWith('+')) {
    const min = Number(spec.slice(0, -1));
    return (v) => v >= min;
  }
  const [a, b] = spec.split('-').map(Number);
  return (v) => v >= a && v <= (b ?? a);
}

/** apiKey -> { name, flexible(v) } from shared/kafka-protocol/messages/*Request.json */
let apiTable = null;
export function apis() {
  if (apiTable) return apiTable;
  apiTable = new Map();
  if (fs.existsSync(SPEC_DIR)) {
    for (const f of fs.readdirSync(SPEC_DIR)) {
      if (!f.endsWith('Request.json')) continue;
      const spec = readSpec(path.join(SPEC_DIR, f));
      if (spec.type !== 'request') continue;
      apiTable.set(spec.apiKey, {
        name: spec.name.replace(/Request$/, ''),
        flexible: versionRange(spec.flexibleVersions),
        validVersions: spec.validVersions,
      });
    }
  }
  return apiTable;
}

export function apiName(apiKey) {
  return apis().get(apiKey)?.name ?? `ApiKey${apiKey}`;
}

/** Request header version per KIP-482: 2 for flexible versions, 1 otherwise (0 for ControlledShutdown v0). */
export function requestHeaderVersion(apiKey, apiVersion) {
  if (apiKey === 7 && apiVersion === 0) return 0;
  return apis().get(apiKey)?.flexible(apiVersion) ? 2 : 1;
}

/** Response header version: 1 for flexible versions, 0 otherwise; ApiVersions responses always use 0. */
export function responseHeaderVersion(apiKey, apiVersion) {
  if (apiKey === 18) return 0;
  return apis().get(apiKey)?.flexible(apiVersion) ? 1 : 0;
}

/** A bounds-checked cursor over a Buffer. */
export class Reader {
  constructor(buf, pos = 0) {
    this.buf = buf;
    this.pos = pos;
  }
  need(n) {
    if (this.pos + n > this.buf.length) throw new RangeError(`read past end (${this.pos}+${n} > ${this.buf.length})`);
  }
  int8() { this.need(1); return this.buf.readInt8(this.pos++); }
  int16() { this.need(2); const v = this.buf.readInt16BE(this.pos); this.pos += 2; return v; }
  int32() { this.need(4); const v = this.buf.readInt32BE(this.pos); this.pos += 4; return v; }
  uint32() { this.need(4); const v = this.buf.readUInt32BE(this.pos); this.pos += 4; return v; }
  int64() { this.need(8); const v = this.buf.readBigInt64BE(this.pos); this.pos += 8; return v; }
  bytes(n) { this.need(n); const b = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return b; }
  uvarint() {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new RangeError('varint past end');
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return v;
      shift += 7;
      if (shift > 63) throw new RangeError('varint too long');
    }
  }
  varint() { const u = this.uvarint(); return u % 2 === 0 ? u / 2 : -(u + 1) / 2; }
  /** nullable string, int16 length */
  string() { const n = this.int16(); return n < 0 ? null : this.bytes(n).toString('utf8'); }
  compactString() { const n = this.uvarint() - 1; return n < 0 ? null : this.bytes(n).toString('utf8'); }
  taggedFields() {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      this.bytes(this.uvarint());
    }
  }
}

/**
 * Reads the request header: api key, api version, correlation id, client id (header v1+),
 * and the header's length (so the body starts at headerLength).
 * @param {Buffer} body frame body without the 4-byte size
 */
export function parseRequestHeader(body) {
  const r = new Reader(body);
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  let clientId = null;
  if (headerVersion >= 1) clientId = r.string();
  if (headerVersion >= 2) r.taggedFields();
  return { apiKey, apiVersion, correlationId, clientId, headerVersion, headerLength: r.pos };
}

export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/**
 * Finds the record batches in a Produce request (v3+).
 * @returns {{transactionalId: string|null, acks: number, timeoutMs: number, partitions: {topic: string, partition: number, records: Buffer|null}[]}}
 */
export function parseProduceRequest(body) {
  const h = parseRequestHeader(body);
  if (h.apiKey !== 0) throw new Error('not a Produce request');
  const flexible = h.headerVersion >= 2;
  const r = new Reader(body, h.headerLength);
  const str = () => (flexible ? r.compactString() : r.string());
  const arrayLen = () => (flexible ? r.uvarint() - 1 : r.int32());
  const transactionalId = str();
  const acks = r.int16();
  const timeoutMs = r.int32();
  const partitions = [];
  const nTopics = arrayLen();
  for (let t = 0; t < nTopics; t++) {
    const topic = str();
    const nParts = arrayLen();
    for (let p = 0; p < nParts; p++) {
      const partition = r.int32();
      const len = flexible ? r.uvarint() - 1 : r.int32();
      const records = len < 0 ? null : r.bytes(len);
      if (flexible) r.taggedFields();
      partitions.push({ topic, partition, records });
    }
    if (flexible) r.taggedFields();
  }
  if (flexible) r.taggedFields();
  return { transactionalId, acks, timeoutMs, partitions };
}

/** Splits a records blob into record batch v2 headers (61 bytes) plus their payloads. */
export function parseBatches(records) {
  const out = [];
  let pos = 0;
  while (records && pos + 61 <= records.length) {
    const r = new Reader(records, pos);
    const baseOffset = r.int64();
    const batchLength = r.int32();
    const end = pos + 12 + batchLength;
    if (end > records.length) break; // partial trailing batch (allowed in Fetch responses)
    const partitionLeaderEpoch = r.int32();
    const magic = r.int8();
    if (magic !== 2) throw new Error(`unsupported magic ${magic}`);
    const crc = r.uint32();
    const attributes = r.int16();
    const lastOffsetDelta = r.int32();
    const baseTimestamp = r.int64();
    const maxTimestamp = r.int64();
    const producerId = r.int64();
    const producerEpoch = r.int16();
    const baseSequence = r.int32();
    const recordCount = r.int32();
    out.push({
      offset: pos,
      baseOffset,
      batchLength,
      partitionLeaderEpoch,
      magic,
      crc,
      attributes,
      codec: CODECS[attributes & 7] ?? `codec${attributes & 7}`,
      timestampType: attributes & 8 ? 'LogAppendTime' : 'CreateTime',
      isTransactional: (attributes & 16) !== 0,
      isControl: (attributes & 32) !== 0,
      lastOffsetDelta,
      baseTimestamp,
      maxTimestamp,
      producerId,
      producerEpoch,
      baseSequence,
      recordCount,
      payload: records.subarray(pos + 61, end),
      crcCovered: records.subarray(pos + 21, end),
    });
    pos = end;
  }
  return out;
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

/** Decompresses a batch payload; returns { data, framing } (framing names the container format). */
export async function decompress(codec, payload) {
  switch (codec) {
    case 'none':
      return { data: payload, framing: 'none' };
    case 'gzip':
      return { data: zlib.gunzipSync(payload), framing: 'gzip' };
    case 'snappy': {
      const snappy = await import('snappy');
      if (payload.length >= 16 && payload.subarray(0, 8).equals(XERIAL_MAGIC)) {
        // xerial snappy-java stream: 8-byte magic, int32 version, int32 compatible version,
        // then blocks of int32 length + raw snappy
        const parts = [];
        let pos = 16;
        while (pos + 4 <= payload.length) {
          const n = payload.readInt32BE(pos);
          pos += 4;
          parts.push(snappy.uncompressSync(payload.subarray(pos, pos + n)));
          pos += n;
        }
        return { data: Buffer.concat(parts), framing: 'snappy-xerial' };
      }
      return { data: snappy.uncompressSync(payload), framing: 'snappy-raw' };
    }
    case 'lz4': {
      const lz4 = await import('lz4-napi');
      return { data: Buffer.from(lz4.decompressFrameSync(payload)), framing: 'lz4-frame' };
    }
    case 'zstd': {
      const zstd = await import('@mongodb-js/zstd');
      return { data: Buffer.from(await zstd.decompress(payload)), framing: 'zstd-frame' };
    }
    default:
      throw new Error(`unknown codec ${codec}`);
  }
}

/** Text when the bytes are printable UTF-8, else base64. */
export function describeBytes(b) {
  if (b === null) return null;
  const s = b.toString('utf8');
  if (Buffer.from(s, 'utf8').equals(b) && !/[\u0000-\u0008\u000e-\u001f\u007f\ufffd]/.test(s)) return { utf8: s };
  return { base64: b.toString('base64') };
}

/** Decodes the records of one batch (after decompression). */
export function parseRecords(data, count) {
  const r = new Reader(data);
  const records = [];
  for (let i = 0; i < count; i++) {
    const length = r.varint();
    const start = r.pos;
    const attributes = r.int8();
    const timestampDelta = r.varint();
    const offsetDelta = r.varint();
    const kl = r.varint();
    const key = kl < 0 ? null : r.bytes(kl);
    const vl = r.varint();
    const value = vl < 0 ? null : r.bytes(vl);
    const nh = r.varint();
    const headers = [];
    for (let h = 0; h < nh; h++) {
      const hk = r.bytes(r.varint()).toString('utf8');
      const hvl = r.varint();
      headers.push({ key: hk, value: describeBytes(hvl < 0 ? null : r.bytes(hvl)) });
    }
    if (r.pos - start !== length) throw new Error(`record ${i}: length ${length} but read ${r.pos - start}`);
    records.push({ attributes, timestampDelta, offsetDelta, key: describeBytes(key), value: describeBytes(value), headers });
  }
  if (r.pos !== data.length) throw new Error(`${data.length - r.pos} bytes left after ${count} records`);
  return records;
}
