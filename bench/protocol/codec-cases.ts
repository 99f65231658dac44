/**
 * The cases of bench/protocol/codecs.ts: for each, the bytes it accounts for and the variants
 * (Millrace and the other clients) run over the same data. `vs` names the Millrace variant a
 * competitor is compared with.
 */
import { compress, compressSync, decompress, decompressSync, hasSyncCodec } from '../../src/protocol/compression/index.js';
import { crc32c } from '../../src/protocol/crc32c.js';
import { decodeRequestFrame, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame } from '../../src/protocol/header.js';
import type { FetchResponse, PartitionData } from '../../src/protocol/generated/fetch-response.js';
import type { ProduceRequest } from '../../src/protocol/generated/produce-request.js';
import {
  BatchCursor, CompressionType, decodeBatchSync, encodeBatchSync, RECORDS_OFFSET, validateClientBatch, validateProduceRecords,
  type RecordInput,
} from '../../src/protocol/records/index.js';
import { benchData, PARTITIONS, T0, TOPIC, TOPIC_ID } from './codec-data.js';
import type { Variant } from './measure.js';
import type { Kafkajs, Platformatic } from './others.js';
import { ZERO_UUID } from '../../src/protocol/primitives/codec-helpers.js';

export interface Case {
  group: string;
  bytes: number;
  /** What the bytes are. */
  basis: string;
  /** Competitors name the Millrace variants doing the same job, the closest first. */
  variants: Array<Variant & { vs?: string[] }>;
  /** Run once before timing: checks that every variant produces what it should from the same data. */
  verify?: () => Promise<void> | void;
}

const MiB = 1024 * 1024;
const CLIENT_ID = 'bench';

function produceBody(batches: Buffer[]): ProduceRequest {
  return {
    transactionalId: null, acks: -1, timeoutMs: 30000,
    topicData: [{ name: TOPIC, topicId: ZERO_UUID, partitionData: batches.map((records, index) => ({ index, records })) }],
  };
}

function fetchBody(batches: Buffer[]): FetchResponse {
  const partitions: PartitionData[] = batches.map((records, partitionIndex) => ({
    partitionIndex, errorCode: 0, highWatermark: 100000n, lastStableOffset: 100000n, logStartOffset: 0n,
    divergingEpoch: { epoch: -1, endOffset: -1n }, currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1n, epoch: -1 }, abortedTransactions: [], preferredReadReplica: -1, records,
  }));
  return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [{ topic: TOPIC, topicId: TOPIC_ID, partitions }], nodeEndpoints: [] };
}

/** Every batch of every partition of a decoded Fetch response, decoded into records. */
function fetchRecords(body: FetchResponse, verifyCrc: boolean): number {
  let n = 0;
  const cursor = new BatchCursor(Buffer.alloc(0));
  for (const topic of body.responses) {
    for (const p of topic.partitions) {
      const records = p.records;
      if (records === null) continue;
      cursor.reset(records);
      while (cursor.next()) n += decodeBatchSync(records, cursor.offset, cursor.offset + cursor.size, { verifyCrc }).records.length;
    }
  }
  return n;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`benchmark check failed: ${what}`);
}

/** A size-prefixed Produce frame holds, per partition, one batch of exactly that partition's records. */
function checkProduceFrame(frame: Buffer, records: RecordInput[][], who: string): void {
  const decoded = decodeRequestFrame(frame, { sizePrefixed: true });
  check(decoded.apiKey === 0, `${who}: a Produce request`);
  if (decoded.apiKey !== 0) return;
  const partitions = decoded.body.topicData.flatMap((t) => t.partitionData);
  check(partitions.length === records.length, `${who}: ${records.length} partitions`);
  for (const p of partitions) {
    const batch = decodeBatchSync(p.records!);
    const want = records[p.index]!;
    check(batch.records.length === want.length, `${who}: partition ${p.index} holds ${want.length} records`);
    batch.records.forEach((r, i) => check(r.value!.equals(want[i]!.value!) && r.key!.equals(want[i]!.key!) && r.timestamp === want[i]!.timestamp,
      `${who}: partition ${p.index} record ${i}`));
  }
}

