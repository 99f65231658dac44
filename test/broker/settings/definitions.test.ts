import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configValueToString, parseConfigValue } from '../../../src/common/config-def.js';
import { BROKER_CONFIGS, brokerConfigSynonyms } from '../../../src/broker/settings/definitions.js';
import { KAFKA_BROKER_CONFIGS } from '../../../src/broker/settings/kafka-broker-configs.js';
import { TOPIC_CONFIGS } from '../../../src/storage/topic-configs.js';
import { DEFAULT_LOG_CONFIG } from '../../../src/storage/config.js';

test('the topic config table: Kafka 4.4 names, validators accept their defaults, defaults agree with storage', () => {
  assert.equal(TOPIC_CONFIGS.size, 37);
  for (const name of ['errors.deadletterqueue.group.enable', 'max.decompressed.message.bytes', 'remote.copy.lag.bytes', 'remote.copy.lag.ms']) assert.ok(TOPIC_CONFIGS.has(name), `new in Kafka 4.x: ${name}`);
  assert.ok(!TOPIC_CONFIGS.has('internal.segment.bytes'), 'Kafka-internal');
  assert.ok(!TOPIC_CONFIGS.has('message.format.version') && !TOPIC_CONFIGS.has('message.downconversion.enable'), 'removed in Kafka 4.0');
  for (const def of TOPIC_CONFIGS.values()) {
    const v = parseConfigValue(def.name, def.default, def.type);
    def.validator?.(def.name, v);
    assert.equal(configValueToString(v, def.type), def.default, def.name);
    for (const syn of def.synonyms) {
      // Kafka's defaults of the broker synonyms Millrace does not read come from Kafka's own table.
      assert.ok(BROKER_CONFIGS.has(syn.name) || KAFKA_BROKER_CONFIGS.has(syn.name), `${def.name}: unknown broker synonym ${syn.name}`);
    }
  }
  for (const [name, value] of Object.entries(DEFAULT_LOG_CONFIG)) {
    const def = TOPIC_CONFIGS.get(name)!;
    const storage = typeof value === 'number' && value === Number.MAX_SAFE_INTEGER ? '9223372036854775807' : String(value);
    assert.equal(storage, def.default, name);
  }
  // Every broker setting that supplies a topic default is the first synonym of that topic config.
  for (const def of BROKER_CONFIGS.values()) {
    if (def.topicConfig !== undefined) assert.equal(TOPIC_CONFIGS.get(def.topicConfig)!.synonyms[0]!.name, def.name);
  }
  assert.deepEqual(brokerConfigSynonyms('log.retention.hours'), ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours']);
});

test('broker settings that supply topic defaults are derived from the topic config table and agree with Kafka 4.4', () => {
  const derived = [...BROKER_CONFIGS.values()].filter((d) => d.topicConfig !== undefined);
  assert.equal(derived.length, 23);
  for (const def of derived) {
    const topic = TOPIC_CONFIGS.get(def.topicConfig!)!;
    assert.equal(def.type.toUpperCase(), topic.type, def.name);
    assert.equal(def.validator, topic.validator, def.name);
    assert.equal(def.dynamic, true, def.name);
    const kafka = KAFKA_BROKER_CONFIGS.get(def.name);
    assert.ok(kafka !== undefined, def.name);
    assert.equal(def.default, kafka.default, def.name);
    assert.equal(kafka.type, topic.type, def.name);
  }
  // Kafka's own table (read from its jars) agrees with the topic config table on every setting
  // that supplies a topic default first, including those Millrace does not read.
  for (const topic of TOPIC_CONFIGS.values()) {
    const first = topic.synonyms[0];
    if (first === undefined) continue;
    const kafka = KAFKA_BROKER_CONFIGS.get(first.name);
    assert.ok(kafka !== undefined, first.name);
    assert.equal(kafka.type, topic.type, first.name);
    assert.equal(kafka.default, topic.synonyms.length > 1 ? null : topic.default, first.name);
  }
  assert.equal(BROKER_CONFIGS.get('log.retention.ms')!.default, null);
  assert.equal(BROKER_CONFIGS.get('log.flush.interval.ms')!.default, null);
  assert.equal(BROKER_CONFIGS.get('log.segment.bytes')!.default, '1073741824');
  // DynamicBrokerConfig.brokerConfigSynonyms.
  assert.deepEqual(brokerConfigSynonyms('log.retention.ms'), ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours']);
  assert.deepEqual(brokerConfigSynonyms('log.retention.minutes'), ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours']);
  assert.deepEqual(brokerConfigSynonyms('log.roll.hours'), ['log.roll.ms', 'log.roll.hours']);
  assert.deepEqual(brokerConfigSynonyms('log.roll.jitter.ms'), ['log.roll.jitter.ms', 'log.roll.jitter.hours']);
  assert.deepEqual(brokerConfigSynonyms('log.flush.interval.ms'), ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms']);
  assert.deepEqual(brokerConfigSynonyms('log.flush.scheduler.interval.ms'), ['log.flush.scheduler.interval.ms']);
  assert.deepEqual(brokerConfigSynonyms('log.segment.bytes'), ['log.segment.bytes']);
  assert.deepEqual(brokerConfigSynonyms('num.partitions'), ['num.partitions']);
});
