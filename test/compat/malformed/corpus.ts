/**
 * The malformed-record corpus (issue 12): Produce payloads, each the `records` field of one
 * partition, that break one rule of Kafka's record framing or batch validation, plus good
 * batches in every codec as controls. record-kafka-answers.ts records what Apache Kafka
 * answers to each (kafka-<version>-answers.json); malformed-records.test.ts checks a broker
 * against those answers and then reads the partitions back with real clients.
 *
 * Built byte by byte (builder.ts) with a valid CRC32C unless the case is about the CRC.
 * Records written by a case carry values that start with `case-`, never `good-`, so readers
 * can tell them from the good records the test writes around them.
 */
import { compress, snappyCompressFramed, snappyCompressRaw } from '../../../src/protocol/compression/index.js';
import {
  batch, type BatchFields, Codec, CONTROL_FLAG, framed, legacyMessageV1, lengthPrefixed, overlongVarint, parts, rec,
  recordBody, TRANSACTIONAL_FLAG, uvarint, varint, varlong,
} from './builder.js';

export interface MalformedCase {
  name: string;
  description: string;
  /** Configs of the topic the case is sent to (cases with the same configs share a topic). */
  topicConfig?: Readonly<Record<string, string>>;
  /** Produce versions to send it with; default [9]. */
  produceVersions?: readonly number[];
  /** The `records` field of one partition. Called once per send (timestamps are "now"). */
  build(): Promise<Buffer>;
  /** Records in the batch, for a case a broker may accept: what a reader then reads. */
  records?: number;
  /**
   * Set when Kafka's answer is a fault of Kafka's own (it ran out of heap): the answer is still
   * recorded, but a broker is only held to rejecting the batch, with any error code.
   */
  kafkaFault?: string;
}

/** Topic configs of the bombs: snappy cannot shrink 200 MiB below ~10 MB. */
export const BOMB_TOPIC = { 'max.message.bytes': String(24 << 20) } as const;
export const COMPACT_TOPIC = { 'cleanup.policy': 'compact' } as const;
/**
 * The valid large-ratio batches get a topic of their own (message.max.bytes named at its
 * default): Debian's kafka-python 2.0 inflates zstd into at most 1 MiB and fails on them.
 */
export const LARGE_RATIO_TOPIC = { 'max.message.bytes': '1048588' } as const;

const BOMB_BYTES = 200 << 20;

const b = (s: string) => Buffer.from(s, 'utf8');

/** `n` well-formed records `case-<i>`, keyed. */
function plainRecords(n: number, valueBytes = 24): Buffer[] {
  return Array.from({ length: n }, (_, i) =>
    rec({ offsetDelta: i, key: b(`k${i}`), value: b(`case-${i}-`.padEnd(valueBytes, 'x')), headers: [['h', b(`v${i}`)]] }));
}

type CodecName = 'gzip' | 'snappy-xerial' | 'snappy-raw' | 'lz4' | 'zstd';
const CODEC_ID: Record<CodecName, number> = { gzip: Codec.gzip, 'snappy-xerial': Codec.snappy, 'snappy-raw': Codec.snappy, lz4: Codec.lz4, zstd: Codec.zstd };
const CODECS: readonly CodecName[] = ['gzip', 'snappy-xerial', 'snappy-raw', 'lz4', 'zstd'];

async function squeeze(codec: CodecName, data: Buffer): Promise<Buffer> {
  if (codec === 'snappy-xerial') return snappyCompressFramed(data);
  if (codec === 'snappy-raw') return snappyCompressRaw(data);
  return compress(CODEC_ID[codec], data);
}

/** A batch whose records section is `section` compressed with `codec`. */
async function compressed(codec: CodecName, section: Buffer, fields: Omit<BatchFields, 'body' | 'codec'>): Promise<Buffer> {
  return batch({ ...fields, codec: CODEC_ID[codec], body: await squeeze(codec, section) });
}