/** Values of every record a decoded Fetch response holds, whatever the client's shapes. */
function fetchedValues(decoded: unknown): Buffer[] {
  const out: Buffer[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x !== null && typeof x === 'object' && !Buffer.isBuffer(x)) {
      const o = x as Record<string, unknown>;
      if (Buffer.isBuffer(o['value']) && ('offset' in o || 'offsetDelta' in o)) out.push(o['value']);
      else Object.values(o).forEach(walk);
    }
  };
  walk(decoded);
  return out;
}

export function buildCases(kj: Kafkajs, pf: Platformatic): Case[] {
  const data = benchData();
  // As a producer sends them (base offset 0) and as the log serves them (offsets assigned).
  const batches = data.records.map((records) => encodeBatchSync(records, { defaultTimestamp: T0 }));
  const logged = data.records.map((records, p) => encodeBatchSync(records, { defaultTimestamp: T0, baseOffset: p * 1000 }));
  const batchBytes = batches.reduce((s, b) => s + b.length, 0);
  const produceV11 = encodeRequestFrame(0, 11, { correlationId: 1, clientId: CLIENT_ID }, produceBody(batches));
  const produceV7 = encodeRequestFrame(0, 7, { correlationId: 1, clientId: CLIENT_ID }, produceBody(batches));
  const fetchV17 = encodeResponseFrame(1, 17, 1, fetchBody(logged));
  const fetchV11 = encodeResponseFrame(1, 11, 1, fetchBody(logged));
  const cases: Case[] = [];
  const batchesNote = `${PARTITIONS} partitions × one ${(batchBytes / PARTITIONS / 1024).toFixed(1)} KiB batch (62 records of 1 KiB)`;

  cases.push({
    group: 'Produce request decode (broker)', bytes: produceV11.length, basis: `v11 frame, ${batchesNote}`,
    variants: [
      { name: 'Millrace decodeRequestFrame', client: 'millrace', op: () => decodeRequestFrame(produceV11, { sizePrefixed: true }) },
      {
        name: 'Millrace decodeRequestFrame + validateProduceRecords/validateClientBatch (CRC32C per batch)', client: 'millrace',
        op: () => {
          const frame = decodeRequestFrame(produceV11, { sizePrefixed: true });
          if (frame.apiKey !== 0) throw new Error('not a produce request');
          let faults = 0;
          for (const t of frame.body.topicData) {
            for (const p of t.partitionData) {
              const r = p.records!;
              faults += validateProduceRecords(r, 0, r.length, frame.apiVersion) + validateClientBatch(r, 0, r.length, 8 * MiB);
            }
          }
          if (faults !== 0) throw new Error('a benchmark batch failed validation');
        },
      },
    ],
  });

  cases.push({
    group: 'Produce request encode (opaque batches)', bytes: produceV11.length, basis: `v11 frame, ${batchesNote}`,
    variants: [
      { name: 'Millrace encodeRequestFrame v11', client: 'millrace', op: () => encodeRequestFrame(0, 11, { correlationId: 1, clientId: CLIENT_ID }, produceBody(batches)) },
      { name: 'Millrace encodeRequestFrame v7', client: 'millrace', op: () => encodeRequestFrame(0, 7, { correlationId: 1, clientId: CLIENT_ID }, produceBody(batches)) },
    ],
  });

  const kafkajsTopicData = [{ topic: TOPIC, partitions: data.kafkajs }];
  const platformaticFrame = (): Buffer => {
    const payload = pf.createProduceRequest(-1, 30000, data.platformatic);
    return pf.Writer.create().appendInt16(0).appendInt16(11).appendInt32(1).appendString(CLIENT_ID, false)
      .appendTaggedFields().appendFrom(payload).prependLength().buffer;
  };
  const kafkajsFrame = async (): Promise<Buffer> => (await kj.frame({
    correlationId: 1, clientId: CLIENT_ID, request: kj.produceV7({ acks: -1, timeout: 30000, compression: 0, topicData: kafkajsTopicData }),
  })).buffer;
  cases.push({
    group: 'Produce request built from 1 KiB messages (uncompressed)', bytes: produceV11.length,
    basis: `bytes of Millrace's v11 frame for the same ${PARTITIONS * 62} messages`,
    verify: async () => {
      checkProduceFrame(produceV11, data.records, 'Millrace v11');
      checkProduceFrame(produceV7, data.records, 'Millrace v7');
      checkProduceFrame(platformaticFrame(), data.records, '@platformatic/kafka');
      checkProduceFrame(await kafkajsFrame(), data.records, 'kafkajs');
    },
    variants: [
      {
        name: 'Millrace encodeBatchSync + encodeRequestFrame v11', client: 'millrace',
        op: () => encodeRequestFrame(0, 11, { correlationId: 1, clientId: CLIENT_ID },
          produceBody(data.records.map((r) => encodeBatchSync(r, { defaultTimestamp: T0 })))),
      },
      {
        name: 'Millrace encodeBatchSync + encodeRequestFrame v7', client: 'millrace',
        op: () => encodeRequestFrame(0, 7, { correlationId: 1, clientId: CLIENT_ID },
          produceBody(data.records.map((r) => encodeBatchSync(r, { defaultTimestamp: T0 })))),
      },
      {
        name: `@platformatic/kafka produce-v11 createRequest + header`, client: 'platformatic', vs: ['Millrace encodeBatchSync + encodeRequestFrame v11'],
        op: platformaticFrame,
      },
      {
        name: 'kafkajs produce v7 request (async) + header', client: 'kafkajs', vs: ['Millrace encodeBatchSync + encodeRequestFrame v7'],
        op: kafkajsFrame,
      },
    ],
  });

  cases.push({
    group: 'Fetch response encode (opaque batches)', bytes: fetchV17.length, basis: `v17 frame, ${batchesNote}`,
    variants: [
      { name: 'Millrace encodeResponseFrame v17', client: 'millrace', op: () => encodeResponseFrame(1, 17, 1, fetchBody(logged)) },
      { name: 'Millrace encodeResponseFrame v11', client: 'millrace', op: () => encodeResponseFrame(1, 11, 1, fetchBody(logged)) },
    ],
  });

  const kafkajsPayload = fetchV11.subarray(8); // after size and correlation id (header v0)
  const platformaticBody = fetchV17.subarray(9); // after size, correlation id and tagged fields (header v1)
  cases.push({
    group: 'Fetch response decode', bytes: fetchV17.length, basis: `v17 frame, ${batchesNote}`,
    verify: async () => {
      const want = data.records.flat().map((r) => r.value!);
      check(fetchRecords(decodeResponseFrame(fetchV17, 1, 17, { sizePrefixed: true }).body, true) === want.length, 'Millrace v17 record count');
      check(fetchRecords(decodeResponseFrame(fetchV11, 1, 11, { sizePrefixed: true }).body, true) === want.length, 'Millrace v11 record count');
      for (const [who, decoded] of [
        ['@platformatic/kafka', pf.parseFetchResponse(1, 1, 17, pf.Reader.from(platformaticBody))],
        ['kafkajs', await kj.fetchV11.parse(await kj.fetchV11.decode(kafkajsPayload))],
      ] as const) {
        const values = fetchedValues(decoded);
        check(values.length === want.length && values.every((v, i) => v.equals(want[i]!)), `${who} decodes all ${want.length} records`);
      }
    },
    variants: [
      { name: 'Millrace decodeResponseFrame v17 (batches as views)', client: 'millrace', op: () => decodeResponseFrame(fetchV17, 1, 17, { sizePrefixed: true }) },
      {
        name: 'Millrace decodeResponseFrame v17 + decodeBatchSync every batch (CRC checked)', client: 'millrace',
        op: () => fetchRecords(decodeResponseFrame(fetchV17, 1, 17, { sizePrefixed: true }).body, true),
      },
      {
        name: 'Millrace decodeResponseFrame v17 + decodeBatchSync every batch (no CRC check)', client: 'millrace',
        op: () => fetchRecords(decodeResponseFrame(fetchV17, 1, 17, { sizePrefixed: true }).body, false),
      },
      {
        name: 'Millrace decodeResponseFrame v11 + decodeBatchSync every batch (CRC checked)', client: 'millrace',
        op: () => fetchRecords(decodeResponseFrame(fetchV11, 1, 11, { sizePrefixed: true }).body, true),
      },
      {
        name: 'Millrace decodeResponseFrame v11 + decodeBatchSync every batch (no CRC check)', client: 'millrace',
        op: () => fetchRecords(decodeResponseFrame(fetchV11, 1, 11, { sizePrefixed: true }).body, false),
      },
      {
        name: '@platformatic/kafka fetch-v17 parseResponse (records, no CRC check)', client: 'platformatic',
        vs: ['Millrace decodeResponseFrame v17 + decodeBatchSync every batch (no CRC check)', 'Millrace decodeResponseFrame v17 + decodeBatchSync every batch (CRC checked)'],
        op: () => pf.parseFetchResponse(1, 1, 17, pf.Reader.from(platformaticBody)),
      },
      {
        name: 'kafkajs fetch v11 response decode + parse (records, no CRC check; async)', client: 'kafkajs',
        vs: ['Millrace decodeResponseFrame v11 + decodeBatchSync every batch (no CRC check)', 'Millrace decodeResponseFrame v11 + decodeBatchSync every batch (CRC checked)'],
        op: async () => kj.fetchV11.parse(await kj.fetchV11.decode(kafkajsPayload)),
      },
    ],
  });

  const oneMiB = Buffer.allocUnsafe(MiB);
  for (let i = 0, x = 7; i < MiB; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    oneMiB[i] = x >>> 24;
  }
  cases.push({
    group: 'CRC32C', bytes: MiB, basis: '1 MiB of random bytes',
    verify: () => {
      const want = crc32c(oneMiB);
      for (const f of [pf.crc32c, pf.crc32cWasm, kj.crc32c]) check(f(oneMiB) >>> 0 === want, 'every CRC32C agrees');
    },
    variants: [
      { name: 'Millrace crc32c (@node-rs/crc32, SSE4.2)', client: 'millrace', op: () => crc32c(oneMiB) },
      {
        name: `@platformatic/kafka crc32c (${pf.crc32cIsNative ? '@node-rs/crc32 via new Uint8Array(buffer) copy' : 'wasm'})`, client: 'platformatic',
        vs: ['Millrace crc32c (@node-rs/crc32, SSE4.2)'], op: () => pf.crc32c(oneMiB),
      },
      { name: '@platformatic/kafka crc32c wasm fallback', client: 'platformatic', vs: ['Millrace crc32c (@node-rs/crc32, SSE4.2)'], op: () => pf.crc32cWasm(oneMiB) },
      { name: 'kafkajs crc32C (pure JS table)', client: 'kafkajs', vs: ['Millrace crc32c (@node-rs/crc32, SSE4.2)'], op: () => kj.crc32c(oneMiB) },
    ],
  });

  // The records section of one batch holding all the messages (≈ 1 MiB of JSON).
  const section = encodeBatchSync(data.records.flat(), { defaultTimestamp: T0 }).subarray(RECORDS_OFFSET);
  for (const codec of [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
    cases.push(...compressionCases(codec, section, kj, pf));
  }
  return cases;
}

const NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const OURS_FORMAT = ['', 'gzip level 6 (zlib)', 'xerial-framed, 32 KiB blocks (Java client format)', 'LZ4 frame, 64 KiB blocks (Java client format)', 'zstd level 3 (@mongodb-js/zstd)'];
const PF_FORMAT = ['', 'zlib gzipSync', 'raw snappy block (wasm)', 'LZ4 frame (wasm)', 'node:zlib zstd'];

function compressionCases(codec: CompressionType, section: Buffer, kj: Kafkajs, pf: Platformatic): Case[] {
  const name = NAMES[codec] as 'gzip' | 'snappy' | 'lz4' | 'zstd';
  const ours = hasSyncCodec(codec) ? compressSync(codec, section) : null;
  const pfAlgo = pf.compression[name];
  const pfAvailable = pfAlgo.available ? undefined : `n/a: needs node:zlib zstd (Node >= 22.15); this is ${process.version}`;
  const pfPacked = pfAlgo.available ? pfAlgo.compressSync(section) : null;
  const kjUnavailable = codec === CompressionType.Gzip ? undefined : 'n/a: kafkajs ships only gzip; other codecs need a plugin package';
  const ratio = (b: Buffer | null): string => (b === null ? '' : `ratio ${(section.length / b.length).toFixed(2)}`);
  return [{
    group: `${name} compress`, bytes: section.length, basis: `records section of one batch of all the messages (${(section.length / MiB).toFixed(2)} MiB)`,
    variants: [
      ...(hasSyncCodec(codec) ? [{ name: `Millrace compressSync ${name}`, client: 'millrace' as const, op: () => compressSync(codec, section), note: `${OURS_FORMAT[codec]}, ${ratio(ours)}` }] : []),
      { name: `Millrace compress ${name} (async)`, client: 'millrace', op: () => compress(codec, section) },
      {
        name: `@platformatic/kafka ${name} compressSync`, client: 'platformatic', op: () => pfAlgo.compressSync(section), unavailable: pfAvailable,
        vs: hasSyncCodec(codec) ? [`Millrace compressSync ${name}`] : [`Millrace compress ${name} (async)`], note: `${PF_FORMAT[codec]}, ${ratio(pfPacked)}`,
      },
      { name: `kafkajs ${name} compress (async)`, client: 'kafkajs', op: () => kj.gzip.compress({ buffer: section }), unavailable: kjUnavailable, vs: [`Millrace compress ${name} (async)`] },
    ],
  }, {
    group: `${name} decompress`, bytes: section.length, basis: 'uncompressed bytes produced; each client decompresses its own compressed form',
    verify: async () => {
      const outs = [await decompress(codec, ours ?? await compress(codec, section), 4 * MiB)];
      if (ours !== null) outs.push(decompressSync(codec, ours, 4 * MiB));
      if (pfPacked !== null) outs.push(pfAlgo.decompressSync(pfPacked));
      if (kjUnavailable === undefined) outs.push(await kj.gzip.decompress(await kj.gzip.compress({ buffer: section })));
      check(outs.every((o) => Buffer.from(o).equals(section)), `${name}: every client gets the section back`);
    },
    variants: [
      ...(ours !== null ? [{ name: `Millrace decompressSync ${name}`, client: 'millrace' as const, op: () => decompressSync(codec, ours, 4 * MiB) }] : []),
      { name: `Millrace decompress ${name} (async)`, client: 'millrace', op: (() => { let packed: Buffer | null = ours; return async () => decompress(codec, packed ??= await compress(codec, section), 4 * MiB); })() },
      {
        name: `@platformatic/kafka ${name} decompressSync`, client: 'platformatic', op: () => pfAlgo.decompressSync(pfPacked!), unavailable: pfAvailable,
        vs: ours !== null ? [`Millrace decompressSync ${name}`] : [`Millrace decompress ${name} (async)`],
      },
      {
        name: `kafkajs ${name} decompress (async)`, client: 'kafkajs', unavailable: kjUnavailable, vs: [`Millrace decompress ${name} (async)`],
        op: (() => { let packed: Buffer | null = null; return async () => kj.gzip.decompress(packed ??= await kj.gzip.compress({ buffer: section })); })(),
      },
    ],
  }];
}
