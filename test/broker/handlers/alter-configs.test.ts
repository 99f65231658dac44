import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { createTopics, newTopic } from '../config-admin/admin-helpers.js';
import { type TestBroker, startTestBroker } from '../../helpers/test-broker.js';

const resource = (resourceType: number, resourceName: string, configs: Record<string, string | null>) => ({
  resourceType,
  resourceName,
  configs: Object.entries(configs).map(([name, value]) => ({ name, value })),
});

async function describe(ab: TestBroker, type: number, name: string, keys: string[]) {
  const out = await ab.client.request(ApiKey.DescribeConfigs, 4, { resources: [{ resourceType: type, resourceName: name, configurationKeys: keys }], includeSynonyms: true, includeDocumentation: false });
  return new Map(out.results[0]!.configs.map((c) => [c.name, c]));
}

test('AlterConfigs v0 (lowest) replaces the whole set of a topic and applies it to the logs', async () => {
  const ab = await startTestBroker();
  try {
    await createTopics(ab, newTopic('t', 2, 1, { 'retention.ms': '1000', 'segment.ms': '100000' }));
    const res = await ab.client.request(ApiKey.AlterConfigs, 0, { resources: [resource(2, 't', { 'retention.bytes': '5000', 'cleanup.policy': 'Compact'.toLowerCase() })], validateOnly: false });
    assert.deepEqual(res.responses, [{ errorCode: ErrorCode.NONE, errorMessage: null, resourceType: 2, resourceName: 't' }]);
    assert.deepEqual(ab.broker.metadata.topic('t')!.configs, { 'cleanup.policy': 'compact', 'retention.bytes': '5000' });
    const c = await describe(ab, 2, 't', ['retention.ms', 'retention.bytes', 'segment.ms']);
    assert.deepEqual([c.get('retention.ms')!.value, c.get('retention.ms')!.configSource], ['604800000', 5]);
    assert.deepEqual([c.get('retention.bytes')!.value, c.get('retention.bytes')!.configSource], ['5000', 1]);
    const log = ab.broker.logs.getLog('t', 1)!;
    assert.deepEqual([log.config['retention.ms'], log.config['retention.bytes'], log.config['cleanup.policy']], [604800000, 5000, 'compact']);
  } finally {
    await ab.close();
  }
});

