/**
 * A corpus of malformed batches, each sent in a real Produce request to an embedded broker and
 * answered with the code Kafka 4.x answers (see src/protocol/records/walk.ts for where each
 * comes from); after each, the partition holds exactly its good records (every stored batch
 * decodes) and takes new ones.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { CompressionType } from '../../../src/protocol/compression/compression-type.js';
import { encodeBatch, encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { makeTopic, startTestBroker, type TestBroker } from '../../helpers/test-broker.js';
import { batchOf, bigRecords, rawRecord, rawRecords, truncateSection, uvarint, varint, wrapBatch, type RawRecord } from '../../protocol/records/malformed.js';
import { produce, readLog, readValues, records } from './helpers.js';

const MiB = 1024 * 1024;
const { None, Gzip, Snappy, Lz4, Zstd } = {
  None: CompressionType.None,
  Gzip: CompressionType.Gzip,
  Snappy: CompressionType.Snappy,
  Lz4: CompressionType.Lz4,
  Zstd: CompressionType.Zstd,
};
const CODECS = [
  ['gzip', Gzip],
  ['snappy', Snappy],
  ['lz4', Lz4],
  ['zstd', Zstd],
] as const;

interface Case {
  name: string;
  build: () => Promise<Buffer>;
  code: number;
  /** Values the partition gains when the batch is accepted. */
  accepted?: string[];
}

/** A batch of `recs` (declared count = their number unless given). */
function recs(list: RawRecord[], codec: CompressionType = None, count = list.length, lastOffsetDelta?: number): () => Promise<Buffer> {
  return () => batchOf(rawRecords(list), { count, compression: codec, lastOffsetDelta });
}

const ok = (i: number): RawRecord => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) });

