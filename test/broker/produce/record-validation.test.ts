import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerConfig } from '../../../src/broker/settings/broker-config.js';
import type { TopicMetadata } from '../../../src/cluster/metadata.js';
import { checkRecordsSync, mayFailRecordChecks, prepareRecords, RecordRejection, RecordWork, validateRecordsSync } from '../../../src/broker/produce/record-validation.js';
import { RecordWalk } from '../../../src/protocol/records/walk.js';
import { walkBatchSync } from '../../../src/protocol/records/walk-batch.js';
import { KEEP_PRODUCER_COMPRESSION, topicProduceSettings } from '../../../src/broker/produce/topic-settings.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { CompressionType } from '../../../src/protocol/compression/compression-type.js';
import { decodeBatch } from '../../../src/protocol/records/decode.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { DEFAULT_LOG_CONFIG, resolveLogConfig } from '../../../src/storage/config.js';

function topic(configs: Record<string, string> = {}): TopicMetadata {
  return { name: 't', id: Buffer.alloc(16), internal: false, partitions: [], configs };
}

const broker = BrokerConfig.load({ overrides: {} });

test('topic settings: Kafka 4.0 defaults, topic overrides, broker synonyms', () => {
  const d = topicProduceSettings(topic(), broker);
  assert.deepEqual(d, { compression: KEEP_PRODUCER_COMPRESSION, compressionLevel: undefined, timestampBeforeMaxMs: Infinity, timestampAfterMaxMs: 3_600_000, minInsyncReplicas: 1 });
  const o = topicProduceSettings(topic({ 'compression.type': 'zstd', 'compression.zstd.level': '7', 'message.timestamp.before.max.ms': '1000', 'message.timestamp.after.max.ms': '9223372036854775807', 'min.insync.replicas': '2' }), broker);
  assert.deepEqual(o, { compression: CompressionType.Zstd, compressionLevel: 7, timestampBeforeMaxMs: 1000, timestampAfterMaxMs: Infinity, minInsyncReplicas: 2 });
  const b = BrokerConfig.load({ overrides: { 'compression.type': 'lz4', 'min.insync.replicas': '3' } });
  const s = topicProduceSettings(topic(), b);
  assert.equal(s.compression, CompressionType.Lz4);
  assert.equal(s.minInsyncReplicas, 3);
  assert.equal(topicProduceSettings(topic({ 'compression.type': 'uncompressed' }), broker).compression, CompressionType.None);
});

test('after the walk, records are decoded only when a check may fail or the batch is rewritten', () => {
  const now = Date.now();
  const settings = topicProduceSettings(topic(), broker);
  const ctx = (config = DEFAULT_LOG_CONFIG, s = settings) => ({ topic: 't', partition: 0, config, settings: s, now });
  for (const codec of [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4]) {
    const b = encodeBatchSync([{ value: Buffer.from('x'), timestamp: now }], { compression: codec });
    assert.equal(validateRecordsSync(b, ctx()), RecordWork.None, `codec ${codec}`);
  }
  const walked = (b: Buffer): RecordWalk => {
    const w = new RecordWalk();
    walkBatchSync(b, w, 1 << 20);
    return w;
  };
  // A record past the `after` limit is seen by the walk even when the header's max timestamp lies.
  const late = encodeBatchSync([{ key: Buffer.from('k'), value: Buffer.from('x'), timestamp: now + 3_600_001 }]);
  late.writeBigInt64BE(BigInt(now), 35);
  assert.equal(mayFailRecordChecks(late, walked(late), settings, DEFAULT_LOG_CONFIG, now), true);
  const plain = encodeBatchSync([{ value: Buffer.from('x'), timestamp: now - 5_000 }]);
  assert.equal(mayFailRecordChecks(plain, walked(plain), settings, DEFAULT_LOG_CONFIG, now), false);
  assert.equal(mayFailRecordChecks(plain, walked(plain), topicProduceSettings(topic({ 'message.timestamp.before.max.ms': '10' }), broker), DEFAULT_LOG_CONFIG, now), true);
  // Compacted topics: only a null key asks for the records.
  assert.equal(mayFailRecordChecks(plain, walked(plain), settings, resolveLogConfig({ 'cleanup.policy': 'compact' }), now), true);
  assert.equal(mayFailRecordChecks(late, walked(late), settings, resolveLogConfig({ 'cleanup.policy': 'compact', 'message.timestamp.type': 'LogAppendTime' }), now), false);
  // LogAppendTime topics ignore CreateTime limits.
  assert.equal(mayFailRecordChecks(late, walked(late), settings, resolveLogConfig({ 'message.timestamp.type': 'LogAppendTime' }), now), false);
  const gz = topicProduceSettings(topic({ 'compression.type': 'gzip' }), broker);
  const recent = encodeBatchSync([{ value: Buffer.from('x'), timestamp: now }]);
  assert.equal(validateRecordsSync(recent, ctx(DEFAULT_LOG_CONFIG, gz)), RecordWork.Recompress);
  assert.equal(validateRecordsSync(encodeBatchSync([{ value: Buffer.from('x'), timestamp: now }], { compression: CompressionType.Gzip }), ctx(DEFAULT_LOG_CONFIG, gz)), RecordWork.None);
});