const memo = new Map<string, Promise<Buffer>>();
/** Bombs take a second or two to compress: once per process. */
function once(key: string, make: () => Promise<Buffer>): Promise<Buffer> {
  let p = memo.get(key);
  if (p === undefined) {
    p = make();
    memo.set(key, p);
  }
  return p;
}

/** Uncompressed batch of the given records; count and lastOffsetDelta from them unless given. */
function plain(records: readonly Buffer[], fields: Partial<BatchFields> = {}): Buffer {
  return batch({ count: records.length, ...fields, body: Buffer.concat(records) });
}

const good: MalformedCase[] = [
  { name: 'good-none', description: 'control: 3 valid records, uncompressed', records: 3, build: async () => plain(plainRecords(3)) },
  ...CODECS.map((codec): MalformedCase => ({
    name: `good-${codec}`,
    description: `control: 3 valid records, ${codec}`,
    records: 3,
    produceVersions: codec === 'zstd' ? [3, 7, 9] : [9],
    build: () => compressed(codec, Buffer.concat(plainRecords(3)), { count: 3 }),
  })),
];

/** One record whose body is `body` behind `lengthField` (default the true length), then one valid record. */
function oneBad(name: string, description: string, body: Buffer, lengthField?: Buffer, extra: Partial<MalformedCase> = {}): MalformedCase {
  return {
    name, description, ...extra,
    build: async () => plain([lengthField === undefined ? framed(body) : Buffer.concat([lengthField, body]), rec({ offsetDelta: 1, key: b('k1'), value: b('case-1') })]),
  };
}

const okBody = () => recordBody({ offsetDelta: 0, key: b('k0'), value: b('case-0-value'), headers: [['h', b('v')]] });

