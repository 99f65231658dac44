// ShareDeadLetterWriter over a fake broker: a missing DLQ topic created with Kafka's configs
// when auto-creation is on and refused (Kafka's message) when off, the destination partition,
// retriable append errors retried, a non-retriable one and a topic not enabled as a DLQ
// failing the write (the caller then archives the records), and a topic named by its id once
// the source topic is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { decodeBatchSync } from '../../../src/protocol/records/decode.js';
import { CoordinatorWriteError } from '../../../src/coordinator/group/sink.js';
import { DeadLetterReason } from '../../../src/coordinator/share/share-partition.js';
import type { MetadataStore, TopicMetadata } from '../../../src/cluster/metadata.js';
import type { BrokerConfig } from '../../../src/broker/settings/broker-config.js';
import { ShareDeadLetterWriter, type DeadLetterWriterHost } from '../../../src/broker/share/share-dlq-writer.js';

const SOURCE_ID = Buffer.alloc(16, 7);
const KEY = { groupId: 'g', topicId: SOURCE_ID.toString('hex'), partition: 5 };
const RUN = { firstOffset: 3, lastOffset: 4, deliveryCount: 1, reason: DeadLetterReason.Rejected };

function topic(name: string, partitions: number, configs: Record<string, string> = {}, id = Buffer.alloc(16, 1)): TopicMetadata {
  return { name, id, internal: false, configs, partitions: Array.from({ length: partitions }, (_, p) => ({ partition: p, leader: 1 })) } as unknown as TopicMetadata;
}

function fake(over: { autoCreate?: boolean; topics?: TopicMetadata[]; failures?: number[] } = {}) {
  const topics = new Map((over.topics ?? [topic('orders', 6, {}, SOURCE_ID)]).map((t) => [t.name, t]));
  const created: Array<[string, Record<string, string>]> = [];
  const appended: Array<[string, number, Buffer]> = [];
  const failures = [...(over.failures ?? [])];
  const settings: Record<string, string> = { 'errors.deadletterqueue.topic.name.prefix': 'dlq.', 'errors.deadletterqueue.auto.create.topics.enable': String(over.autoCreate ?? false), 'message.max.bytes': '1048588', 'request.timeout.ms': '30000' };
  const host: DeadLetterWriterHost = {
    nodeId: 1,
    metadata: {
      topic: (name: string) => topics.get(name),
      topicById: (id: Buffer) => [...topics.values()].find((t) => t.id.equals(id)),
      entityConfigs: () => ({ 'errors.deadletterqueue.topic.name': 'dlq.orders' }),
    } as unknown as MetadataStore,
    config: { raw: (n: string) => settings[n] ?? null, bool: (n: string) => settings[n] === 'true', int: (n: string) => Number(settings[n]) } as unknown as BrokerConfig,
    leaderLog: () => undefined,
    createTopic: async (name, configs) => {
      created.push([name, { ...configs }]);
      topics.set(name, topic(name, 4, { ...configs }));
      return null;
    },
    appendLocal: async (t, p, batch) => {
      const code = failures.shift();
      if (code !== undefined) throw new CoordinatorWriteError(code, `${t}-${p}: failed`);
      appended.push([t, p, batch]);
    },
    transport: () => null,
  };
  return { writer: new ShareDeadLetterWriter(host), created, appended, topics };
}

test('a missing DLQ topic is created with Kafka\'s configs when auto-creation is on, then written at partition modulo its count', async () => {
  const f = fake({ autoCreate: true });
  await f.writer.write(KEY, RUN, () => 42);
  assert.deepEqual(f.created, [['dlq.orders', { 'errors.deadletterqueue.group.enable': 'true', 'message.timestamp.type': 'CreateTime' }]]);
  assert.equal(f.appended.length, 1);
  const [name, partition, batch] = f.appended[0]!;
  assert.deepEqual([name, partition], ['dlq.orders', 5 % 4]);
  const records = decodeBatchSync(batch).records;
  assert.deepEqual(records.map((r) => r.headers.find((h) => h.key === '__dlq.errors.offset')!.value!.toString()), ['3', '4']);
  assert.equal(records[0]!.headers[0]!.value!.toString(), 'orders');
  assert.equal(records[0]!.timestamp, 42);
});

test('a missing DLQ topic without auto-creation, or one not enabled as a DLQ, fails the write with Kafka\'s message', async () => {
  await assert.rejects(fake().writer.write(KEY, RUN, () => 0), { message: 'DLQ topic does not exist and auto create is disabled on cluster for share group: g, topic: dlq.orders.' });
  const notEnabled = fake({ topics: [topic('orders', 1, {}, SOURCE_ID), topic('dlq.orders', 1)] });
  await assert.rejects(notEnabled.writer.write(KEY, RUN, () => 0), { message: 'DLQ is not enabled on configured DLQ topic for share group: g, topic: dlq.orders.' });
  assert.equal(notEnabled.appended.length, 0);
});

test('retriable append errors are retried; another error fails the write', async () => {
  const enabled = { 'errors.deadletterqueue.group.enable': 'true' };
  const retried = fake({ topics: [topic('orders', 1, {}, SOURCE_ID), topic('dlq.orders', 2, enabled)], failures: [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_ENOUGH_REPLICAS] });
  await retried.writer.write(KEY, RUN, () => 0);
  assert.equal(retried.appended.length, 1);
  const failed = fake({ topics: [topic('orders', 1, {}, SOURCE_ID), topic('dlq.orders', 2, enabled)], failures: [ErrorCode.KAFKA_STORAGE_ERROR] });
  await assert.rejects(failed.writer.write(KEY, RUN, () => 0), { name: 'CoordinatorWriteError' });
  assert.equal(failed.appended.length, 0);
});

test('a source topic no longer known is named by its id, as Kafka does', async () => {
  const f = fake({ topics: [topic('dlq.orders', 1, { 'errors.deadletterqueue.group.enable': 'true' })] });
  await f.writer.write(KEY, RUN, () => 0);
  const headers = decodeBatchSync(f.appended[0]![2]).records[0]!.headers;
  assert.equal(headers[0]!.value!.toString(), SOURCE_ID.toString('base64url'));
});