test('records that do not decode are refused with the code Kafka gives, and no message', async () => {
  const now = Date.now();
  const ctx = { topic: 't', partition: 0, config: resolveLogConfig({ 'cleanup.policy': 'compact' }), settings: topicProduceSettings(topic(), broker), now };
  const b = encodeBatchSync([{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: now }]);
  assert.equal(checkRecordsSync(b, ctx), null);
  const broken = Buffer.from(b);
  broken.writeUInt8(0x7e, 61); // the first record claims 63 bytes: it runs past the batch
  const r = checkRecordsSync(broken, ctx);
  assert.ok(r instanceof RecordRejection);
  assert.equal(r.errorCode, ErrorCode.INVALID_RECORD);
  assert.equal(r.errorMessage, null);
  const gz = encodeBatchSync([{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: now }], { compression: CompressionType.Gzip });
  const corrupt = Buffer.from(gz);
  corrupt.fill(0xee, 61, 70);
  const c = await prepareRecords(corrupt, RecordWork.Check, ctx);
  assert.ok(c instanceof RecordRejection);
  assert.equal(c.errorCode, ErrorCode.CORRUPT_MESSAGE);
});

test('recompression keeps records, timestamps and producer fields and renumbers offsets from 0', async () => {
  const now = Date.now();
  const ctx = { topic: 't', partition: 0, config: DEFAULT_LOG_CONFIG, settings: topicProduceSettings(topic({ 'compression.type': 'snappy' }), broker), now };
  const src = encodeBatchSync(
    [
      { key: Buffer.from('a'), value: Buffer.from('1'), timestamp: now - 1, offsetDelta: 0 },
      { key: null, value: null, timestamp: now, offsetDelta: 2, headers: [{ key: 'h', value: null }] },
    ],
    { producerId: 77, producerEpoch: 2, baseSequence: 40, transactional: false, lastOffsetDelta: 1 },
  );
  const out = await prepareRecords(src, RecordWork.Recompress, ctx);
  assert.ok(Buffer.isBuffer(out));
  const d = await decodeBatch(out);
  assert.equal(d.compression, CompressionType.Snappy);
  assert.deepEqual([d.producerId, d.producerEpoch, d.baseSequence, d.isTransactional, d.lastOffsetDelta], [77, 2, 40, false, 1]);
  assert.deepEqual(d.records.map((r) => [r.offsetDelta, r.key?.toString() ?? null, r.value?.toString() ?? null, r.timestamp]), [
    [0, 'a', '1', now - 1],
    [1, null, null, now],
  ]);
  assert.deepEqual(d.records[1]!.headers, [{ key: 'h', value: null }]);
});
