// GROUP and CLIENT_METRICS config resources over the wire, as Kafka 4.4 serves them:
// DescribeConfigs (values, sources, synonyms, types, documentation), IncrementalAlterConfigs
// and AlterConfigs with Kafka's checks and messages, validate_only, and the configs kept
// across a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import type { DescribeConfigsResourceResult } from '../../../src/protocol/generated/describe-configs-response.js';
import { startTestBroker, type TestBroker } from '../../helpers/test-broker.js';

const GROUP = 32;
const CLIENT_METRICS = 16;
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;
type Op = [name: string, op: number, value: string | null];

async function incremental(tb: TestBroker, type: number, name: string, ops: Op[], validateOnly = false) {
  const res = await tb.client.request(ApiKey.IncrementalAlterConfigs, 1, {
    resources: [{ resourceType: type, resourceName: name, configs: ops.map(([n, configOperation, value]) => ({ name: n, configOperation, value })) }],
    validateOnly,
  });
  const r = res.responses[0]!;
  return [r.errorCode, r.errorMessage];
}

async function describe(tb: TestBroker, type: number, name: string, keys: string[] | null = null, version = 4) {
  const res = await tb.client.request(ApiKey.DescribeConfigs, version, { resources: [{ resourceType: type, resourceName: name, configurationKeys: keys }], includeSynonyms: true, includeDocumentation: version >= 3 });
  const r = res.results[0]!;
  return { errorCode: r.errorCode, errorMessage: r.errorMessage, configs: new Map<string, DescribeConfigsResourceResult>(r.configs.map((c) => [c.name, c])) };
}

test('a group describes Kafka 4.4\'s group configs: broker synonyms, then its own values with source GROUP_CONFIG', async () => {
  const tb = await startTestBroker({ config: { 'group.consumer.session.timeout.ms': 50000, 'group.consumer.max.session.timeout.ms': 90000 } });
  try {
    const before = await describe(tb, GROUP, 'g1');
    assert.equal(before.errorCode, ErrorCode.NONE);
    assert.deepEqual([...before.configs.keys()], [
      'consumer.assignment.interval.ms', 'consumer.heartbeat.interval.ms', 'consumer.session.timeout.ms', 'errors.deadletterqueue.copy.record.enable',
      'errors.deadletterqueue.topic.name', 'share.assignment.interval.ms', 'share.auto.offset.reset', 'share.delivery.count.limit',
      'share.heartbeat.interval.ms', 'share.isolation.level', 'share.partition.max.record.locks', 'share.record.lock.duration.ms',
      'share.renew.acknowledge.enable', 'share.session.timeout.ms', 'streams.assignment.interval.ms', 'streams.assignor.name',
      'streams.heartbeat.interval.ms', 'streams.initial.rebalance.delay.ms', 'streams.num.standby.replicas', 'streams.rack.aware.assignment.tags',
      'streams.session.timeout.ms',
    ]);
    const session = before.configs.get('consumer.session.timeout.ms')!;
    assert.deepEqual({ ...session, documentation: null }, {
      name: 'consumer.session.timeout.ms', value: '50000', readOnly: false, configSource: 4, isSensitive: false, configType: 3, documentation: null,
      synonyms: [{ name: 'group.consumer.session.timeout.ms', value: '50000', source: 4 }, { name: 'group.consumer.session.timeout.ms', value: '45000', source: 5 }],
    });
    assert.equal(session.documentation, 'The timeout to detect client failures when using the consumer group protocol.');
    // No broker synonym: the group config's own default.
    assert.deepEqual([before.configs.get('share.auto.offset.reset')!.value, before.configs.get('share.auto.offset.reset')!.configSource, before.configs.get('share.auto.offset.reset')!.synonyms], [
      'latest', 5, [{ name: 'share.auto.offset.reset', value: 'latest', source: 5 }],
    ]);
    assert.equal(before.configs.get('streams.assignor.name')!.value, 'sticky');
    assert.equal(before.configs.get('streams.rack.aware.assignment.tags')!.configType, 7);

    assert.deepEqual(await incremental(tb, GROUP, 'g1', [['consumer.session.timeout.ms', SET, ' 80000 '], ['share.auto.offset.reset', SET, 'earliest'], ['streams.rack.aware.assignment.tags', APPEND, 'zone']]), [ErrorCode.NONE, null]);
    assert.deepEqual(tb.broker.metadata.entityConfigs('groups', 'g1'), { 'consumer.session.timeout.ms': '80000', 'share.auto.offset.reset': 'earliest', 'streams.rack.aware.assignment.tags': 'zone' });
    const after = await describe(tb, GROUP, 'g1', ['consumer.session.timeout.ms', 'streams.rack.aware.assignment.tags']);
    assert.deepEqual([...after.configs.keys()], ['consumer.session.timeout.ms', 'streams.rack.aware.assignment.tags']);
    assert.deepEqual(after.configs.get('consumer.session.timeout.ms')!.synonyms, [
      { name: 'consumer.session.timeout.ms', value: '80000', source: 8 },
      { name: 'group.consumer.session.timeout.ms', value: '50000', source: 4 },
      { name: 'group.consumer.session.timeout.ms', value: '45000', source: 5 },
    ]);
    assert.equal(after.configs.get('consumer.session.timeout.ms')!.configSource, 8);
    assert.deepEqual(await incremental(tb, GROUP, 'g1', [['streams.rack.aware.assignment.tags', APPEND, 'rack,zone'], ['share.auto.offset.reset', DELETE, null]]), [ErrorCode.NONE, null]);
    assert.deepEqual(await incremental(tb, GROUP, 'g1', [['streams.rack.aware.assignment.tags', SUBTRACT, 'zone']]), [ErrorCode.NONE, null]);
    assert.deepEqual(tb.broker.metadata.entityConfigs('groups', 'g1'), { 'consumer.session.timeout.ms': '80000', 'streams.rack.aware.assignment.tags': 'rack' });
    // An internal config is described once the group sets it.
    assert.deepEqual(await incremental(tb, GROUP, 'g1', [['streams.num.warmup.replicas', SET, '4']]), [ErrorCode.NONE, null]);
    assert.equal((await describe(tb, GROUP, 'g1')).configs.get('streams.num.warmup.replicas')!.value, '4');
    // v1 (the lowest) describes the same values and sources.
    const v1 = await describe(tb, GROUP, 'g1', ['consumer.session.timeout.ms'], 1);
    assert.deepEqual([v1.configs.get('consumer.session.timeout.ms')!.value, v1.configs.get('consumer.session.timeout.ms')!.configSource], ['80000', 8]);
  } finally {
    await tb.close();
  }
});