const cases: Case[] = [
  // --- varints ---
  { name: 'record length varint of 6 bytes (uncompressed: IllegalArgumentException, UNKNOWN_SERVER_ERROR)', build: recs([{ length: [0x80, 0x80, 0x80, 0x80, 0x80, 0x01] }]), code: ErrorCode.UNKNOWN_SERVER_ERROR },
  { name: 'record length varint of 6 bytes in a zstd batch', build: recs([{ length: [0x80, 0x80, 0x80, 0x80, 0x80, 0x01] }], Zstd), code: ErrorCode.INVALID_RECORD },
  { name: 'key length varint of 6 bytes', build: recs([{ keyLength: [0x80, 0x80, 0x80, 0x80, 0x80, 0x00] }]), code: ErrorCode.INVALID_RECORD },
  { name: 'timestamp delta varlong of 11 bytes', build: recs([{ timestampDelta: [...Array(10).fill(0x80), 0x01] }]), code: ErrorCode.INVALID_RECORD },
  { name: 'header count varint of 6 bytes', build: recs([{ headerCount: [0xff, 0xff, 0xff, 0xff, 0xff, 0x01] }]), code: ErrorCode.INVALID_RECORD },
  // --- record length ---
  { name: 'record length 2^31 - 1', build: recs([{ length: uvarint(0xfffffffe) }]), code: ErrorCode.INVALID_RECORD },
  { name: 'record length whose 5-byte varint overflows to -2^31', build: recs([{ length: [0xff, 0xff, 0xff, 0xff, 0x0f] }]), code: ErrorCode.INVALID_RECORD },
  { name: 'negative record length', build: recs([{ length: varint(-5) }]), code: ErrorCode.INVALID_RECORD },
  { name: 'record length larger than its fields', build: recs([{ ...ok(0), padding: 3 }]), code: ErrorCode.INVALID_RECORD },
  { name: 'record length smaller than its fields', build: recs([{ ...ok(0), lengthDelta: -1 }]), code: ErrorCode.INVALID_RECORD },
  { name: 'record length past the end of the batch', build: recs([{ ...ok(0), lengthDelta: 40 }]), code: ErrorCode.INVALID_RECORD },
  { name: 'empty record (length 0)', build: () => batchOf(Buffer.from([0]), { count: 1 }), code: ErrorCode.INVALID_RECORD },
  // --- key and value lengths ---
  { name: 'key length 10^9', build: recs([{ keyLength: varint(1e9) }]), code: ErrorCode.INVALID_RECORD },
  { name: 'value length 10^9', build: recs([{ valueLength: varint(1e9) }]), code: ErrorCode.INVALID_RECORD },
  { name: 'value length one past the record', build: recs([{ value: Buffer.from('abc'), valueLength: varint(4) }]), code: ErrorCode.INVALID_RECORD },
  { name: 'key length -2 reads as a null key (as Kafka: accepted)', build: recs([{ key: null, keyLength: varint(-2), value: Buffer.from('neg-key') }]), code: ErrorCode.NONE, accepted: ['neg-key'] },
  { name: 'value length -7 reads as a null value (as Kafka: accepted)', build: recs([{ value: null, valueLength: varint(-7) }]), code: ErrorCode.NONE, accepted: ['<null>'] },
  // --- headers ---
  { name: 'header count -1', build: recs([{ headerCount: varint(-1) }]), code: ErrorCode.INVALID_RECORD },
  { name: 'header count 1000 in a small record', build: recs([{ headerCount: varint(1000) }]), code: ErrorCode.INVALID_RECORD },
  { name: 'header count 2 with one header', build: recs([{ headers: [{ key: Buffer.from('h'), value: Buffer.from('x') }], headerCount: varint(2) }]), code: ErrorCode.INVALID_RECORD },
  { name: 'header key length -3', build: recs([{ headers: [{ key: null, value: null, keyLength: -3 }] }]), code: ErrorCode.INVALID_RECORD },
  { name: 'header value length past the record', build: recs([{ headers: [{ key: Buffer.from('h'), value: Buffer.from('x'), valueLength: 50 }] }]), code: ErrorCode.INVALID_RECORD },
  // --- counts ---
  { name: 'a record left after the declared count', build: recs([ok(0), ok(1)], None, 1), code: ErrorCode.INVALID_RECORD },
  { name: 'a stray byte after the last record', build: () => batchOf(Buffer.concat([rawRecords([ok(0), ok(1)]), Buffer.from([0])]), { count: 2 }), code: ErrorCode.INVALID_RECORD },
  { name: 'fewer records than declared', build: recs([ok(0), ok(1)], None, 3), code: ErrorCode.INVALID_RECORD },
  { name: 'fewer records than declared (lz4)', build: recs([ok(0), ok(1)], Lz4, 3), code: ErrorCode.INVALID_RECORD },
  { name: 'lastOffsetDelta not count - 1', build: recs([ok(0), ok(1), ok(2)], None, 3, 5), code: ErrorCode.INVALID_RECORD },
  { name: 'record count 0 with records', build: recs([ok(0)], None, 0, 0), code: ErrorCode.INVALID_RECORD },
  // --- offset deltas: Kafka keeps an uncompressed batch's deltas and rewrites a compressed one's ---
  { name: 'duplicate offset deltas, uncompressed (kept, as Kafka)', build: recs([{ ...ok(0), value: Buffer.from('dup0'), offsetDelta: 0 }, { ...ok(1), value: Buffer.from('dup1'), offsetDelta: 0 }]), code: ErrorCode.NONE, accepted: ['dup0', 'dup1'] },
  // --- compressed batches ---
  { name: 'key length 10^9 inside an lz4 batch', build: recs([ok(0), { keyLength: varint(1e9) }], Lz4), code: ErrorCode.INVALID_RECORD },
  { name: 'header count -1 inside a gzip batch', build: recs([ok(0), { headerCount: varint(-1) }], Gzip), code: ErrorCode.INVALID_RECORD },
  { name: 'record length larger than its fields inside a snappy batch (stricter than Kafka in place)', build: recs([{ ...ok(0), padding: 2 }], Snappy), code: ErrorCode.INVALID_RECORD },
  { name: 'a record left after the declared count (zstd)', build: recs([ok(0), ok(1)], Zstd, 1), code: ErrorCode.INVALID_RECORD },
  { name: 'a whole batch nested inside a gzip batch', build: () => batchOf(encodeBatchSync(records(2)), { count: 1, compression: Gzip }), code: ErrorCode.INVALID_RECORD },
  // --- control batches ---
  { name: 'control batch from a client', build: () => batchOf(rawRecords([ok(0)]), { count: 1, control: true }), code: ErrorCode.INVALID_RECORD },
  { name: 'control batch inside a gzip batch', build: () => batchOf(rawRecords([ok(0)]), { count: 1, control: true, compression: Gzip }), code: ErrorCode.INVALID_RECORD },
];

