/**
 * Runs one fuzz case through every decoder it concerns and counts what came out. A decoder
 * may return, throw ProtocolDecodeError, or return a typed fault (BatchFault); anything else
 * is recorded as a failure by FuzzStats. A few invariants are checked on the way: a decoded
 * frame ends inside the buffer, a batch the cursor frames lies inside the buffer, a
 * decompression never returns more than its cap, and a message decoder gives the same
 * outcome whether or not bytes follow the reader's end (it must not read past `end`).
 *
 * Decoded Produce requests and Fetch responses go on down the broker's path: every
 * partition's records through validateProduceRecords + validateClientBatch, every fetched
 * batch through BatchCursor + validateBatch.
 */
import { decompress, decompressSync, scanLz4Frame, scanZstdFrames } from '../../src/protocol/compression/index.js';
import { apiInfo } from '../../src/protocol/generated/api-keys.js';
import { CODECS } from '../../src/protocol/generated/index.js';
import { decodeRequestFrame, decodeResponseFrame } from '../../src/protocol/header.js';
import { Reader } from '../../src/protocol/primitives/reader.js';
import {
  BatchCursor, BatchFault, checkBatch, CompressionType, decodeBatch, decodeBatchSync, decodeRecords, parseControlRecordKey,
  parseEndTxnMarker, validateBatch, validateClientBatch, validateProduceRecords, type DecodedBatch,
} from '../../src/protocol/records/index.js';
import type { FuzzCase } from './cases.js';
import { recordsFields } from './corpus.js';
import type { FuzzStats, Trial } from './stats.js';

const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const REQUEST_HEADER = CODECS['RequestHeader']!;

export function execute(c: FuzzCase, stats: FuzzStats, t: Trial): void | Promise<void> {
  switch (c.target) {
    case 'request': return runRequest(c, stats, t);
    case 'response': return runResponse(c, stats, t);
    case 'message': return runMessage(c, stats, t);
    case 'batch': return runBatch(c.data, c.produceVersion, c.maxBatchSize, c.cap, c.async, stats, t);
    case 'records': return runRecords(c, stats, t);
    case 'compressed': return runCompressed(c, stats, t);
  }
}

/** Describes a case's decoder parameters for a failure report. */
export function describe(c: FuzzCase): string {
  switch (c.target) {
    case 'request': return `decodeRequestFrame(buf, { sizePrefixed: ${c.sizePrefixed}, offset: ${c.offset} })`;
    case 'response': return `decodeResponseFrame(buf, ${c.apiKey}, ${c.version})`;
    case 'message': return `${c.pair.name}.decode(buf, ${c.offset}, ${c.version ?? c.pair.version})${c.differential ? ' + bounded Reader' : ''}`;
    case 'batch': return `batch checks, produce v${c.produceVersion}, maxBatchSize ${c.maxBatchSize}, cap ${c.cap}, ${c.async ? 'async' : 'sync'} decode`;
    case 'records': return `decodeRecords(buf, 0, len, ${c.count}, ${JSON.stringify(c.ctx)})`;
    case 'compressed': return `decompress${c.async ? '' : 'Sync'}(${c.codec}, buf, ${c.cap})`;
  }
}

function count(stats: FuzzStats, name: string, ok: boolean): void {
  const d = stats.decoder(name);
  d.calls++;
  if (ok) d.ok++;
  else d.rejected++;
}

function runRequest(c: Extract<FuzzCase, { target: 'request' }>, stats: FuzzStats, t: Trial): void {
  const buf = c.data;
  const start = c.offset + (c.sizePrefixed ? 4 : 0);
  if (buf.length >= start + 4) {
    const api = apiInfo(buf.readInt16BE(start));
    const version = buf.readInt16BE(start + 2);
    if (api !== undefined && version >= api.validVersions.lowest && version <= api.validVersions.highest) {
      stats.pair(api.request.name, version);
      stats.pair(REQUEST_HEADER.name, version >= api.requestFlexibleVersions.lowest ? 2 : 1);
    }
  }
  let frame;
  try {
    frame = decodeRequestFrame(buf, { sizePrefixed: c.sizePrefixed, offset: c.offset });
  } catch (e) {
    count(stats, 'frame:request', false);
    stats.thrown(t, 'decodeRequestFrame', buf, e);
    return;
  }
  count(stats, 'frame:request', true);
  if (frame.end > buf.length || frame.bodyOffset > frame.end) {
    stats.fail('invariant', t, 'decodeRequestFrame', buf, new Error(`body ${frame.bodyOffset}..${frame.end} outside ${buf.length} bytes`));
  }
  if (frame.apiKey === 0) {
    for (const records of recordsFields(frame.body)) produceRecords(records, frame.apiVersion, stats, t);
  }
}