test("AlterConfigs v2 (highest): topic errors, validate_only, duplicates, logger refused", async () => {
  const ab = await startTestBroker();
  try {
    await createTopics(ab, newTopic('a'), newTopic('b'), newTopic('c'), newTopic('d'));
    const res = await ab.client.request(ApiKey.AlterConfigs, 2, {
      resources: [
        resource(2, 'nosuch', { 'retention.ms': '1' }),
        resource(2, 'a', { 'foo.bar': '1' }),
        resource(2, 'b', { 'retention.ms': 'x' }),
        resource(2, 'bad name!', { 'retention.ms': '1' }),
        resource(2, '', { 'retention.ms': '1' }),
        resource(2, 'c', { 'retention.ms': null }),
        resource(99, 'x', {}),
        resource(8, '1', { root: 'DEBUG' }),
        resource(2, 'd', { 'retention.ms': '1' }),
        resource(2, 'd', { 'retention.ms': '2' }),
      ],
      validateOnly: false,
    });
    assert.deepEqual(res.responses.map((r) => [r.resourceType, r.resourceName, r.errorCode, r.errorMessage]), [
      [2, 'nosuch', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "The topic 'nosuch' does not exist."],
      [2, 'a', ErrorCode.INVALID_CONFIG, 'Unknown topic config name: foo.bar'],
      [2, 'b', ErrorCode.INVALID_CONFIG, 'Invalid value x for configuration retention.ms: Not a number of type LONG'],
      [2, 'bad name!', ErrorCode.INVALID_TOPIC_EXCEPTION, "Topic name is invalid: 'bad name!' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"],
      [2, '', ErrorCode.INVALID_REQUEST, 'Default topic resources are not allowed.'],
      [2, 'c', ErrorCode.INVALID_REQUEST, 'Null value not supported for : retention.ms'],
      [99, 'x', ErrorCode.INVALID_REQUEST, 'Unknown resource type 99'],
      [8, '1', ErrorCode.INVALID_REQUEST, 'Unknown resource type 8'],
      [2, 'd', ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.'],
      [2, 'd', ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.'],
    ]);
    const dry = await ab.client.request(ApiKey.AlterConfigs, 1, { resources: [resource(2, 'a', { 'retention.ms': '777' })], validateOnly: true });
    assert.equal(dry.responses[0]!.errorCode, ErrorCode.NONE);
    assert.deepEqual(ab.broker.metadata.topic('a')!.configs, {});
  } finally {
    await ab.close();
  }
});

test('AlterConfigs on the broker: dynamic settings are kept, applied to topic defaults and survive a restart; read-only ones are refused', async () => {
  let ab = await startTestBroker();
  try {
    await createTopics(ab, newTopic('t'));
    const ok = await ab.client.request(ApiKey.AlterConfigs, 2, {
      resources: [resource(4, '1', { 'log.retention.ms': '123456', 'message.max.bytes': '2000000' }), resource(4, '', { 'log.retention.bytes': '99999' })],
      validateOnly: false,
    });
    assert.deepEqual(ok.responses.map((r) => r.errorCode), [ErrorCode.NONE, ErrorCode.NONE]);
    const log = ab.broker.logs.getLog('t', 0)!;
    assert.deepEqual([log.config['retention.ms'], log.config['max.message.bytes'], log.config['retention.bytes']], [123456, 2000000, 99999]);
    let b = await describe(ab, 4, '1', ['log.retention.ms', 'log.retention.bytes']);
    assert.deepEqual([b.get('log.retention.ms')!.value, b.get('log.retention.ms')!.configSource], ['123456', 2]);
    assert.deepEqual(b.get('log.retention.ms')!.synonyms, [{ name: 'log.retention.ms', value: '123456', source: 2 }, { name: 'log.retention.hours', value: '168', source: 5 }]);
    assert.deepEqual(b.get('log.retention.bytes')!.synonyms, [{ name: 'log.retention.bytes', value: '99999', source: 3 }, { name: 'log.retention.bytes', value: '-1', source: 5 }]);
    const t = await describe(ab, 2, 't', ['retention.ms', 'retention.bytes']);
    assert.deepEqual([t.get('retention.ms')!.value, t.get('retention.ms')!.configSource], ['123456', 2]);
    assert.deepEqual([t.get('retention.bytes')!.value, t.get('retention.bytes')!.configSource], ['99999', 3]);
    const d = await describe(ab, 4, '', []);
    assert.deepEqual([...d.values()].map((e) => [e.name, e.value, e.configSource, e.synonyms.length]), [['log.retention.bytes', '99999', 3, 1]]);

    const refused = await ab.client.request(ApiKey.AlterConfigs, 2, {
      resources: [resource(4, '1', { 'num.partitions': '3', 'log.dirs': '/x' }), resource(4, '2', { 'log.retention.ms': '1' }), resource(4, 'x', {}), resource(4, '', { 'log.retention.ms': 'abc' })],
      validateOnly: false,
    });
    assert.deepEqual(refused.responses.map((r) => [r.errorCode, r.errorMessage]), [
      [ErrorCode.INVALID_REQUEST, 'Cannot update these configs dynamically: [num.partitions, log.dirs]'],
      [ErrorCode.INVALID_REQUEST, 'Unexpected broker id, expected 1, but received 2'],
      [ErrorCode.INVALID_REQUEST, 'Node id must be an integer, but it is: x'],
      [ErrorCode.INVALID_REQUEST, 'Invalid value abc for configuration log.retention.ms: Not a number of type LONG'],
    ]);

    await ab.close(true);
    ab = await startTestBroker({ logDir: ab.logDir });
    b = await describe(ab, 4, '1', ['log.retention.ms', 'log.retention.bytes']);
    assert.deepEqual([b.get('log.retention.ms')!.value, b.get('log.retention.ms')!.configSource], ['123456', 2], 'kept across a restart');
    assert.deepEqual([b.get('log.retention.bytes')!.value, b.get('log.retention.bytes')!.configSource], ['99999', 3]);

    // AlterConfigs replaces the set: an empty set clears this broker's dynamic configs.
    const cleared = await ab.client.request(ApiKey.AlterConfigs, 0, { resources: [resource(4, '1', {})], validateOnly: false });
    assert.equal(cleared.responses[0]!.errorCode, ErrorCode.NONE);
    b = await describe(ab, 4, '1', ['log.retention.ms', 'message.max.bytes']);
    assert.deepEqual([b.get('log.retention.ms')!.value, b.get('message.max.bytes')!.value], [null, '1048588']);
    assert.equal(ab.broker.logs.getLog('t', 0)!.config['max.message.bytes'], 1048588);
  } finally {
    await ab.close();
  }
});
