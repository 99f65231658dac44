import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { encodeRequestFrame } from '../../../src/protocol/header.js';
import { ATTRIBUTES_OFFSET, CRC_OFFSET, TRANSACTIONAL_MASK } from '../../../src/protocol/records/batch-header.js';
import { CompressionType } from '../../../src/protocol/compression/compression-type.js';
import { TimestampType } from '../../../src/protocol/records/header.js';
import { WireClient } from '../../helpers/wire-client.js';
import { batch, produce, produceRequest, readLog, readValues, records } from '../produce/helpers.js';
import { makeTopic, startTestBroker } from '../../helpers/test-broker.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';

test('ApiVersions: Produce advertised 0-13 as Kafka 4.4 does, InitProducerId 0-5, DescribeProducers 0; Produce v0-2 closes the connection', async () => {
  const tb = await startTestBroker();
  const client = await WireClient.connect(tb.bootstrap);
  try {
    const res = await client.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1', clusterId: null, nodeId: -1 });
    const keys = new Map(res.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    assert.deepEqual(keys.get(ApiKey.Produce), [0, 13]);
    assert.deepEqual(keys.get(ApiKey.InitProducerId), [0, 5]);
    assert.deepEqual(keys.get(ApiKey.DescribeProducers), [0, 0]);
    await makeTopic(tb, 't');
    const old = await WireClient.connect(tb.bootstrap);
    old.sendRaw(encodeRequestFrame(ApiKey.Produce, 2, { correlationId: 9, clientId: 'old' }, produceRequest('t', 0, batch(records(1)), 1)));
    await old.waitClosed();
    assert.deepEqual(await readValues(tb, 't', 0), [], 'nothing appended');
    const ok = await produce(client, 't', 0, batch(records(1)), 3);
    assert.equal(ok.errorCode, ErrorCode.NONE);
  } finally {
    client.close();
    await tb.close();
  }
});

test('Produce v13 names topics by id: appended to the topic of the id, UNKNOWN_TOPIC_ID for an id no topic has', async () => {
  const tb = await startTestBroker();
  const client = await WireClient.connect(tb.bootstrap);
  try {
    await makeTopic(tb, 'by-id', 2);
    const id = tb.broker.metadata.topic('by-id')!.id;
    const nowhere = Buffer.alloc(16, 9);
    const r = await client.request(ApiKey.Produce, 13, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [
        { name: '', topicId: id, partitionData: [{ index: 1, records: batch(records(2)) }, { index: 5, records: batch(records(1)) }] },
        { name: '', topicId: nowhere, partitionData: [{ index: 0, records: batch(records(1)) }] },
      ],
    });
    assert.deepEqual(r.responses.map((t) => [t.topicId, t.partitionResponses.map((p) => [p.index, p.errorCode, p.baseOffset])]), [
      [id, [[1, ErrorCode.NONE, 0n], [5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n]]],
      [nowhere, [[0, ErrorCode.UNKNOWN_TOPIC_ID, -1n]]],
    ]);
    assert.deepEqual(await readValues(tb, 'by-id', 1), ['v0', 'v1']);
    // acks=0 with an unknown id: no answer, the connection is closed as for any acks=0 error.
    const quiet = await WireClient.connect(tb.bootstrap);
    quiet.sendRaw(encodeRequestFrame(ApiKey.Produce, 13, { correlationId: 5, clientId: 'q' }, {
      transactionalId: null, acks: 0, timeoutMs: 1000, topicData: [{ name: '', topicId: nowhere, partitionData: [{ index: 0, records: batch(records(1)) }] }],
    }));
    await quiet.waitClosed();
  } finally {
    client.close();
    await tb.close();
  }
});