/** What the broker does with each partition of a Produce request. */
function produceRecords(records: Buffer, apiVersion: number, stats: FuzzStats, t: Trial): void {
  const d = stats.decoder('broker:validateProduceRecords');
  d.calls++;
  let fault: number;
  try {
    fault = validateProduceRecords(records, 0, records.length, apiVersion);
  } catch (e) {
    stats.fail('exception', t, 'validateProduceRecords', records, e);
    return;
  }
  stats.fault(d, fault);
  if (fault !== BatchFault.Ok) return;
  const v = stats.decoder('broker:validateClientBatch');
  v.calls++;
  try {
    stats.fault(v, validateClientBatch(records, 0, records.length, 1024 * 1024));
  } catch (e) {
    stats.fail('exception', t, 'validateClientBatch', records, e);
  }
}

function runResponse(c: Extract<FuzzCase, { target: 'response' }>, stats: FuzzStats, t: Trial): void {
  const api = apiInfo(c.apiKey)!;
  stats.pair(api.response.name, c.version);
  let frame;
  try {
    frame = decodeResponseFrame(c.data, c.apiKey, c.version);
  } catch (e) {
    count(stats, 'frame:response', false);
    stats.thrown(t, `decodeResponseFrame ${api.response.name} v${c.version}`, c.data, e);
    return;
  }
  count(stats, 'frame:response', true);
  if (frame.end > c.data.length) {
    stats.fail('invariant', t, 'decodeResponseFrame', c.data, new Error(`frame ends at ${frame.end}, past ${c.data.length} bytes`));
  }
  if (c.apiKey === 1) {
    for (const records of recordsFields(frame.body)) fetchRecords(records, stats, t);
  }
}

/** What a consumer (or the broker reading a segment) does with fetched records. */
function fetchRecords(records: Buffer, stats: FuzzStats, t: Trial): void {
  const cursor = new BatchCursor(records);
  const d = stats.decoder('broker:fetch-validateBatch');
  try {
    while (cursor.next()) {
      if (cursor.offset + cursor.size > records.length) {
        stats.fail('invariant', t, 'BatchCursor', records, new Error(`batch ${cursor.offset}+${cursor.size} past ${records.length}`));
        return;
      }
      d.calls++;
      stats.fault(d, validateBatch(records, cursor.offset, cursor.offset + cursor.size));
    }
  } catch (e) {
    stats.fail('exception', t, 'fetch records', records, e);
  }
}

function runMessage(c: Extract<FuzzCase, { target: 'message' }>, stats: FuzzStats, t: Trial): void {
  const { codec, name } = c.pair;
  const version = c.version ?? c.pair.version;
  stats.pair(name, version);
  const decoder = `msg ${name} v${version}`;
  try {
    codec.decode(c.data, c.offset, version);
    count(stats, 'message:decode', true);
  } catch (e) {
    count(stats, 'message:decode', false);
    stats.thrown(t, decoder, c.data, e);
  }
  if (!c.differential) return;
  // The same bytes, once alone and once with junk after the reader's end.
  const alone = outcome(codec, new Reader(c.data), version);
  const padded = Buffer.concat([c.data, Buffer.alloc(64, 0x41)]);
  const bounded = outcome(codec, new Reader(padded, 0, c.data.length), version);
  count(stats, 'message:bounded-reader', alone === bounded);
  if (alone !== bounded) {
    stats.fail('invariant', t, decoder, c.data, new Error(`read past the reader's end: ${alone} alone, ${bounded} with bytes after end`));
  }
}

function outcome(codec: (typeof CODECS)[string], r: Reader, version: number): string {
  try {
    codec.read(r, version);
    return `ok@${r.pos}`;
  } catch (e) {
    return e instanceof Error ? e.name : 'thrown';
  }
}

