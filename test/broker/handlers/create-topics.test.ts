import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';
import { newTopic } from '../config-admin/admin-helpers.js';
import { startTestBroker } from '../../helpers/test-broker.js';

const create = (topics: ReturnType<typeof newTopic>[], validateOnly = false) => ({ topics, timeoutMs: 10_000, validateOnly });

test('CreateTopics v7 creates topics with their configs and answers with id, counts and configs with sources', async () => {
  // log.segment.bytes set statically: its topic config reports STATIC_BROKER_CONFIG, as on a real broker.
  const ab = await startTestBroker({ config: { 'num.partitions': 3, 'log.segment.bytes': 1073741824 } });
  try {
    const res = await ab.client.request(ApiKey.CreateTopics, 7, create([newTopic('plain', 2), newTopic('tuned', -1, -1, { 'retention.ms': ' 1000 ', 'cleanup.policy': 'compact' })]));
    assert.equal(res.topics.length, 2);
    const [plain, tuned] = res.topics;
    assert.equal(plain!.errorCode, ErrorCode.NONE);
    assert.equal(plain!.errorMessage, null);
    assert.equal(plain!.numPartitions, 2);
    assert.equal(plain!.replicationFactor, 1);
    assert.equal(tuned!.numPartitions, 3, 'num.partitions is the default for -1');
    const configs = new Map(tuned!.configs!.map((c) => [c.name, c]));
    assert.equal(configs.size, 37, "every Kafka 4.4 topic config");
    assert.deepEqual([...configs.keys()], [...configs.keys()].sort(), 'sorted by name');
    assert.deepEqual(configs.get('retention.ms'), { name: 'retention.ms', value: ' 1000 ', readOnly: false, configSource: 1, isSensitive: false });
    assert.equal(configs.get('cleanup.policy')!.configSource, 1);
    assert.equal(configs.get('segment.bytes')!.configSource, 4);
    assert.deepEqual(configs.get('max.message.bytes'), { name: 'max.message.bytes', value: '1048588', readOnly: false, configSource: 5, isSensitive: false });
    assert.equal(configs.get('local.retention.ms')!.value, '-2');

    const md = await ab.client.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false, includeClusterAuthorizedOperations: false });
    const ids = new Map(md.topics.map((t) => [t.name, t.topicId]));
    assert.ok(ids.get('plain')!.equals(plain!.topicId), 'v7 returns the topic id Metadata shows');
    assert.ok(!plain!.topicId.equals(ZERO_UUID));
    // The partition logs exist, with the topic's overrides applied (canonical values).
    assert.ok(existsSync(join(ab.logDir, 'plain-1')));
    const log = ab.broker.logs.getLog('tuned', 2)!;
    assert.equal(log.config['retention.ms'], 1000);
    assert.equal(log.config['cleanup.policy'], 'compact');
    assert.deepEqual(ab.broker.metadata.topic('tuned')!.configs, { 'cleanup.policy': 'compact', 'retention.ms': '1000' });
  } finally {
    await ab.close();
  }
});