test('acks=1 and acks=-1: base offsets, log start offset, no log append time; the high watermark follows', async () => {
  const tb = await startTestBroker();
  const client = await WireClient.connect(tb.bootstrap);
  try {
    await makeTopic(tb, 'plain', 2);
    const a = await produce(client, 'plain', 0, batch(records(3)), 12, 1);
    assert.equal(a.errorCode, ErrorCode.NONE);
    assert.equal(a.baseOffset, 0n);
    assert.equal(a.logAppendTimeMs, -1n);
    assert.equal(a.logStartOffset, 0n);
    assert.equal(a.errorMessage, null);
    assert.deepEqual(a.recordErrors, []);
    const b = await produce(client, 'plain', 0, batch(records(2)), 3, -1);
    assert.equal(b.baseOffset, 3n);
    const c = await produce(client, 'plain', 1, batch(records(1)), 9, -1);
    assert.equal(c.baseOffset, 0n);
    const log = tb.broker.logs.getLog('plain', 0)!;
    assert.equal(log.logEndOffset, 5);
    assert.equal(log.highWatermark, 5);
    assert.deepEqual(await readValues(tb, 'plain', 0), ['v0', 'v1', 'v2', 'v0', 'v1']);
    // Several partitions and topics in one request, answered in request order.
    const multi = await client.request(ApiKey.Produce, 12, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [
        { name: 'plain', topicId: ZERO_UUID, partitionData: [{ index: 1, records: batch(records(1)) }, { index: 0, records: batch(records(1)) }] },
        { name: 'missing', topicId: ZERO_UUID, partitionData: [{ index: 0, records: batch(records(1)) }] },
      ],
    });
    assert.deepEqual(multi.responses.map((t) => [t.name, t.partitionResponses.map((p) => [p.index, p.errorCode, p.baseOffset])]), [
      ['plain', [[1, 0, 1n], [0, 0, 5n]]],
      ['missing', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n]]],
    ]);
  } finally {
    client.close();
    await tb.close();
  }
});

test('acks=0: no response; an error closes the connection, as Kafka does', async () => {
  const tb = await startTestBroker();
  try {
    await makeTopic(tb, 'fire');
    const client = await WireClient.connect(tb.bootstrap);
    client.sendRaw(encodeRequestFrame(ApiKey.Produce, 12, { correlationId: 100, clientId: 'c' }, produceRequest('fire', 0, batch(records(2)), 0)));
    // The next request's response arrives, with nothing for the acks=0 one before it.
    const md = await client.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false, includeClusterAuthorizedOperations: false });
    assert.equal(md.errorCode, ErrorCode.NONE);
    assert.deepEqual(await readValues(tb, 'fire', 0), ['v0', 'v1']);
    client.sendRaw(encodeRequestFrame(ApiKey.Produce, 12, { correlationId: 101, clientId: 'c' }, produceRequest('nope', 0, batch(records(1)), 0)));
    await client.waitClosed();
    client.close();
  } finally {
    await tb.close();
  }
});

