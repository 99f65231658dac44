import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { createTopics, newTopic } from '../config-admin/admin-helpers.js';
import { type TestBroker, startTestBroker } from '../../helpers/test-broker.js';

const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;
type Op = [name: string, op: number, value: string | null];
const resource = (resourceType: number, resourceName: string, ops: Op[]) => ({
  resourceType,
  resourceName,
  configs: ops.map(([name, configOperation, value]) => ({ name, configOperation, value })),
});

async function alter(ab: TestBroker, version: number, resources: ReturnType<typeof resource>[], validateOnly = false) {
  const res = await ab.client.request(ApiKey.IncrementalAlterConfigs, version, { resources, validateOnly });
  return res.responses.map((r) => [r.resourceName, r.errorCode, r.errorMessage]);
}

test('IncrementalAlterConfigs v0 (lowest) and v1 (highest): SET, DELETE, APPEND and SUBTRACT on a topic', async () => {
  const ab = await startTestBroker();
  try {
    await createTopics(ab, newTopic('t', 1, 1, { 'cleanup.policy': 'compact', 'segment.ms': '100000' }));
    assert.deepEqual(await alter(ab, 0, [resource(2, 't', [['cleanup.policy', APPEND, 'delete'], ['retention.ms', SET, '5000'], ['leader.replication.throttled.replicas', APPEND, '0:1']])]), [['t', ErrorCode.NONE, null]]);
    assert.deepEqual(ab.broker.metadata.topic('t')!.configs, { 'cleanup.policy': 'compact,delete', 'segment.ms': '100000', 'retention.ms': '5000', 'leader.replication.throttled.replicas': '0:1' });
    assert.equal(ab.broker.logs.getLog('t', 0)!.config['cleanup.policy'], 'compact,delete');
    assert.deepEqual(await alter(ab, 1, [resource(2, 't', [['cleanup.policy', SUBTRACT, 'compact'], ['retention.ms', DELETE, null], ['foo', DELETE, null]])]), [['t', ErrorCode.NONE, null]]);
    assert.deepEqual(ab.broker.metadata.topic('t')!.configs, { 'cleanup.policy': 'delete', 'segment.ms': '100000', 'leader.replication.throttled.replicas': '0:1' });
    assert.equal(ab.broker.logs.getLog('t', 0)!.config['retention.ms'], 604800000);
    // validate_only changes nothing.
    assert.deepEqual(await alter(ab, 1, [resource(2, 't', [['retention.ms', SET, '42']])], true), [['t', ErrorCode.NONE, null]]);
    assert.equal(ab.broker.metadata.topic('t')!.configs['retention.ms'], undefined);
  } finally {
    await ab.close();
  }
});