const framing: MalformedCase[] = [
  oneBad('record-length-int32-max', 'first record\'s length varint says 2^31-1', okBody(), varint(0x7fffffff)),
  oneBad('record-length-2pow31-overflow', 'length written as the 5-byte varint of zigzag(2^31) = 2^32, which overflows int32 (reads as 0)', okBody(), uvarint(1n << 32n)),
  oneBad('record-length-int32-min', 'length varint says -2^31', okBody(), varint(-0x80000000)),
  oneBad('record-length-negative', 'length varint says -5', okBody(), varint(-5)),
  oneBad('record-length-past-end', 'length says 100 bytes more than the batch holds', okBody(), varint(okBody().length + 100 + 12)),
  oneBad('record-length-short', 'length says 3 bytes less than the record body takes', okBody(), varint(okBody().length - 3)),
  oneBad('key-length-1e9', 'key length varint says 10^9', parts(Buffer.from([0]), varlong(0), 0, 1_000_000_000, b('k0'), lengthPrefixed(b('case-0')), 0)),
  oneBad('key-length-negative-2', 'key length -2 (not -1), the record length matching the bytes', parts(Buffer.from([0]), varlong(0), 0, -2, lengthPrefixed(b('case-0')), 0)),
  oneBad('value-length-past-end', 'value length 500 with 6 value bytes present, record length matching the bytes', parts(Buffer.from([0]), varlong(0), 0, lengthPrefixed(b('k0')), 500, b('case-0'), 0)),
  oneBad('value-length-negative-7', 'value length -7 (not -1), the record length matching the bytes', parts(Buffer.from([0]), varlong(0), 0, lengthPrefixed(b('k0')), -7, 0)),
  oneBad('value-length-1e9', 'value length varint says 10^9', parts(Buffer.from([0]), varlong(0), 0, lengthPrefixed(b('k0')), 1_000_000_000, b('case-0'), 0)),
  oneBad('varint-6-bytes-record-length', 'record length as a 6-byte varint (Kafka reads at most 5)', okBody(), overlongVarint(6)),
  oneBad('varint-6-bytes-key-length', 'key length as a 6-byte varint (value 0), the record length matching', parts(Buffer.from([0]), varlong(0), 0, overlongVarint(6), lengthPrefixed(b('case-0')), 0)),
  oneBad('varint-6-bytes-offset-delta', 'offsetDelta as a 6-byte varint (value 0)', parts(Buffer.from([0]), varlong(0), overlongVarint(6), lengthPrefixed(b('k0')), lengthPrefixed(b('case-0')), 0)),
  oneBad('varlong-11-bytes-timestamp-delta', 'timestampDelta as an 11-byte varlong (Kafka reads at most 10)', parts(Buffer.from([0]), overlongVarint(11), 0, lengthPrefixed(b('k0')), lengthPrefixed(b('case-0')), 0)),
  oneBad('header-count-negative-2', 'header count -2', parts(Buffer.from([0]), varlong(0), 0, lengthPrefixed(b('k0')), lengthPrefixed(b('case-0')), -2)),
  oneBad('header-count-minus-1', 'header count -1', parts(Buffer.from([0]), varlong(0), 0, lengthPrefixed(b('k0')), lengthPrefixed(b('case-0')), -1)),
  oneBad('header-count-too-large', 'header count 10^6 with one header present', parts(Buffer.from([0]), varlong(0), 0, lengthPrefixed(b('k0')), lengthPrefixed(b('case-0')), 1_000_000, lengthPrefixed(b('h')), lengthPrefixed(b('v')))),
  oneBad('header-key-length-negative-3', 'header key length -3', parts(Buffer.from([0]), varlong(0), 0, lengthPrefixed(b('k0')), lengthPrefixed(b('case-0')), 1, -3, lengthPrefixed(b('v')))),
  oneBad('header-key-null', 'header key length -1 (null key)', parts(Buffer.from([0]), varlong(0), 0, lengthPrefixed(b('k0')), lengthPrefixed(b('case-0')), 1, -1, lengthPrefixed(b('v')))),
  oneBad('header-value-past-end', 'header value length 400 with 1 byte present', parts(Buffer.from([0]), varlong(0), 0, lengthPrefixed(b('k0')), lengthPrefixed(b('case-0')), 1, lengthPrefixed(b('h')), 400, b('v'))),
  oneBad('record-attributes-nonzero', 'record attributes byte 0x7f (Kafka defines none)', recordBody({ attributes: 0x7f, offsetDelta: 0, key: b('k0'), value: b('case-0') }), undefined, { records: 2 }),
  {
    name: 'bytes-after-records', description: '7 zero bytes after the last declared record, inside the batch',
    build: async () => plain([...plainRecords(2), Buffer.alloc(7)], { count: 2 }),
  },
  {
    name: 'fewer-records-than-declared', description: 'count 3 and lastOffsetDelta 2, 2 records present',
    build: async () => plain(plainRecords(2), { count: 3, lastOffsetDelta: 2 }),
  },
  {
    name: 'more-records-than-declared', description: 'count 1 and lastOffsetDelta 0, 2 records present',
    build: async () => plain(plainRecords(2), { count: 1, lastOffsetDelta: 0 }),
  },
  { name: 'record-count-zero', description: 'count 0, lastOffsetDelta 0, no records', build: async () => plain([], { count: 0, lastOffsetDelta: 0 }) },
  { name: 'record-count-zero-empty-range', description: 'count 0, lastOffsetDelta -1, no records', build: async () => plain([], { count: 0, lastOffsetDelta: -1 }) },
  { name: 'record-count-negative', description: 'count -1, lastOffsetDelta 0, one record', build: async () => plain(plainRecords(1), { count: -1, lastOffsetDelta: 0 }) },
  {
    name: 'offset-delta-duplicate', description: 'offsetDeltas 0,0,1 (count 3, lastOffsetDelta 2)',
    build: async () => plain([0, 0, 1].map((d, i) => rec({ offsetDelta: d, key: b(`k${i}`), value: b(`case-${i}`) })), { count: 3, lastOffsetDelta: 2 }),
  },
  {
    name: 'offset-delta-gap', description: 'offsetDeltas 0,2 (count 2, lastOffsetDelta 1)',
    build: async () => plain([0, 2].map((d, i) => rec({ offsetDelta: d, key: b(`k${i}`), value: b(`case-${i}`) })), { count: 2, lastOffsetDelta: 1 }),
  },
  {
    name: 'offset-delta-decreasing', description: 'offsetDeltas 1,0 (count 2, lastOffsetDelta 1): overlapping',
    build: async () => plain([1, 0].map((d, i) => rec({ offsetDelta: d, key: b(`k${i}`), value: b(`case-${i}`) })), { count: 2, lastOffsetDelta: 1 }),
  },
  {
    name: 'offset-delta-not-from-zero', description: 'offsetDeltas 5,6 (count 2, lastOffsetDelta 1)',
    build: async () => plain([5, 6].map((d, i) => rec({ offsetDelta: d, key: b(`k${i}`), value: b(`case-${i}`) })), { count: 2, lastOffsetDelta: 1 }),
  },
  { name: 'last-offset-delta-mismatch', description: 'count 2, lastOffsetDelta 5', build: async () => plain(plainRecords(2), { count: 2, lastOffsetDelta: 5 }) },
  { name: 'base-offset-nonzero', description: 'baseOffset 100 from a client', build: async () => plain(plainRecords(2), { baseOffset: 100 }) },
  {
    name: 'timestamp-future-records-1-2', description: 'records 1 and 2 of 3 stamped 2 days ahead (CreateTime)',
    build: async () => {
      const day = 86_400_000;
      const now = Date.now();
      return plain([0, 2 * day, 2 * day].map((dt, i) => rec({ offsetDelta: i, timestampDelta: dt, key: b(`k${i}`), value: b(`case-${i}`) })),
        { baseTimestamp: now, maxTimestamp: now + 2 * day });
    },
  },
  {
    name: 'compacted-null-key-record-1', description: 'compacted topic, record 1 of 3 has a null key',
    topicConfig: COMPACT_TOPIC,
    build: async () => plain([rec({ offsetDelta: 0, key: b('k0'), value: b('case-0') }), rec({ offsetDelta: 1, key: null, value: b('case-1') }), rec({ offsetDelta: 2, key: b('k2'), value: b('case-2') })]),
  },
];