test('invalid acks, unknown topics and partitions; Produce never creates topics', async () => {
  const tb = await startTestBroker();
  const client = await WireClient.connect(tb.bootstrap);
  try {
    await makeTopic(tb, 't');
    const res = await client.request(ApiKey.Produce, 12, {
      transactionalId: null,
      acks: 2,
      timeoutMs: 1000,
      topicData: [
        { name: 't', topicId: ZERO_UUID, partitionData: [{ index: 0, records: batch(records(1)) }, { index: 3, records: batch(records(1)) }] },
        { name: 'missing', topicId: ZERO_UUID, partitionData: [{ index: 0, records: batch(records(1)) }] },
      ],
    });
    const p = res.responses[0]!.partitionResponses[0]!;
    assert.deepEqual([p.errorCode, p.baseOffset, p.logAppendTimeMs, p.logStartOffset], [ErrorCode.INVALID_REQUIRED_ACKS, -1n, -1n, -1n]);
    assert.equal(res.responses[0]!.partitionResponses[1]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(res.responses[1]!.partitionResponses[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.deepEqual(await readValues(tb, 't', 0), []);
    const unknownTopic = await produce(client, 'not-there', 0, batch(records(1)));
    assert.deepEqual([unknownTopic.errorCode, unknownTopic.logStartOffset], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n]);
    assert.equal(tb.broker.metadata.topic('not-there'), undefined);
    const unknownPartition = await produce(client, 't', 7, batch(records(1)));
    assert.equal(unknownPartition.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  } finally {
    client.close();
    await tb.close();
  }
});

test('malformed records: CORRUPT_MESSAGE, INVALID_RECORD, UNSUPPORTED_COMPRESSION_TYPE as Kafka answers them', async () => {
  const tb = await startTestBroker();
  const client = await WireClient.connect(tb.bootstrap);
  try {
    await makeTopic(tb, 't');
    await produce(client, 't', 0, batch(records(1)));
    const badCrc = batch(records(2));
    badCrc.writeUInt32BE((badCrc.readUInt32BE(CRC_OFFSET) ^ 1) >>> 0, CRC_OFFSET);
    const crc = await produce(client, 't', 0, badCrc);
    assert.deepEqual([crc.errorCode, crc.logStartOffset, crc.errorMessage], [ErrorCode.CORRUPT_MESSAGE, -1n, null]);
    const two = await produce(client, 't', 0, Buffer.concat([batch(records(1)), batch(records(1))]));
    assert.deepEqual([two.errorCode, two.logStartOffset], [ErrorCode.INVALID_RECORD, -1n]);
    const nul = await produce(client, 't', 0, null);
    assert.equal(nul.errorCode, ErrorCode.INVALID_RECORD);
    const legacy = batch(records(1));
    legacy[16] = 1;
    assert.equal((await produce(client, 't', 0, legacy)).errorCode, ErrorCode.INVALID_RECORD);
    const zstd = batch(records(1));
    zstd.writeInt16BE(CompressionType.Zstd, ATTRIBUTES_OFFSET); // header check only: refused before anything reads it
    assert.equal((await produce(client, 't', 0, zstd, 6)).errorCode, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    // Checks Kafka makes in the log layer answer with the log start offset.
    const offset = batch(records(1), { baseOffset: 5 });
    const o = await produce(client, 't', 0, offset);
    assert.deepEqual([o.errorCode, o.logStartOffset], [ErrorCode.INVALID_RECORD, 0n]);
    assert.deepEqual(await readValues(tb, 't', 0), ['v0']);
  } finally {
    client.close();
    await tb.close();
  }
});

test('a batch over max.message.bytes (topic, else broker message.max.bytes) is MESSAGE_TOO_LARGE', async () => {
  const tb = await startTestBroker({ config: { 'message.max.bytes': 400 } });
  const client = await WireClient.connect(tb.bootstrap);
  try {
    await makeTopic(tb, 'small');
    await makeTopic(tb, 'big', 1, { 'max.message.bytes': '5000' });
    const payload = [{ value: Buffer.alloc(1000, 1) }];
    const r = await produce(client, 'small', 0, batch(payload));
    assert.deepEqual([r.errorCode, r.logStartOffset, r.errorMessage], [ErrorCode.MESSAGE_TOO_LARGE, -1n, null]);
    assert.equal((await produce(client, 'big', 0, batch(payload))).errorCode, ErrorCode.NONE);
  } finally {
    client.close();
    await tb.close();
  }
});

test('CreateTime limits: INVALID_TIMESTAMP with per-record errors (v8+), as Kafka words them', async () => {
  const tb = await startTestBroker();
  const client = await WireClient.connect(tb.bootstrap);
  try {
    await makeTopic(tb, 'ts');
    await makeTopic(tb, 'old', 1, { 'message.timestamp.before.max.ms': '60000' });
    const now = Date.now();
    const future = batch([{ value: Buffer.from('ok'), timestamp: now }, { value: Buffer.from('late'), timestamp: now + 2 * 3_600_000 }]);
    const r = await produce(client, 'ts', 0, future);
    assert.equal(r.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.equal(r.errorMessage, 'One or more records have been rejected due to invalid timestamp');
    assert.equal(r.logStartOffset, 0n);
    assert.equal(r.recordErrors.length, 1);
    assert.equal(r.recordErrors[0]!.batchIndex, 1);
    assert.match(r.recordErrors[0]!.batchIndexErrorMessage!, /^Timestamp \d+ of message with offset 1 is out of range\. The timestamp should be within \[-\d+, \d+\]$/);
    // Before v8 the response has no record errors: just the code.
    const v7 = await produce(client, 'ts', 0, future, 7);
    assert.deepEqual([v7.errorCode, v7.recordErrors, v7.errorMessage], [ErrorCode.INVALID_TIMESTAMP, [], null]);
    // Gzip: the records are decompressed to find the offender.
    const gz = await produce(client, 'ts', 0, batch([{ value: Buffer.from('late'), timestamp: now + 2 * 3_600_000 }], { compression: CompressionType.Gzip }));
    assert.equal(gz.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.equal(gz.recordErrors[0]!.batchIndex, 0);
    // before.max.ms on the topic: a record an hour old is refused, -1 timestamps are exempt.
    const old = await produce(client, 'old', 0, batch([{ value: Buffer.from('a'), timestamp: now - 3_600_000 }, { value: Buffer.from('b'), timestamp: now }]));
    assert.equal(old.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.deepEqual(old.recordErrors.map((e) => e.batchIndex), [0]);
    assert.equal((await produce(client, 'old', 0, batch([{ value: Buffer.from('c'), timestamp: now }]))).errorCode, ErrorCode.NONE);
    assert.deepEqual(await readValues(tb, 'ts', 0), []);
  } finally {
    client.close();
    await tb.close();
  }
});

test('message.timestamp.type=LogAppendTime: stored with the append time, returned as log_append_time_ms', async () => {
  const tb = await startTestBroker();
  const client = await WireClient.connect(tb.bootstrap);
  try {
    await makeTopic(tb, 'lat', 1, { 'message.timestamp.type': 'LogAppendTime' });
    const before = Date.now();
    const r = await produce(client, 'lat', 0, batch([{ value: Buffer.from('x'), timestamp: 1000 }]));
    assert.equal(r.errorCode, ErrorCode.NONE);
    const t = Number(r.logAppendTimeMs);
    assert.ok(t >= before && t <= Date.now());
    const [stored] = await readLog(tb, 'lat', 0);
    assert.equal(stored!.timestampType, TimestampType.LogAppendTime);
    assert.equal(stored!.maxTimestamp, t);
    assert.equal(stored!.records[0]!.timestamp, t);
    // A producer may not mark its batch LogAppendTime itself.
    const marked = batch([{ value: Buffer.from('y') }], { timestampType: TimestampType.LogAppendTime, maxTimestamp: 5 });
    const m = await produce(client, 'lat', 0, marked);
    assert.equal(m.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.match(m.recordErrors[0]!.batchIndexErrorMessage!, /^Invalid timestamp type in message DefaultRecord\(offset=0, timestamp=5, key=0 bytes, value=1 bytes\)\. Producer should not set timestamp type to LogAppendTime\.$/);
  } finally {
    client.close();
    await tb.close();
  }
});

test('compacted topics refuse records without a key', async () => {
  const tb = await startTestBroker();
  const client = await WireClient.connect(tb.bootstrap);
  try {
    await makeTopic(tb, 'compact', 1, { 'cleanup.policy': 'compact' });
    const mixed = batch([{ key: Buffer.from('a'), value: Buffer.from('1') }, { key: null, value: Buffer.from('2') }, { key: null, value: Buffer.from('3') }]);
    for (const b of [mixed, batch([{ key: null, value: Buffer.from('z') }], { compression: CompressionType.Lz4 })]) {
      const r = await produce(client, 'compact', 0, b);
      assert.equal(r.errorCode, ErrorCode.INVALID_RECORD);
      assert.equal(r.logStartOffset, 0n);
      assert.match(r.recordErrors[0]!.batchIndexErrorMessage!, /^Compacted topic cannot accept message without key in topic partition compact-0$/);
    }
    const r = await produce(client, 'compact', 0, mixed);
    assert.equal(
      r.errorMessage,
      "One or more records have been rejected due to 2 record errors in total, and only showing the first three errors at most: [RecordError(batchIndex=1, message='Compacted topic cannot accept message without key in topic partition compact-0'), RecordError(batchIndex=2, message='Compacted topic cannot accept message without key in topic partition compact-0')]",
    );
    const keyed = await produce(client, 'compact', 0, batch(records(3), { compression: CompressionType.Snappy }));
    assert.equal(keyed.errorCode, ErrorCode.NONE);
    assert.deepEqual(await readValues(tb, 'compact', 0), ['v0', 'v1', 'v2']);
  } finally {
    client.close();
    await tb.close();
  }
});

test('compression.type: producer keeps the batch as sent; a codec recompresses; uncompressed decompresses', async () => {
  const tb = await startTestBroker();
  const client = await WireClient.connect(tb.bootstrap);
  try {
    await makeTopic(tb, 'asis');
    await makeTopic(tb, 'gz', 1, { 'compression.type': 'gzip' });
    await makeTopic(tb, 'plain', 1, { 'compression.type': 'uncompressed' });
    await makeTopic(tb, 'zs', 1, { 'compression.type': 'zstd' });
    const now = Date.now();
    const recs = [
      { key: Buffer.from('a'), value: Buffer.from('one'), timestamp: now - 5, headers: [{ key: 'h', value: Buffer.from('x') }] },
      { key: null, value: Buffer.from('two'), timestamp: now },
    ];
    const opts = { producerId: 4242, producerEpoch: 3, baseSequence: 0 };
    for (const [topic, sent, expected] of [
      ['asis', CompressionType.Snappy, CompressionType.Snappy],
      ['gz', CompressionType.None, CompressionType.Gzip],
      ['gz', CompressionType.Lz4, CompressionType.Gzip],
      ['gz', CompressionType.Gzip, CompressionType.Gzip],
      ['plain', CompressionType.Gzip, CompressionType.None],
      ['zs', CompressionType.Snappy, CompressionType.Zstd],
    ] as const) {
      const seq = (await readLog(tb, topic, 0)).length * 2;
      const r = await produce(client, topic, 0, batch(recs, { ...opts, baseSequence: seq, compression: sent }));
      assert.equal(r.errorCode, ErrorCode.NONE, `${topic} ${sent}`);
      const stored = (await readLog(tb, topic, 0)).at(-1)!;
      assert.equal(stored.compression, expected, `${topic}: ${sent} stored as ${expected}`);
      assert.equal(stored.baseOffset, Number(r.baseOffset));
      assert.deepEqual([stored.producerId, stored.producerEpoch, stored.baseSequence], [4242, 3, seq]);
      assert.deepEqual(stored.records.map((x) => [x.key?.toString() ?? null, x.value!.toString(), x.timestamp, x.offset - stored.baseOffset]), [
        ['a', 'one', now - 5, 0],
        [null, 'two', now, 1],
      ]);
      assert.deepEqual(stored.records[0]!.headers.map((h) => [h.key, h.value!.toString()]), [['h', 'x']]);
      assert.equal(stored.maxTimestamp, now);
    }
  } finally {
    client.close();
    await tb.close();
  }
});

test('appends to a partition keep arrival order when some batches wait for recompression', async () => {
  const tb = await startTestBroker();
  const client = await WireClient.connect(tb.bootstrap);
  try {
    await makeTopic(tb, 'order', 1, { 'compression.type': 'gzip' });
    const pending = [];
    for (let i = 0; i < 12; i++) {
      const codec = i % 3 === 0 ? CompressionType.Gzip : i % 3 === 1 ? CompressionType.None : CompressionType.Snappy;
      pending.push(produce(client, 'order', 0, batch([{ value: Buffer.from(`m${i}`) }], { compression: codec }), 12, 1));
    }
    const results = await Promise.all(pending);
    assert.deepEqual(results.map((r) => Number(r.baseOffset)), Array.from({ length: 12 }, (_, i) => i));
    assert.deepEqual(await readValues(tb, 'order', 0), Array.from({ length: 12 }, (_, i) => `m${i}`));
  } finally {
    client.close();
    await tb.close();
  }
});

test('acks=-1 needs min(min.insync.replicas, replicas) in-sync replicas (NOT_ENOUGH_REPLICAS); acks=1 does not', async () => {
  const tb = await startTestBroker({
    rewriteTopic: (t) => (t.name === 'shrunk' ? { ...t, partitions: t.partitions.map((p) => ({ ...p, replicas: [1, 2, 3], isr: [1] })) } : t),
  });
  const client = await WireClient.connect(tb.bootstrap);
  try {
    await makeTopic(tb, 'shrunk', 1, { 'min.insync.replicas': '2' });
    await makeTopic(tb, 'single', 1, { 'min.insync.replicas': '2' });
    const r = await produce(client, 'shrunk', 0, batch(records(1)), 12, -1);
    assert.deepEqual([r.errorCode, r.logStartOffset, r.errorMessage], [ErrorCode.NOT_ENOUGH_REPLICAS, 0n, null]);
    const one = await produce(client, 'shrunk', 0, batch(records(1)), 12, 1);
    assert.equal(one.errorCode, ErrorCode.NONE);
    assert.equal(tb.broker.logs.getLog('shrunk', 0)!.highWatermark, 0, 'under min ISR the high watermark stays');
    // One replica: the effective min ISR is 1 (Kafka 3.7+), so acks=-1 succeeds.
    const single = await produce(client, 'single', 0, batch(records(1)), 12, -1);
    assert.equal(single.errorCode, ErrorCode.NONE);
  } finally {
    client.close();
    await tb.close();
  }
});

test('NOT_LEADER_OR_FOLLOWER names the leader and its endpoint from v10', async () => {
  const tb = await startTestBroker({
    rewriteTopic: (t) => (t.name === 'elsewhere' ? { ...t, partitions: t.partitions.map((p) => ({ ...p, leader: 2, leaderEpoch: 7, replicas: [2], isr: [2] })) } : t),
    extraBrokers: [{ nodeId: 2, host: 'other-host', port: 9999, rack: null }],
  });
  const client = await WireClient.connect(tb.bootstrap);
  try {
    await makeTopic(tb, 'elsewhere');
    const res = await client.request(ApiKey.Produce, 12, produceRequest('elsewhere', 0, batch(records(1))));
    const p = res.responses[0]!.partitionResponses[0]!;
    assert.equal(p.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.deepEqual(p.currentLeader, { leaderId: 2, leaderEpoch: 7 });
    assert.deepEqual(res.nodeEndpoints.map((n) => [n.nodeId, n.host, n.port]), [[2, 'other-host', 9999]]);
    const v9 = await produce(client, 'elsewhere', 0, batch(records(1)), 9);
    assert.equal(v9.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  } finally {
    client.close();
    await tb.close();
  }
});

test('internal topics take writes only from the admin client; transactional batches need a known transaction coordinator', async () => {
  const tb = await startTestBroker();
  const client = await WireClient.connect(tb.bootstrap);
  try {
    await makeTopic(tb, '__consumer_offsets');
    await makeTopic(tb, 't');
    assert.equal((await produce(client, '__consumer_offsets', 0, batch(records(1)))).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    const admin = await client.request(ApiKey.Produce, 12, produceRequest('__consumer_offsets', 0, batch(records(1))), '__admin_client');
    assert.equal(admin.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    const txn = batch(records(1), { producerId: 9, producerEpoch: 0, baseSequence: 0, transactional: true });
    assert.ok((txn[ATTRIBUTES_OFFSET + 1]! & TRANSACTIONAL_MASK) !== 0);
    const noId = await client.request(ApiKey.Produce, 12, produceRequest('t', 0, txn));
    assert.equal(noId.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const withId = await client.request(ApiKey.Produce, 12, produceRequest('t', 0, txn, -1, 'tx-1'));
    const p = withId.responses[0]!.partitionResponses[0]!;
    assert.equal(p.errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
    assert.equal(p.errorMessage, 'Unable to verify the partition has been added to the transaction. Underlying error: COORDINATOR_NOT_AVAILABLE');
    assert.deepEqual(await readValues(tb, 't', 0), []);
  } finally {
    client.close();
    await tb.close();
  }
});

test('flush.messages=1: the response waits for the fsync and the data is durable', async () => {
  const tb = await startTestBroker();
  const client = await WireClient.connect(tb.bootstrap);
  try {
    await makeTopic(tb, 'sync', 1, { 'flush.messages': '1' });
    const r = await produce(client, 'sync', 0, batch(records(2)), 12, 1);
    assert.equal(r.errorCode, ErrorCode.NONE);
    assert.ok(tb.broker.logs.getLog('sync', 0)!.durableOffset >= 2);
  } finally {
    client.close();
    await tb.close();
  }
});

test('an offline log answers KAFKA_STORAGE_ERROR', async () => {
  const tb = await startTestBroker();
  const client = await WireClient.connect(tb.bootstrap);
  try {
    await makeTopic(tb, 'gone');
    tb.broker.logs.getLog('gone', 0)!.closeWithoutFlush();
    const r = await produce(client, 'gone', 0, batch(records(1)));
    assert.deepEqual([r.errorCode, r.logStartOffset], [ErrorCode.KAFKA_STORAGE_ERROR, -1n]);
  } finally {
    client.close();
    await tb.close();
  }
});