test("IncrementalAlterConfigs errors carry Kafka's codes and messages", async () => {
  const ab = await startTestBroker();
  try {
    await createTopics(ab, newTopic('a'), newTopic('b'), newTopic('c'), newTopic('d'), newTopic('e'), newTopic('f'));
    assert.deepEqual(await alter(ab, 1, [
      resource(2, 'nosuch', [['retention.ms', SET, '1']]),
      resource(2, 'a', [['retention.ms', APPEND, '1']]),
      resource(2, 'b', [['foo', SET, '1']]),
      resource(2, 'c', [['retention.ms', SET, 'x']]),
      resource(2, 'd', [['retention.ms', 7, '1']]),
      resource(2, 'e', [['retention.ms', SET, null]]),
      resource(2, 'f', [['retention.ms', SET, '1'], ['retention.ms', SET, '2']]),
      resource(2, '', [['retention.ms', SET, '1']]),
      resource(99, 'x', []),
    ]), [
      ['nosuch', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "The topic 'nosuch' does not exist."],
      ['a', ErrorCode.INVALID_CONFIG, "Can't APPEND to key retention.ms because its type is not LIST."],
      ['b', ErrorCode.INVALID_CONFIG, 'Unknown topic config name: foo'],
      ['c', ErrorCode.INVALID_CONFIG, 'Invalid value x for configuration retention.ms: Not a number of type LONG'],
      ['d', ErrorCode.INVALID_REQUEST, 'Unknown operations type 7'],
      ['e', ErrorCode.INVALID_REQUEST, 'Null value not supported for : retention.ms'],
      ['f', ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys'],
      ['', ErrorCode.INVALID_REQUEST, 'Default topic resources are not allowed.'],
      ['x', ErrorCode.INVALID_REQUEST, 'Unknown resource type 99'],
    ]);
    assert.deepEqual(await alter(ab, 1, [resource(2, 'a', [['cleanup.policy', APPEND, 'bogus']])]), [['a', ErrorCode.INVALID_CONFIG, 'Invalid value bogus for configuration cleanup.policy: String must be one of: compact, delete']]);
    for (const t of ['a', 'b', 'c', 'd', 'e', 'f']) assert.deepEqual(ab.broker.metadata.topic(t)!.configs, {}, t);
  } finally {
    await ab.close();
  }
});

test('IncrementalAlterConfigs on the broker and the broker logger', async () => {
  const ab = await startTestBroker();
  try {
    await createTopics(ab, newTopic('t'));
    assert.deepEqual(await alter(ab, 1, [resource(4, '1', [['log.retention.ms', SET, '999999'], ['log.cleanup.policy', APPEND, 'compact']])]), [['1', ErrorCode.NONE, null]]);
    assert.deepEqual(ab.broker.metadata.brokerConfigs!('1'), { 'log.retention.ms': '999999', 'log.cleanup.policy': 'delete,compact' });
    const log = ab.broker.logs.getLog('t', 0)!;
    assert.deepEqual([log.config['retention.ms'], log.config['cleanup.policy']], [999999, 'compact,delete']);
    assert.deepEqual(await alter(ab, 1, [resource(4, '1', [['log.cleanup.policy', SUBTRACT, 'delete']])]), [['1', ErrorCode.NONE, null]]);
    assert.equal(ab.broker.logs.getLog('t', 0)!.config['cleanup.policy'], 'compact');
    assert.deepEqual(await alter(ab, 1, [resource(4, '1', [['log.retention.ms', DELETE, null], ['log.cleanup.policy', DELETE, null]])]), [['1', ErrorCode.NONE, null]]);
    assert.deepEqual(ab.broker.metadata.brokerConfigs!('1'), {});
    assert.equal(ab.broker.logs.getLog('t', 0)!.config['retention.ms'], 604800000);
    assert.deepEqual(await alter(ab, 0, [resource(4, '', [['log.retention.bytes', SET, '12345']])]), [['', ErrorCode.NONE, null]]);
    assert.equal(ab.broker.logs.getLog('t', 0)!.config['retention.bytes'], 12345);

    assert.deepEqual(await alter(ab, 1, [resource(4, '1', [['num.partitions', SET, '3']])]), [['1', ErrorCode.INVALID_REQUEST, 'Cannot update these configs dynamically: [num.partitions]']]);
    assert.deepEqual(await alter(ab, 1, [resource(4, '1', [['log.retention.ms', APPEND, '1']])]), [['1', ErrorCode.INVALID_CONFIG, 'Config value append is not allowed for config key: log.retention.ms']]);
    assert.deepEqual(await alter(ab, 1, [resource(4, '1', [['min.insync.replicas', SET, '0']])]), [['1', ErrorCode.INVALID_REQUEST, 'Invalid value 0 for configuration min.insync.replicas: Value must be at least 1']]);
    assert.deepEqual(await alter(ab, 1, [resource(4, '1', [['log.cleanup.policy', SET, 'bogus']])]), [['1', ErrorCode.INVALID_REQUEST, 'Invalid value bogus for configuration log.cleanup.policy: String must be one of: compact, delete']]);
    // ELR (eligible.leader.replicas.version 1, a new cluster's level): Kafka 4.4's controller guards.
    assert.deepEqual(await alter(ab, 1, [resource(4, '1', [['min.insync.replicas', SET, '2']])]), [['1', ErrorCode.INVALID_CONFIG, 'Broker-level min.insync.replicas cannot be altered while ELR is enabled.']]);
    assert.deepEqual(await alter(ab, 1, [resource(4, '', [['min.insync.replicas', SET, '2']])]), [['', ErrorCode.NONE, null]]);
    assert.deepEqual(await alter(ab, 1, [resource(4, '', [['min.insync.replicas', DELETE, null]])]), [['', ErrorCode.INVALID_CONFIG, 'Cluster-level min.insync.replicas cannot be removed while ELR is enabled.']]);
    assert.equal(ab.broker.metadata.brokerConfigs!('')['min.insync.replicas'], '2');
    assert.deepEqual(await alter(ab, 1, [resource(4, '1', [['log.retention.ms', 9, '1']])]), [['1', ErrorCode.INVALID_REQUEST, 'Unknown operations type 9']]);

    // The broker logger: the root level, Log4j names.
    assert.deepEqual(await alter(ab, 1, [resource(8, '1', [['root', SET, 'DEBUG']])]), [['1', ErrorCode.NONE, null]]);
    assert.equal(ab.broker.logger.level, 'debug');
    assert.deepEqual(await alter(ab, 1, [resource(8, '1', [['root', SET, 'LOUD']])]), [['1', ErrorCode.INVALID_CONFIG, 'Cannot set the log level of root to LOUD as it is not a supported log level. Valid log levels are DEBUG, ERROR, FATAL, INFO, TRACE, WARN']]);
    assert.deepEqual(await alter(ab, 1, [resource(8, '1', [['kafka.foo', SET, 'INFO']])]), [['1', ErrorCode.INVALID_CONFIG, 'Logger kafka.foo does not exist!']]);
    assert.deepEqual(await alter(ab, 1, [resource(8, '1', [['root', DELETE, null]])]), [['1', ErrorCode.INVALID_REQUEST, 'Removing the log level of the root logger is not allowed']]);
    assert.deepEqual(await alter(ab, 1, [resource(8, '1', [['root', APPEND, 'INFO']])]), [['1', ErrorCode.INVALID_REQUEST, 'APPEND operation is not allowed for the BROKER_LOGGER resource']]);
    assert.deepEqual(await alter(ab, 1, [resource(8, '2', [['root', SET, 'INFO']])]), [['2', ErrorCode.INVALID_REQUEST, 'Unexpected node id. Expected 1, but received 2']]);
    const d = await ab.client.request(ApiKey.DescribeConfigs, 4, { resources: [{ resourceType: 8, resourceName: '1', configurationKeys: null }], includeSynonyms: false, includeDocumentation: false });
    assert.equal(d.results[0]!.configs[0]!.value, 'DEBUG');
  } finally {
    await ab.close();
  }
});