const sixtyPercent = (buf: Buffer) => buf.subarray(0, Math.floor(buf.length * 0.6));
const textRecords = () => Buffer.concat(Array.from({ length: 40 }, (_, i) =>
  rec({ offsetDelta: i, key: b(`k${i}`), value: b(`case-${i}-${'the quick brown fox '.repeat(10 + (i % 7))}`) })));

const compressedCases: MalformedCase[] = [
  ...CODECS.map((codec): MalformedCase => ({
    name: `truncated-${codec}`,
    description: `40 records compressed with ${codec}, the compressed stream cut at 60% (CRC over the cut bytes)`,
    build: async () => batch({ count: 40, codec: CODEC_ID[codec], body: sixtyPercent(await squeeze(codec, textRecords())) }),
  })),
  ...CODECS.map((codec): MalformedCase => ({
    name: `bomb-${codec}`,
    description: `${codec}: 200 MiB of zeros (count 1000000), no valid record`,
    topicConfig: BOMB_TOPIC,
    build: () => once(`bomb-${codec}`, async () => batch({ count: 1_000_000, codec: CODEC_ID[codec], body: await squeeze(codec, Buffer.alloc(BOMB_BYTES)) })),
  })),
  ...(['zstd', 'gzip', 'lz4'] as const).map((codec): MalformedCase => ({
    name: `bomb-${codec}-valid-first-record`,
    description: `${codec}: one valid record, then 200 MiB of zeros (count 1000000)`,
    topicConfig: BOMB_TOPIC,
    build: () => once(`bomb1-${codec}`, async () => batch({
      count: 1_000_000, codec: CODEC_ID[codec],
      body: await squeeze(codec, Buffer.concat([rec({ offsetDelta: 0, key: b('k0'), value: b('case-0') }), Buffer.alloc(BOMB_BYTES)])),
    })),
  })),
  ...(['zstd', 'lz4'] as const).map((codec): MalformedCase => ({
    name: `large-ratio-${codec}-valid`,
    description: `${codec}: one valid record whose value is 4 MiB of zeros (> message.max.bytes once inflated)`,
    records: 1,
    topicConfig: LARGE_RATIO_TOPIC,
    build: () => compressed(codec, rec({ offsetDelta: 0, key: b('k0'), value: Buffer.concat([b('case-0-'), Buffer.alloc(4 << 20)]) }), { count: 1 }),
  })),
  {
    name: 'compressed-offset-delta-duplicate-gzip', description: 'gzip, offsetDeltas 0,0,1 (count 3, lastOffsetDelta 2)',
    build: () => compressed('gzip', Buffer.concat([0, 0, 1].map((d, i) => rec({ offsetDelta: d, key: b(`k${i}`), value: b(`case-${i}`) }))), { count: 3, lastOffsetDelta: 2 }),
  },
  {
    name: 'compressed-offset-delta-gap-zstd', description: 'zstd, offsetDeltas 0,2 (count 2, lastOffsetDelta 1)',
    build: () => compressed('zstd', Buffer.concat([0, 2].map((d, i) => rec({ offsetDelta: d, key: b(`k${i}`), value: b(`case-${i}`) }))), { count: 2, lastOffsetDelta: 1 }),
  },
  {
    name: 'compressed-bytes-after-records-zstd', description: 'zstd, 7 zero bytes after the 2 declared records',
    build: () => compressed('zstd', Buffer.concat([...plainRecords(2), Buffer.alloc(7)]), { count: 2 }),
  },
  {
    name: 'compressed-fewer-records-lz4', description: 'lz4, count 3 and lastOffsetDelta 2, 2 records inside',
    build: () => compressed('lz4', Buffer.concat(plainRecords(2)), { count: 3, lastOffsetDelta: 2 }),
  },
  {
    name: 'compressed-key-length-1e9-snappy', description: 'snappy (xerial), a record whose key length says 10^9',
    build: () => compressed('snappy-xerial', framed(parts(Buffer.from([0]), varlong(0), 0, 1_000_000_000, b('k0'), lengthPrefixed(b('case-0')), 0)), { count: 1 }),
  },
  {
    name: 'compressed-not-gzip', description: 'codec gzip, the records section random bytes that are not gzip',
    build: async () => batch({ count: 2, codec: Codec.gzip, body: Buffer.from('this is not a gzip stream at all, just text'.repeat(3)) }),
  },
];

