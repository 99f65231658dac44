import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode, errorMessage } from '../../../src/protocol/generated/errors.js';
import type { DescribeConfigsResourceResult } from '../../../src/protocol/generated/describe-configs-response.js';
import { createTopics, newTopic } from '../config-admin/admin-helpers.js';
import { startTestBroker } from '../../helpers/test-broker.js';

const res = (resourceType: number, resourceName: string, configurationKeys: string[] | null = null) => ({ resourceType, resourceName, configurationKeys });
const byName = (configs: DescribeConfigsResourceResult[]) => new Map(configs.map((c) => [c.name, c]));

test('DescribeConfigs v4 describes a topic: overrides, broker synonyms in order, sources, types and documentation', async () => {
  const ab = await startTestBroker({ config: { 'log.retention.hours': 168, 'log.segment.bytes': 1073741824 } });
  try {
    await createTopics(ab, newTopic('t', 1, 1, { 'retention.ms': '1000', 'cleanup.policy': 'compact' }));
    const out = await ab.client.request(ApiKey.DescribeConfigs, 4, { resources: [res(2, 't')], includeSynonyms: true, includeDocumentation: true });
    const r = out.results[0]!;
    assert.deepEqual([r.errorCode, r.errorMessage, r.resourceType, r.resourceName], [ErrorCode.NONE, '', 2, 't']);
    const c = byName(r.configs);
    assert.equal(c.size, 37);
    assert.deepEqual({ ...c.get('cleanup.policy')!, documentation: undefined }, {
      name: 'cleanup.policy', value: 'compact', readOnly: false, configSource: 1, isSensitive: false,
      synonyms: [{ name: 'cleanup.policy', value: 'compact', source: 1 }, { name: 'log.cleanup.policy', value: 'delete', source: 5 }],
      configType: 7, documentation: undefined,
    });
    assert.ok(c.get('cleanup.policy')!.documentation!.length > 20);
    // Static broker setting: STATIC_BROKER_CONFIG before its default.
    assert.deepEqual(c.get('segment.bytes')!.synonyms, [{ name: 'log.segment.bytes', value: '1073741824', source: 4 }, { name: 'log.segment.bytes', value: '1073741824', source: 5 }]);
    assert.equal(c.get('segment.bytes')!.configSource, 4);
    assert.equal(c.get('segment.bytes')!.configType, 3);
    // Kafka drops synonyms before the topic config's own broker name (log.retention.ms unset).
    assert.deepEqual(c.get('retention.ms')!.synonyms, [{ name: 'retention.ms', value: '1000', source: 1 }]);
    assert.equal(c.get('min.cleanable.dirty.ratio')!.configType, 6);
    assert.equal(c.get('preallocate')!.configType, 1);
    assert.equal(c.get('compression.type')!.configType, 2);
    assert.equal(c.get('flush.ms')!.value, '9223372036854775807');
  } finally {
    await ab.close();
  }
});

test('DescribeConfigs v1 (lowest): named keys, no synonyms unless asked, defaults from broker settings', async () => {
  const ab = await startTestBroker({ config: { 'log.retention.hours': 24, 'message.max.bytes': 2000000 } });
  try {
    await createTopics(ab, newTopic('t'));
    const out = await ab.client.request(ApiKey.DescribeConfigs, 1, { resources: [res(2, 't', ['retention.ms', 'max.message.bytes', 'nope'])], includeSynonyms: false, includeDocumentation: false });
    const c = byName(out.results[0]!.configs);
    assert.deepEqual([...c.keys()].sort(), ['max.message.bytes', 'retention.ms']);
    assert.deepEqual([c.get('retention.ms')!.value, c.get('retention.ms')!.configSource, c.get('retention.ms')!.synonyms], ['86400000', 5, []]);
    assert.deepEqual([c.get('max.message.bytes')!.value, c.get('max.message.bytes')!.configSource], ['2000000', 4]);
    const syn = await ab.client.request(ApiKey.DescribeConfigs, 2, { resources: [res(2, 't', ['max.message.bytes'])], includeSynonyms: true, includeDocumentation: false });
    assert.deepEqual(syn.results[0]!.configs[0]!.synonyms, [{ name: 'message.max.bytes', value: '2000000', source: 4 }, { name: 'message.max.bytes', value: '1048588', source: 5 }]);
  } finally {
    await ab.close();
  }
});