// Truncated streams: the codec refuses them; Kafka 4.4 answers its KafkaException ("Failed to
// decompress record stream") with UNKNOWN_SERVER_ERROR, and so does Millrace.
for (const [name, codec] of CODECS) {
  cases.push({
    name: `truncated ${name} stream`,
    build: async () => {
      const full = await batchOf(rawRecords(Array.from({ length: 50 }, (_, i) => ({ key: Buffer.from(`key-${i}`), value: Buffer.from(`value-${i}-${'x'.repeat(i)}`) }))), { count: 50, compression: codec });
      return truncateSection(full, Math.floor((full.length - 61) / 2));
    },
    code: ErrorCode.UNKNOWN_SERVER_ERROR,
  });
}

// Bombs: 100 MiB of zeros (junk: the first record is empty) is refused at its first record.
// (zstd on Node 20, which has no streaming decoder, decodes the first blocks of the frame alone.)
for (const [name, codec] of CODECS) {
  cases.push({
    name: `${name} bomb of 100 MiB of zeros`,
    build: () => batchOf(Buffer.alloc(100 * MiB), { count: 1, compression: codec }),
    code: ErrorCode.INVALID_RECORD,
  });
}
cases.push(
  { name: 'lz4 bomb of 66 well-formed 1 MiB records (past the 64 MiB cap)', build: () => batchOf(bigRecords(66, MiB), { count: 66, compression: Lz4 }), code: ErrorCode.MESSAGE_TOO_LARGE },
  { name: 'zstd bomb of 66 well-formed 1 MiB records (past the 64 MiB cap)', build: () => batchOf(bigRecords(66, MiB), { count: 66, compression: Zstd }), code: ErrorCode.MESSAGE_TOO_LARGE },
  { name: 'gzip bomb of 66 MiB of well-formed records declaring one', build: () => batchOf(bigRecords(66, MiB), { count: 1, compression: Gzip }), code: ErrorCode.INVALID_RECORD },
);