/** A control record: key (version 0, type), value (version 0, coordinator epoch 0). */
function controlRecord(type: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(type, 2);
  const value = Buffer.alloc(6);
  return rec({ offsetDelta: 0, key, value });
}

const batchLevel: MalformedCase[] = [
  {
    name: 'control-batch', description: 'a COMMIT control batch (control + transactional, producer id 1000 epoch 0) from a client',
    build: async () => plain([controlRecord(1)], { attributes: CONTROL_FLAG | TRANSACTIONAL_FLAG, producerId: 1000, producerEpoch: 0 }),
  },
  {
    name: 'control-batch-no-txn-flag', description: 'a COMMIT control batch with the control flag only (no producer id)',
    build: async () => plain([controlRecord(1)], { attributes: CONTROL_FLAG }),
  },
  {
    name: 'control-batch-gzip', description: 'a control batch (control flag only), its record gzip-compressed',
    build: async () => batch({ count: 1, attributes: CONTROL_FLAG | Codec.gzip, body: await compress(Codec.gzip, controlRecord(0)) }),
  },
  {
    name: 'transactional-no-producer-id', description: 'transactional flag, producer id -1, no transactional id in the request',
    build: async () => plain(plainRecords(2), { transactional: true }),
  },
  {
    name: 'producer-id-sequence-minus-1', description: 'producer id 4242 epoch 0, base sequence -1',
    build: async () => plain(plainRecords(2), { producerId: 4242, producerEpoch: 0, baseSequence: -1 }),
  },
  {
    name: 'bad-crc', description: 'a valid batch whose CRC is off by one',
    build: async () => {
      const ok = plain(plainRecords(2));
      return plain(plainRecords(2), { crc: (ok.readUInt32BE(17) + 1) >>> 0 });
    },
  },
  { name: 'compression-id-5', description: 'attributes name codec 5 (undefined), records uncompressed', build: async () => plain(plainRecords(2), { attributes: 5 }) },
  { name: 'compression-id-7', description: 'attributes name codec 7 (undefined), records uncompressed', build: async () => plain(plainRecords(2), { attributes: 7 }) },
  {
    name: 'magic-1', description: 'a legacy magic-1 message (CRC-32 right), not a v2 batch',
    produceVersions: [3, 7, 9],
    build: async () => legacyMessageV1(b('k0'), b('case-0')),
  },
  { name: 'magic-3', description: 'a v2 batch with magic byte 3', produceVersions: [3, 9], build: async () => plain(plainRecords(2), { magic: 3 }) },
  { name: 'magic-0-in-v2-layout', description: 'a v2 batch with magic byte 0', build: async () => plain(plainRecords(2), { magic: 0 }) },
  {
    name: 'two-batches', description: 'two valid batches in one partition',
    produceVersions: [3, 9],
    build: async () => Buffer.concat([plain(plainRecords(2)), plain(plainRecords(2))]),
  },
  {
    name: 'batch-then-garbage', description: 'a valid batch followed by 20 junk bytes in the records field',
    build: async () => Buffer.concat([plain(plainRecords(2)), Buffer.alloc(20, 0x41)]),
  },
  {
    name: 'batch-length-past-end', description: 'batch length 100 bytes more than the records field holds',
    build: async () => {
      const ok = plain(plainRecords(2));
      return plain(plainRecords(2), { batchLength: ok.length - 12 + 100 });
    },
  },
  { name: 'batch-length-below-header', description: 'batch length 20 (less than a v2 header)', build: async () => plain(plainRecords(2), { batchLength: 20 }) },
  { name: 'records-empty', description: 'a records field of zero bytes', build: async () => Buffer.alloc(0) },
  { name: 'batch-header-truncated', description: 'the first 30 bytes of a valid batch', build: async () => plain(plainRecords(2)).subarray(0, 30) },
];

/** Last, so that a Kafka they bring down has answered every other case first. */
const kafkaFaults: MalformedCase[] = (['zstd', 'gzip'] as const).map((codec): MalformedCase => ({
  name: `bomb-${codec}-count-max`,
  description: `${codec}: 200 MiB of zeros, count 2^31-1 (lastOffsetDelta 2^31-2): every zero byte run reads as a record`,
  topicConfig: BOMB_TOPIC,
  kafkaFault: 'Kafka 4.4.0 (1 GiB heap) reads the zeros as millions of records and runs out of heap (OutOfMemoryError): ' +
    'UNKNOWN_SERVER_ERROR after ~5 s, and the broker may exit',
  build: () => once(`bomb-max-${codec}`, async () => batch({ count: 0x7fffffff, codec: CODEC_ID[codec], body: await squeeze(codec, Buffer.alloc(BOMB_BYTES)) })),
}));

export const CORPUS: readonly MalformedCase[] = [...good, ...framing, ...compressedCases, ...batchLevel, ...kafkaFaults];

/** The topic configs the corpus needs, as a stable key per case. */
export function configKey(c: MalformedCase): string {
  return JSON.stringify(Object.entries(c.topicConfig ?? {}).sort());
}