test('DescribeConfigs describes this broker, the cluster defaults and the broker logger', async () => {
  const ab = await startTestBroker({ config: { 'num.partitions': 3 } });
  try {
    const out = await ab.client.request(ApiKey.DescribeConfigs, 3, {
      resources: [res(4, '1'), res(4, ''), res(8, '1'), res(4, '1', ['log.retention.hours', 'log.retention.ms'])],
      includeSynonyms: true,
      includeDocumentation: true,
    });
    const [all, defaults, logger, named] = out.results;
    const c = byName(all!.configs);
    assert.deepEqual({ ...c.get('num.partitions')!, documentation: null }, {
      name: 'num.partitions', value: '3', readOnly: true, configSource: 4, isSensitive: false,
      synonyms: [{ name: 'num.partitions', value: '3', source: 4 }, { name: 'num.partitions', value: '1', source: 5 }], configType: 3, documentation: null,
    });
    assert.equal(c.get('log.retention.ms')!.readOnly, false, 'dynamic settings are not read-only');
    assert.equal(c.get('log.retention.ms')!.value, null);
    assert.ok(c.get('message.max.bytes')!.documentation!.includes('max.message.bytes'));
    assert.deepEqual([defaults!.errorCode, defaults!.configs], [ErrorCode.NONE, []]);
    assert.deepEqual(logger!.configs.map((e) => [e.name, e.value, e.configSource]), [['root', 'OFF', 6]]);
    assert.deepEqual(named!.configs.map((e) => [e.name, e.synonyms.map((s) => `${s.name}:${s.source}`)]).sort(), [
      ['log.retention.hours', ['log.retention.hours:5']],
      ['log.retention.ms', []],
    ]);
  } finally {
    await ab.close();
  }
});

test('DescribeConfigs errors: unknown topic, bad names, other broker ids, unknown resource types', async () => {
  const ab = await startTestBroker();
  try {
    const out = await ab.client.request(ApiKey.DescribeConfigs, 4, {
      resources: [res(2, 'nosuch'), res(2, 'bad name!'), res(4, '2'), res(4, 'abc'), res(8, ''), res(8, '2'), res(16, ''), res(32, '')],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    assert.deepEqual(out.results.map((r) => [r.resourceType, r.resourceName, r.errorCode, r.errorMessage, r.configs.length]), [
      [2, 'nosuch', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, '', 0],
      [2, 'bad name!', ErrorCode.INVALID_TOPIC_EXCEPTION, "Topic name is invalid: 'bad name!' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'", 0],
      [4, '2', ErrorCode.INVALID_REQUEST, 'Unexpected broker id, expected 1 or empty string, but received 2', 0],
      [4, 'abc', ErrorCode.INVALID_REQUEST, 'Broker id must be an integer, but it is: abc', 0],
      [8, '', ErrorCode.INVALID_REQUEST, 'Broker id must not be empty', 0],
      [8, '2', ErrorCode.INVALID_REQUEST, 'Unexpected broker id, expected 1 but received 2', 0],
      [16, '', ErrorCode.INVALID_REQUEST, 'Client metrics subscription name must not be empty', 0],
      [32, '', ErrorCode.INVALID_REQUEST, 'Group name must not be empty', 0],
    ]);
    // A resource type Kafka does not know fails the whole request.
    const unknown = await ab.client.request(ApiKey.DescribeConfigs, 4, { resources: [res(99, 'x'), res(4, '1')], includeSynonyms: false, includeDocumentation: false });
    assert.deepEqual(unknown.results.map((r) => [r.errorCode, r.errorMessage, r.configs.length]), [
      [ErrorCode.INVALID_REQUEST, errorMessage(ErrorCode.INVALID_REQUEST), 0],
      [ErrorCode.INVALID_REQUEST, errorMessage(ErrorCode.INVALID_REQUEST), 0],
    ]);
  } finally {
    await ab.close();
  }
});
