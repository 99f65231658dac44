import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompressionType } from '../../../src/protocol/compression/compression-type.js';
import { encodeBatch, encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { RecordFault, recordFaultErrorCode, RecordWalk, walkRecords } from '../../../src/protocol/records/walk.js';
import { WALK_ASYNC, walkBatch, walkBatchSync } from '../../../src/protocol/records/walk-batch.js';
import { batchOf, bigRecords, rawRecords, varint, type RawRecord } from './malformed.js';

const MiB = 1024 * 1024;

function section(n: number): Buffer {
  const list: RawRecord[] = [];
  for (let i = 0; i < n; i++) {
    list.push({
      key: i % 3 === 0 ? null : Buffer.from(`key-${i}`),
      value: Buffer.from('v'.repeat(i * 7)),
      timestampDelta: varint(i * 1000 - 500),
      headers: i % 2 === 0 ? [{ key: Buffer.from('h'), value: Buffer.from(`${i}`) }, { key: Buffer.from('n'), value: null }] : [],
    });
  }
  return rawRecords(list);
}

test('a well-formed section: counts, null keys, timestamp range, offsets in order', () => {
  const s = section(30);
  const w = new RecordWalk().begin(30, 1_000_000);
  assert.equal(walkRecords(w, s, 0, s.length, true), s.length);
  assert.equal(w.finish(), RecordFault.Ok);
  assert.equal(w.index, 30);
  assert.equal(w.bytes, s.length);
  assert.equal(w.nullKeys, 10);
  assert.equal(w.minTimestamp, 1_000_000 - 500);
  assert.equal(w.maxTimestamp, 1_000_000 + 29_000 - 500);
  assert.equal(w.offsetsInOrder, true);
});

test('the walk resumes at record granularity: any split of the bytes gives the same result', () => {
  const s = section(12);
  for (let cut = 0; cut <= s.length; cut++) {
    const w = new RecordWalk().begin(12, 0);
    const first = walkRecords(w, s, 0, cut, false);
    assert.equal(w.fault, RecordFault.Ok, `cut ${cut}`);
    assert.ok(first <= cut);
    // The rest goes in a fresh buffer holding the cut record's start, as the window does.
    const rest = Buffer.from(s.subarray(first));
    assert.equal(walkRecords(w, rest, 0, rest.length, true), rest.length);
    assert.equal(w.finish(), RecordFault.Ok, `cut ${cut}`);
    assert.equal(w.index, 12);
  }
});

test('faults and their codes', () => {
  const walk = (list: RawRecord[], count = list.length): RecordFault => {
    const s = rawRecords(list);
    const w = new RecordWalk().begin(count, 0);
    walkRecords(w, s, 0, s.length, true);
    return w.finish();
  };
  assert.equal(walk([{ length: [0x80, 0x80, 0x80, 0x80, 0x80, 0x01] }]), RecordFault.LengthVarintTooLong);
  assert.equal(recordFaultErrorCode(RecordFault.LengthVarintTooLong, false), -1);
  assert.equal(recordFaultErrorCode(RecordFault.LengthVarintTooLong, true), 87);
  assert.equal(walk([{ length: varint(1 << 30) }]), RecordFault.RecordTooLong);
  assert.equal(walk([{ length: varint(-1) }]), RecordFault.SizeMismatch);
  assert.equal(walk([{ padding: 1 }]), RecordFault.SizeMismatch);
  assert.equal(walk([{ keyLength: varint(1e9) }]), RecordFault.Structure);
  assert.equal(walk([{ headerCount: varint(-2) }]), RecordFault.NegativeHeaderCount);
  assert.equal(walk([{ headerCount: varint(500) }]), RecordFault.HeaderCountTooLarge);
  assert.equal(walk([{ headers: [{ key: null, value: null, keyLength: -1 }] }]), RecordFault.NegativeHeaderKeySize);
  assert.equal(walk([{}, {}], 1), RecordFault.RecordsRemaining);
  assert.equal(walk([{}], 2), RecordFault.PrematureEof);
  assert.equal(walk([{ key: null, keyLength: varint(-9) }]), RecordFault.Ok);
  for (const f of [RecordFault.RecordTooLong, RecordFault.SizeMismatch, RecordFault.Structure, RecordFault.RecordsRemaining]) {
    assert.equal(recordFaultErrorCode(f, false), 87);
  }
  assert.equal(recordFaultErrorCode(RecordFault.TooLarge, true), 10);
});

test('a record cut by the window that can never fit the cap is TooLarge at once', () => {
  const s = rawRecords([{ value: Buffer.alloc(1000) }]);
  const w = new RecordWalk().begin(1, 0);
  assert.equal(walkRecords(w, s, 0, 100, false, 500), 0);
  assert.equal(w.fault, RecordFault.TooLarge);
});

test('every codec walks the same records, in any block size', async () => {
  const s = section(200);
  for (const codec of [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
    const b = await batchOf(s, { count: 200, compression: codec });
    const w = new RecordWalk();
    assert.equal(await walkBatch(b, w, 64 * MiB), RecordFault.Ok, `codec ${codec}`);
    assert.equal(w.index, 200);
    assert.equal(w.nullKeys, 67);
    const ws = new RecordWalk();
    const sync = walkBatchSync(b, ws, 64 * MiB);
    if (sync !== WALK_ASYNC) {
      assert.equal(sync, RecordFault.Ok);
      assert.equal(ws.bytes, s.length);
    } else {
      assert.equal(codec, CompressionType.Zstd); // only zstd without node:zlib's zstd (Node 20)
    }
  }
  // Records larger than a decompression chunk (1.5 MiB values) cross every window boundary.
  const big = bigRecords(3, 1536 * 1024);
  for (const codec of [CompressionType.Gzip, CompressionType.Lz4, CompressionType.Snappy, CompressionType.Zstd]) {
    const w = new RecordWalk();
    assert.equal(await walkBatch(await batchOf(big, { count: 3, compression: codec }), w, 64 * MiB), RecordFault.Ok, `codec ${codec}`);
    assert.equal(w.bytes, big.length);
  }
});

test('batches from the encoder walk clean; output past the cap is TooLarge', async () => {
  const recs = Array.from({ length: 100 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.alloc(1000, i) }));
  for (const codec of [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
    const b = codec === CompressionType.Zstd ? await encodeBatch(recs, { compression: codec }) : encodeBatchSync(recs, { compression: codec });
    assert.equal(await walkBatch(b, new RecordWalk(), 64 * MiB), RecordFault.Ok);
    if (codec !== CompressionType.None) assert.equal(await walkBatch(b, new RecordWalk(), 50_000), RecordFault.TooLarge, `codec ${codec}`);
  }
});