test('group configs are checked as Kafka\'s GroupConfig.validate checks them; validate_only changes nothing', async () => {
  const tb = await startTestBroker();
  try {
    const cases: Array<[Op[], number, string]> = [
      [[['nope', SET, '1']], ErrorCode.INVALID_CONFIG, 'Unknown group config name: nope'],
      [[['consumer.session.timeout.ms', SET, 'abc']], ErrorCode.INVALID_CONFIG, 'Invalid value abc for configuration consumer.session.timeout.ms: Not a number of type INT'],
      [[['consumer.session.timeout.ms', SET, '0']], ErrorCode.INVALID_CONFIG, 'Invalid value 0 for configuration consumer.session.timeout.ms: Value must be at least 1'],
      [[['consumer.session.timeout.ms', SET, '70000']], ErrorCode.INVALID_CONFIG, 'consumer.session.timeout.ms must be in the range 45000 to 60000 inclusive.'],
      [[['consumer.heartbeat.interval.ms', SET, '4000']], ErrorCode.INVALID_CONFIG, 'consumer.heartbeat.interval.ms must be in the range 5000 to 15000 inclusive.'],
      [[['share.record.lock.duration.ms', SET, '10000']], ErrorCode.INVALID_CONFIG, 'share.record.lock.duration.ms must be in the range 15000 to 60000 inclusive.'],
      [[['share.delivery.count.limit', SET, '11']], ErrorCode.INVALID_CONFIG, 'share.delivery.count.limit must be in the range 2 to 10 inclusive.'],
      [[['streams.num.standby.replicas', SET, '5']], ErrorCode.INVALID_CONFIG, 'streams.num.standby.replicas must be less than or equal to 2'],
      [[['streams.task.offset.interval.ms', SET, '5']], ErrorCode.INVALID_CONFIG, 'streams.task.offset.interval.ms must be greater than or equal to 15000'],
      [[['streams.assignor.name', SET, 'foo']], ErrorCode.INVALID_CONFIG, "streams.assignor.name 'foo' is not a registered task assignor. Registered assignors are: [sticky]."],
      [[['share.isolation.level', SET, 'READ_COMMITTED']], ErrorCode.INVALID_CONFIG, 'Invalid value READ_COMMITTED for configuration share.isolation.level: String must be one of: read_committed, read_uncommitted'],
      [[['share.auto.offset.reset', SET, 'bogus']], ErrorCode.INVALID_CONFIG, "Invalid value bogus for configuration share.auto.offset.reset: Invalid value `bogus` for configuration share.auto.offset.reset. The value must be either 'earliest', 'latest' or of the format 'by_duration:<PnDTnHnMn.nS>'."],
      [[['streams.rack.aware.assignment.tags', SET, 'a,a']], ErrorCode.INVALID_CONFIG, 'streams.rack.aware.assignment.tags must not contain duplicate tag keys.'],
      [[['errors.deadletterqueue.topic.name', SET, '__dlq']], ErrorCode.INVALID_CONFIG, "errors.deadletterqueue.topic.name: DLQ topic name must not start with '__'"],
      [[['share.auto.offset.reset', APPEND, 'x']], ErrorCode.INVALID_CONFIG, "Can't APPEND to key share.auto.offset.reset because its type is not LIST."],
      [[['share.session.timeout.ms', SET, '50000'], ['share.session.timeout.ms', DELETE, null]], ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys'],
      [[['consumer.session.timeout.ms', SET, null]], ErrorCode.INVALID_REQUEST, 'Null value not supported for : consumer.session.timeout.ms'],
    ];
    for (const [ops, code, message] of cases) assert.deepEqual(await incremental(tb, GROUP, 'g', ops), [code, message], JSON.stringify(ops));
    // Session not longer than heartbeat, with the broker's heartbeat (5000) standing in.
    assert.deepEqual(await incremental(tb, GROUP, 'g', [['streams.heartbeat.interval.ms', SET, '15000'], ['streams.session.timeout.ms', SET, '45000']]), [ErrorCode.NONE, null]);
    assert.deepEqual(await incremental(tb, GROUP, 'g', [['streams.session.timeout.ms', DELETE, null], ['streams.heartbeat.interval.ms', SET, '15000']]), [ErrorCode.NONE, null]);
    assert.deepEqual(await incremental(tb, GROUP, '', [['share.delivery.count.limit', SET, '3']]), [ErrorCode.INVALID_REQUEST, 'Default group resources are not allowed.']);
    assert.deepEqual(await incremental(tb, GROUP, 'other', [['share.delivery.count.limit', SET, '3'], ['share.auto.offset.reset', SET, 'by_duration:PT1H']], true), [ErrorCode.NONE, null]);
    assert.deepEqual(tb.broker.metadata.entityConfigs('groups', 'other'), {});
    assert.deepEqual(tb.broker.metadata.entityConfigNames('groups'), ['g']);
    // AlterConfigs replaces the whole set.
    const legacy = await tb.client.request(ApiKey.AlterConfigs, 2, { resources: [{ resourceType: GROUP, resourceName: 'g', configs: [{ name: 'share.delivery.count.limit', value: '4' }] }], validateOnly: false });
    assert.deepEqual(legacy.responses.map((r) => [r.errorCode, r.errorMessage]), [[ErrorCode.NONE, null]]);
    assert.deepEqual(tb.broker.metadata.entityConfigs('groups', 'g'), { 'share.delivery.count.limit': '4' });
    const empty = await describe(tb, GROUP, '');
    assert.deepEqual([empty.errorCode, empty.errorMessage, empty.configs.size], [ErrorCode.INVALID_REQUEST, 'Group name must not be empty', 0]);
  } finally {
    await tb.close();
  }
});

test('client metrics subscriptions: metrics, interval.ms and match, Kafka\'s checks, and the defaults of one not set', async () => {
  const tb = await startTestBroker();
  try {
    const none = await describe(tb, CLIENT_METRICS, 'sub');
    assert.deepEqual([...none.configs.values()].map((c) => [c.name, c.value, c.configSource, c.configType, c.synonyms.length]), [
      ['metrics', '', 5, 7, 0], ['interval.ms', '300000', 5, 3, 0], ['match', '', 5, 7, 0],
    ]);
    assert.deepEqual(await incremental(tb, CLIENT_METRICS, 'sub', [['metrics', SET, 'org.apache.kafka.producer., org.apache.kafka.consumer.'], ['interval.ms', SET, '1000'], ['match', SET, 'client_id=app-.*,client_software_name=apache-kafka-java']]), [ErrorCode.NONE, null]);
    const set = await describe(tb, CLIENT_METRICS, 'sub', ['metrics', 'interval.ms']);
    assert.deepEqual([...set.configs.values()].map((c) => [c.name, c.value, c.configSource, c.synonyms]), [
      ['metrics', 'org.apache.kafka.producer.,org.apache.kafka.consumer.', 7, [{ name: 'metrics', value: 'org.apache.kafka.producer.,org.apache.kafka.consumer.', source: 7 }]],
      ['interval.ms', '1000', 7, [{ name: 'interval.ms', value: '1000', source: 7 }]],
    ]);
    assert.equal(set.configs.size, 2);
    const cases: Array<[Op[], number, string]> = [
      [[['interval.ms', SET, '50']], ErrorCode.INVALID_REQUEST, 'Invalid value 50 for interval.ms, interval must be between 100 and 3600000 (1 hour)'],
      [[['interval.ms', SET, 'x']], ErrorCode.INVALID_CONFIG, 'Invalid value x for configuration interval.ms: Not a number of type INT'],
      [[['color', SET, 'red']], ErrorCode.INVALID_REQUEST, 'Unknown client metrics configuration: color'],
      [[['match', SET, 'client_id']], ErrorCode.INVALID_CONFIG, 'Illegal client matching pattern: client_id'],
      [[['match', SET, 'host=x']], ErrorCode.INVALID_CONFIG, 'Illegal client matching pattern: host=x'],
      [[['match', SET, 'client_id=(']], ErrorCode.INVALID_CONFIG, 'Illegal client matching pattern: client_id=('],
    ];
    for (const [ops, code, message] of cases) assert.deepEqual(await incremental(tb, CLIENT_METRICS, 'sub', ops), [code, message], JSON.stringify(ops));
    assert.deepEqual(await incremental(tb, CLIENT_METRICS, '', [['interval.ms', SET, '1000']]), [ErrorCode.INVALID_REQUEST, "Subscription name can't be empty"]);
    assert.deepEqual(await incremental(tb, CLIENT_METRICS, 'sub', [['metrics', APPEND, 'org.apache.kafka.streams.'], ['match', DELETE, null]]), [ErrorCode.NONE, null]);
    assert.deepEqual(tb.broker.metadata.entityConfigs('client-metrics', 'sub'), { metrics: 'org.apache.kafka.producer.,org.apache.kafka.consumer.,org.apache.kafka.streams.', 'interval.ms': '1000' });
    // Deleting every config removes the subscription.
    assert.deepEqual(await incremental(tb, CLIENT_METRICS, 'sub', [['metrics', DELETE, null], ['interval.ms', DELETE, null]]), [ErrorCode.NONE, null]);
    assert.deepEqual(tb.broker.metadata.entityConfigNames('client-metrics'), []);
  } finally {
    await tb.close();
  }
});

test('group and client metrics configs survive a broker restart', async () => {
  const first = await startTestBroker();
  const logDir = first.logDir;
  let second: TestBroker | undefined;
  try {
    assert.deepEqual(await incremental(first, GROUP, 'kept', [['share.record.lock.duration.ms', SET, '20000']]), [ErrorCode.NONE, null]);
    assert.deepEqual(await incremental(first, CLIENT_METRICS, 'kept-sub', [['interval.ms', SET, '2000']]), [ErrorCode.NONE, null]);
    await first.close(true);
    second = await startTestBroker({ logDir });
    const g = await describe(second, GROUP, 'kept', ['share.record.lock.duration.ms']);
    assert.deepEqual([g.configs.get('share.record.lock.duration.ms')!.value, g.configs.get('share.record.lock.duration.ms')!.configSource], ['20000', 8]);
    const s = await describe(second, CLIENT_METRICS, 'kept-sub', ['interval.ms']);
    assert.deepEqual([s.configs.get('interval.ms')!.value, s.configs.get('interval.ms')!.configSource], ['2000', 7]);
  } finally {
    if (second !== undefined) await second.close();
    else await first.close();
  }
});
