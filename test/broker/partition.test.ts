import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isInternalTopic, isMetadataError, partitionOf } from '../../src/cluster/metadata.js';
import { LocalMetadataStore } from '../../src/cluster/local-metadata-store.js';
import { NO_EPOCH } from '../../src/broker/partition.js';
import { createTopic, deleteTopic } from '../../src/broker/topics.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { makeTopic, startTestBroker } from '../helpers/test-broker.js';

test('a partition is one object per partition, its metadata refreshed at each lookup; unknown partitions have none', async () => {
  let epoch = 0;
  const tb = await startTestBroker({ rewriteTopic: (t) => ({ ...t, partitions: t.partitions.map((p) => ({ ...p, leaderEpoch: epoch })) }) });
  try {
    await makeTopic(tb, 'p', 2);
    const partitions = tb.broker.partitions;
    const first = partitions.get(tb.broker.metadata.topic('p'), 1)!;
    assert.equal(first.topic, 'p');
    assert.equal(first.index, 1);
    assert.equal(first.leaderEpoch, 0);
    epoch = 3;
    const again = partitions.get(tb.broker.metadata.topic('p'), 1)!;
    assert.equal(again, first, 'looked up, not made again');
    assert.equal(again.leaderEpoch, 3, 'the image decides the leader epoch');
    assert.equal(partitions.get(tb.broker.metadata.topic('p'), 2), undefined);
    assert.equal(partitions.get(undefined, 0), undefined);
    // The leader checks: a stale epoch is fenced, a newer one unknown, none skips the check.
    assert.equal(first.leaderLogOrError(2), ErrorCode.FENCED_LEADER_EPOCH);
    assert.equal(first.leaderLogOrError(4), ErrorCode.UNKNOWN_LEADER_EPOCH);
    assert.equal(first.leaderLogOrError(NO_EPOCH), tb.broker.logs.getLog('p', 1));
  } finally {
    await tb.close();
  }
});

test('a partition follows its log through a topic deleted and made again', async () => {
  const tb = await startTestBroker();
  try {
    await makeTopic(tb, 'again');
    const before = tb.broker.partitions.get(tb.broker.metadata.topic('again'), 0)!;
    const oldLog = before.log!;
    await deleteTopic(tb.broker, 'again');
    assert.equal(tb.broker.partitions.get(tb.broker.metadata.topic('again'), 0), undefined);
    await makeTopic(tb, 'again');
    const after = tb.broker.partitions.get(tb.broker.metadata.topic('again'), 0)!;
    assert.notEqual(after.log, oldLog);
    assert.equal(after.log, tb.broker.logs.getLog('again', 0));
    // A Partition kept from before the deletion finds the new log too (the old one is closed).
    assert.equal(before.log, after.log);
  } finally {
    await tb.close();
  }
});

test('the metadata model: internal topics by name, partitions by index, coded store errors', async () => {
  assert.ok(isInternalTopic('__consumer_offsets'));
  assert.ok(isInternalTopic('__transaction_state'));
  assert.ok(!isInternalTopic('__cluster_metadata'));
  assert.ok(!isInternalTopic('orders'));
  const dir = mkdtempSync(join(tmpdir(), 'millrace-metadata-'));
  try {
    const store = LocalMetadataStore.open(dir, { nodeId: 1, host: 'localhost', port: 9092, rack: null });
    const topic = await store.createTopic('t', 3, 1, {});
    assert.equal(partitionOf(topic, 2)?.partition, 2);
    assert.equal(partitionOf(topic, 3), undefined);
    assert.equal((await store.createTopic('__consumer_offsets', 1, 1, {})).internal, true, 'the store sets the flag from the name');
    await assert.rejects(store.createTopic('t', 1, 1, {}), (e) => isMetadataError(e, ErrorCode.TOPIC_ALREADY_EXISTS));
    await assert.rejects(store.createPartitions('nosuch', 2), (e) => isMetadataError(e, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two creations of one name at once: one succeeds, the other gets TOPIC_ALREADY_EXISTS with Kafka\'s message', async () => {
  const tb = await startTestBroker();
  try {
    const [a, b] = await Promise.all([createTopic(tb.broker, 'race', 1, 1, {}), createTopic(tb.broker, 'race', 1, 1, {})]);
    const outcomes = [a, b].map((r) => (r.ok ? ErrorCode.NONE : r.errorCode)).sort((x, y) => x - y);
    assert.deepEqual(outcomes, [ErrorCode.NONE, ErrorCode.TOPIC_ALREADY_EXISTS]);
    const lost = (a.ok ? b : a) as { ok: false; message: string };
    assert.equal(lost.message, "Topic 'race' already exists.");
  } finally {
    await tb.close();
  }
});