test('CreateTopics v2 (lowest) creates a topic and reports errors with messages', async () => {
  const ab = await startTestBroker();
  try {
    const res = await ab.client.request(ApiKey.CreateTopics, 2, create([newTopic('v2', 1), newTopic('v2-bad!', 1), newTopic('dup', 1), newTopic('dup', 2)]));
    const by = new Map(res.topics.map((t) => [t.name, t]));
    assert.equal(by.get('v2')!.errorCode, ErrorCode.NONE);
    assert.equal(by.get('v2')!.numPartitions, -1, 'not in v2');
    assert.equal(by.get('v2-bad!')!.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.equal(by.get('dup')!.errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(by.get('dup')!.errorMessage, 'Duplicate topic name.');
    assert.equal(res.topics.filter((t) => t.name === 'dup').length, 1, 'one answer per duplicated name');
    assert.ok(ab.broker.metadata.topic('v2') !== undefined);
    assert.equal(ab.broker.metadata.topic('dup'), undefined);
  } finally {
    await ab.close();
  }
});

test("CreateTopics rejects bad names, counts, replicas, assignments and configs with Kafka's codes and messages", async () => {
  const ab = await startTestBroker();
  try {
    await ab.client.request(ApiKey.CreateTopics, 7, create([newTopic('exists'), newTopic('a_b')]));
    const cases: Array<[ReturnType<typeof newTopic>, number, string]> = [
      [newTopic('exists'), ErrorCode.TOPIC_ALREADY_EXISTS, "Topic 'exists' already exists."],
      [newTopic(''), ErrorCode.INVALID_TOPIC_EXCEPTION, 'Topic name is invalid: the empty string is not allowed'],
      [newTopic('..'), ErrorCode.INVALID_TOPIC_EXCEPTION, "Topic name is invalid: '..' is not allowed"],
      [newTopic('x'.repeat(250)), ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic name is invalid: the length of '${'x'.repeat(250)}' is longer than the max allowed length 249`],
      [newTopic('a b'), ErrorCode.INVALID_TOPIC_EXCEPTION, "Topic name is invalid: 'a b' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"],
      [newTopic('a.b'), ErrorCode.INVALID_TOPIC_EXCEPTION, "Topic 'a.b' collides with existing topic: a_b"],
      [newTopic('rf3', 1, 3), ErrorCode.INVALID_REPLICATION_FACTOR, 'Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered or some brokers have all their log directories cordoned.'],
      [newTopic('rf0', 1, 0), ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.'],
      [newTopic('np0', 0, 1), ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.'],
      [newTopic('np-2', -2, 1), ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.'],
      [newTopic('unknown-config', 1, 1, { 'foo.bar': 'x' }), ErrorCode.INVALID_CONFIG, 'Unknown topic config name: foo.bar'],
      [newTopic('broker-name', 1, 1, { 'log.retention.ms': '1' }), ErrorCode.INVALID_CONFIG, 'Unknown topic config name: log.retention.ms'],
      [newTopic('not-long', 1, 1, { 'retention.ms': 'abc' }), ErrorCode.INVALID_CONFIG, 'Invalid value abc for configuration retention.ms: Not a number of type LONG'],
      [newTopic('not-int', 1, 1, { 'segment.bytes': '99999999999' }), ErrorCode.INVALID_CONFIG, 'Invalid value 99999999999 for configuration segment.bytes: Not a number of type INT'],
      [newTopic('too-small', 1, 1, { 'segment.bytes': '1048575' }), ErrorCode.INVALID_CONFIG, 'Invalid value 1048575 for configuration segment.bytes: Value must be at least 1048576'],
      [newTopic('ratio', 1, 1, { 'min.cleanable.dirty.ratio': '2' }), ErrorCode.INVALID_CONFIG, 'Invalid value 2.0 for configuration min.cleanable.dirty.ratio: Value must be no more than 1'],
      [newTopic('policy', 1, 1, { 'cleanup.policy': 'compact,bogus' }), ErrorCode.INVALID_CONFIG, 'Invalid value bogus for configuration cleanup.policy: String must be one of: compact, delete'],
      [newTopic('bool', 1, 1, { preallocate: 'yes' }), ErrorCode.INVALID_CONFIG, 'Invalid value yes for configuration preallocate: Expected value to be either true or false'],
      [newTopic('codec', 1, 1, { 'compression.type': 'brotli' }), ErrorCode.INVALID_CONFIG, 'Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer'],
      [newTopic('gzip', 1, 1, { 'compression.gzip.level': '20' }), ErrorCode.INVALID_CONFIG, 'Invalid value 20 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1'],
      [newTopic('lag', 1, 1, { 'min.compaction.lag.ms': '100', 'max.compaction.lag.ms': '50' }), ErrorCode.INVALID_CONFIG, 'conflict topic config setting min.compaction.lag.ms (100) > max.compaction.lag.ms (50)'],
      [newTopic('remote', 1, 1, { 'remote.storage.enable': 'true' }), ErrorCode.INVALID_CONFIG, 'Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.'],
      [newTopic('nulls', 1, 1, { 'retention.ms': null, 'segment.ms': null }), ErrorCode.INVALID_CONFIG, 'Null value not supported for topic configs: retention.ms,segment.ms'],
      [newTopic('throttled', 1, 1, { 'leader.replication.throttled.replicas': '0:1:2' }), ErrorCode.INVALID_CONFIG,
        "Invalid value [0:1:2] for configuration leader.replication.throttled.replicas: leader.replication.throttled.replicas must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],..."],
      [newTopic('asg-rf', 1, 1, {}, [{ partitionIndex: 0, brokerIds: [1] }]), ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but replication factor was not set to -1.'],
      [newTopic('asg-np', 1, -1, {}, [{ partitionIndex: 0, brokerIds: [1] }]), ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but numPartitions was not set to -1.'],
      [newTopic('asg-b2', -1, -1, {}, [{ partitionIndex: 0, brokerIds: [2] }]), ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes broker 2, but no such broker is registered.'],
      [newTopic('asg-twice', -1, -1, {}, [{ partitionIndex: 0, brokerIds: [1, 1] }]), ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes the broker 1 more than once.'],
      [newTopic('asg-empty', -1, -1, {}, [{ partitionIndex: 0, brokerIds: [] }]), ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes an empty replica list.'],
      [newTopic('asg-gap', -1, -1, {}, [{ partitionIndex: 1, brokerIds: [1] }]), ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'partitions should be a consecutive 0-based integer sequence'],
      [newTopic('asg-dup', -1, -1, {}, [{ partitionIndex: 0, brokerIds: [1] }, { partitionIndex: 0, brokerIds: [1] }]), ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Found multiple manual partition assignments for partition 0'],
      [newTopic('__cluster_metadata'), ErrorCode.INVALID_REQUEST, 'Creation of internal topic __cluster_metadata is prohibited.'],
      [newTopic('huge', 20_000, 1), ErrorCode.INVALID_PARTITIONS, 'Unable to create 20000 partition(s): a request may create at most 10000 partitions.'],
    ];
    const res = await ab.client.request(ApiKey.CreateTopics, 7, create(cases.map((c) => c[0])));
    const by = new Map(res.topics.map((t) => [t.name, t]));
    for (const [t, code, message] of cases) {
      const r = by.get(t.name)!;
      assert.deepEqual([r.errorCode, r.errorMessage], [code, message], t.name);
      assert.ok(r.topicId.equals(ZERO_UUID));
      assert.deepEqual([r.numPartitions, r.replicationFactor, r.configs], [-1, -1, []]);
    }
    assert.deepEqual([...ab.broker.metadata.topics()].map((t) => t.name).sort(), ['a_b', 'exists']);
  } finally {
    await ab.close();
  }
});

test('CreateTopics with a manual assignment and with validate_only', async () => {
  const ab = await startTestBroker();
  try {
    const res = await ab.client.request(ApiKey.CreateTopics, 6, create([newTopic('manual', -1, -1, {}, [{ partitionIndex: 1, brokerIds: [1] }, { partitionIndex: 0, brokerIds: [1] }])]));
    assert.equal(res.topics[0]!.errorCode, ErrorCode.NONE);
    assert.equal(res.topics[0]!.numPartitions, 2);
    assert.equal(ab.broker.metadata.topic('manual')!.partitions.length, 2);

    const v = await ab.client.request(ApiKey.CreateTopics, 7, create([newTopic('dry', 4, 1, { 'retention.ms': '5' }), newTopic('manual')], true));
    assert.equal(v.topics[0]!.errorCode, ErrorCode.NONE);
    assert.equal(v.topics[0]!.numPartitions, 4);
    assert.equal(v.topics[0]!.configs!.find((c) => c.name === 'retention.ms')!.configSource, 1);
    assert.equal(v.topics[1]!.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
    assert.equal(ab.broker.metadata.topic('dry'), undefined, 'validate_only creates nothing');
    assert.equal(ab.broker.logs.getLog('dry', 0), undefined);
  } finally {
    await ab.close();
  }
});