function runBatch(data: Buffer, produceVersion: number, maxBatchSize: number, cap: number, async: boolean,
  stats: FuzzStats, t: Trial): void | Promise<void> {
  const len = data.length;
  const checks: Array<[string, () => number]> = [
    ['batch:validateBatch', () => validateBatch(data)],
    ['batch:checkBatch(no crc)', () => checkBatch(data, 0, len, false)],
    ['batch:validateClientBatch', () => validateClientBatch(data, 0, len, maxBatchSize)],
    ['batch:validateProduceRecords', () => validateProduceRecords(data, 0, len, produceVersion)],
    ['batch:BatchCursor', () => walk(data)],
  ];
  for (const [name, fn] of checks) {
    const d = stats.decoder(name);
    d.calls++;
    try {
      stats.fault(d, fn());
    } catch (e) {
      stats.fail(e instanceof CursorInvariant ? 'invariant' : 'exception', t, name, data, e);
    }
  }
  const options = { maxRecordsBytes: cap };
  if (!async) {
    const d = stats.decoder('batch:decodeBatchSync');
    d.calls++;
    try {
      const batch = decodeBatchSync(data, 0, len, options);
      d.ok++;
      controlRecords(batch, stats, t);
    } catch (e) {
      d.rejected++;
      stats.thrown(t, 'decodeBatchSync', data, e);
    }
    return;
  }
  const d = stats.decoder('batch:decodeBatch');
  d.calls++;
  return decodeBatch(data, 0, len, options).then(
    (batch) => {
      d.ok++;
      controlRecords(batch, stats, t);
    },
    (e: unknown) => {
      d.rejected++;
      stats.thrown(t, 'decodeBatch', data, e);
    });
}

class CursorInvariant extends Error {}

/** Walks batches back to back; returns the cursor's fault. */
function walk(data: Buffer): number {
  const cursor = new BatchCursor(data);
  let last = 0;
  while (cursor.next()) {
    if (cursor.offset < last || cursor.size < 12 || cursor.offset + cursor.size > data.length) {
      throw new CursorInvariant(`cursor framed ${cursor.offset}+${cursor.size} in ${data.length} bytes`);
    }
    last = cursor.offset + cursor.size;
  }
  if (cursor.trailingBytes < 0 || last + cursor.trailingBytes !== data.length) {
    throw new CursorInvariant(`cursor stopped at ${last} with ${cursor.trailingBytes} trailing bytes of ${data.length}`);
  }
  return cursor.fault;
}

function controlRecords(batch: DecodedBatch, stats: FuzzStats, t: Trial): void {
  if (!batch.isControl) return;
  for (const r of batch.records) {
    for (const [name, fn] of [['control:key', () => parseControlRecordKey(r.key)], ['control:marker', () => parseEndTxnMarker(r.value)]] as const) {
      try {
        fn();
        count(stats, name, true);
      } catch (e) {
        count(stats, name, false);
        stats.thrown(t, name, r.key ?? Buffer.alloc(0), e);
      }
    }
  }
}

function runRecords(c: Extract<FuzzCase, { target: 'records' }>, stats: FuzzStats, t: Trial): void {
  try {
    decodeRecords(c.data, 0, c.data.length, c.count, c.ctx);
    count(stats, 'records:decodeRecords', true);
  } catch (e) {
    count(stats, 'records:decodeRecords', false);
    stats.thrown(t, 'decodeRecords', c.data, e);
  }
}

function runCompressed(c: Extract<FuzzCase, { target: 'compressed' }>, stats: FuzzStats, t: Trial): void | Promise<void> {
  const codecName = CODEC_NAMES[c.codec] ?? 'unknown-id';
  if (c.codec === CompressionType.Lz4 || c.codec === CompressionType.Zstd) {
    const name = c.codec === CompressionType.Lz4 ? 'scan:lz4' : 'scan:zstd';
    try {
      if (c.codec === CompressionType.Lz4) scanLz4Frame(c.data);
      else scanZstdFrames(c.data);
      count(stats, name, true);
    } catch (e) {
      count(stats, name, false);
      stats.thrown(t, name, c.data, e);
    }
  }
  const name = `decompress:${codecName}${c.async ? '' : '(sync)'}`;
  const check = (out: Buffer): void => {
    count(stats, name, true);
    if (out.length > c.cap) stats.fail('invariant', t, name, c.data, new Error(`output ${out.length} bytes exceeds the cap ${c.cap}`));
  };
  if (!c.async) {
    let out: Buffer;
    try {
      out = decompressSync(c.codec, c.data, c.cap);
    } catch (e) {
      count(stats, name, false);
      stats.thrown(t, name, c.data, e);
      return;
    }
    check(out);
    return;
  }
  return decompress(c.codec, c.data, c.cap).then(check, (e: unknown) => {
    count(stats, name, false);
    stats.thrown(t, name, c.data, e);
  });
}