describe('malformed records through Produce', () => {
  let tb: TestBroker;
  const expected: string[] = [];

  before(async () => {
    tb = await startTestBroker({ config: { 'message.max.bytes': 16 * MiB } });
    await makeTopic(tb, 'corpus');
    const r = await produce(tb.client, 'corpus', 0, encodeBatchSync(records(3, 'good')));
    assert.equal(r.errorCode, ErrorCode.NONE);
    expected.push('good0', 'good1', 'good2');
  });
  after(async () => {
    await tb.close();
  });

  test('the corpus holds at least 30 malformed cases', () => {
    assert.ok(cases.filter((c) => c.code !== ErrorCode.NONE).length >= 30);
  });

  for (const c of cases) {
    test(c.name, async () => {
      const batch = await c.build();
      const r = await produce(tb.client, 'corpus', 0, batch);
      assert.equal(r.errorCode, c.code);
      if (c.code === ErrorCode.NONE) expected.push(...c.accepted!);
      else {
        assert.equal(r.baseOffset, -1n);
        assert.equal(r.errorMessage, null);
        assert.equal(r.recordErrors.length, 0);
      }
      assert.deepEqual(await readValues(tb, 'corpus', 0), expected);
    });
  }

  const outOfOrder = () => batchOf(rawRecords([
    { key: null, value: Buffer.from('o0'), offsetDelta: 0 },
    { key: null, value: Buffer.from('o1'), offsetDelta: 2 },
    { key: null, value: Buffer.from('o2'), offsetDelta: 1 },
  ]), { count: 3, compression: Lz4 });

  test('a compressed batch kept in its codec with offset deltas out of order is refused as Kafka 4.4 refuses it', async () => {
    // Kafka's in-place validator skips keys and values, then cannot rebuild the batch from
    // those partial records: UNKNOWN_SERVER_ERROR ("key is skipped in PartialDefaultRecord").
    const r = await produce(tb.client, 'corpus', 0, await outOfOrder());
    assert.equal(r.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
    assert.equal(r.baseOffset, -1n);
    assert.deepEqual(await readValues(tb, 'corpus', 0), expected);
  });

  test('a compressed batch rewritten in the topic codec gets offset deltas 0..n-1 (as Kafka)', async () => {
    await makeTopic(tb, 'rewritten', 1, { 'compression.type': 'gzip' });
    const r = await produce(tb.client, 'rewritten', 0, await outOfOrder());
    assert.equal(r.errorCode, ErrorCode.NONE);
    const log = await readLog(tb, 'rewritten', 0);
    const last = log[log.length - 1]!;
    assert.equal(last.compression, Gzip);
    assert.deepEqual(last.records.map((x) => x.offsetDelta), [0, 1, 2]);
    assert.deepEqual(last.records.map((x) => x.value?.toString()), ['o0', 'o1', 'o2']);
    assert.deepEqual(await readValues(tb, 'rewritten', 0), ['o0', 'o1', 'o2']);
  });

  test('after the corpus, good batches in every codec append and read back', async () => {
    for (const codec of [None, Gzip, Snappy, Lz4, Zstd]) {
      const r = await produce(tb.client, 'corpus', 0, await encodeBatch(records(2, `after${codec}-`), { compression: codec }));
      assert.equal(r.errorCode, ErrorCode.NONE, `codec ${codec}`);
      expected.push(`after${codec}-0`, `after${codec}-1`);
    }
    assert.deepEqual(await readValues(tb, 'corpus', 0), expected);
  });

  test('compacted topic: a null key is a record error with Kafka\'s messages', async () => {
    await makeTopic(tb, 'compacted', 1, { 'cleanup.policy': 'compact' });
    const batch = await batchOf(rawRecords([ok(0), { key: null, value: Buffer.from('x') }]), { count: 2, compression: Snappy });
    const r = await produce(tb.client, 'compacted', 0, batch);
    assert.equal(r.errorCode, ErrorCode.INVALID_RECORD);
    assert.deepEqual(r.recordErrors, [{ batchIndex: 1, batchIndexErrorMessage: 'Compacted topic cannot accept message without key in topic partition compacted-0' }]);
    assert.match(r.errorMessage ?? '', /^One or more records have been rejected due to 1 record errors in total/);
    assert.deepEqual(await readValues(tb, 'compacted', 0), []);
  });

  test('a timestamp past message.timestamp.after.max.ms is INVALID_TIMESTAMP with record errors', async () => {
    const now = Date.now();
    // The second record is 2 h ahead (a varlong delta of 7.2e6 fits a varint's bytes), while
    // the header's max timestamp claims `now`: only the walk of the records sees it.
    const ahead = Buffer.concat([rawRecord(ok(0), 0), rawRecord({ ...ok(1), timestampDelta: varint(7_200_000) }, 1)]);
    const r = await produce(tb.client, 'corpus', 0, wrapBatch(ahead, { count: 2, baseTimestamp: now, maxTimestamp: now }));
    assert.equal(r.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.equal(r.recordErrors.length, 1);
    assert.equal(r.recordErrors[0]!.batchIndex, 1);
    assert.match(r.recordErrors[0]!.batchIndexErrorMessage ?? '', /^Timestamp \d+ of message with offset 1 is out of range/);
    assert.deepEqual(await readValues(tb, 'corpus', 0), expected);
  });
});
