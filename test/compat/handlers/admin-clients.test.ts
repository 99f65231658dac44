// End to end: the admin APIs of real clients (kafkajs, kafka-python's KafkaAdminClient)
// against an embedded broker. kafka-python runs in a child process (asynchronously, so the
// broker in this process keeps serving).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEBIAN_PYTHON, ensureApt, KAFKA_PYTHON_PACKAGES } from '../setup/apt.js';
import { startTestBroker } from '../../helpers/test-broker.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const PYTHON = DEBIAN_PYTHON;

test('kafkajs admin: createTopics, fetchTopicMetadata, createPartitions, describeConfigs, alterConfigs, deleteTopics', async () => {
  const { Kafka, logLevel, ConfigResourceTypes } = require('kafkajs') as typeof import('kafkajs');
  const ab = await startTestBroker();
  const admin = new Kafka({ clientId: 'millrace-admin-test', brokers: [ab.broker.bootstrapServers], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    const created = await admin.createTopics({
      topics: [{ topic: 'kjs-a', numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }, { topic: 'kjs-b' }],
    });
    assert.equal(created, true);
    assert.equal(await admin.createTopics({ topics: [{ topic: 'kjs-b' }] }), false, 'an existing topic is not created again');
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'bad name!' }] }), /Topic creation errors/);

    await admin.createPartitions({ topicPartitions: [{ topic: 'kjs-b', count: 3 }] });
    const md = await admin.fetchTopicMetadata({ topics: ['kjs-a', 'kjs-b'] });
    assert.deepEqual(md.topics.map((t) => [t.name, t.partitions.length]).sort(), [['kjs-a', 2], ['kjs-b', 3]]);
    assert.deepEqual((await admin.listTopics()).sort(), ['kjs-a', 'kjs-b']);

    const described = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kjs-a', configNames: ['cleanup.policy', 'retention.ms'] }],
      includeSynonyms: true,
    });
    const entries = new Map(described.resources[0]!.configEntries.map((e) => [e.configName, e]));
    assert.equal(entries.get('cleanup.policy')!.configValue, 'compact');
    assert.equal(entries.get('cleanup.policy')!.isDefault, false);
    assert.equal(entries.get('retention.ms')!.configValue, '604800000');
    assert.equal(entries.get('retention.ms')!.isDefault, true);

    const altered = await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kjs-a', configEntries: [{ name: 'retention.ms', value: '5000' }] }] });
    assert.equal(altered.resources[0]!.errorCode, 0);
    const after = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kjs-a', configNames: ['cleanup.policy', 'retention.ms'] }], includeSynonyms: false });
    const a2 = new Map(after.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
    assert.deepEqual([a2.get('retention.ms'), a2.get('cleanup.policy')], ['5000', 'delete'], 'AlterConfigs replaces the whole set');
    assert.equal(ab.broker.logs.getLog('kjs-a', 1)!.config['retention.ms'], 5000);

    const cluster = await admin.describeCluster();
    assert.deepEqual([cluster.controller, cluster.brokers.map((b) => b.nodeId), cluster.clusterId], [1, [1], ab.broker.metadata.clusterId]);

    await admin.deleteTopics({ topics: ['kjs-a', 'kjs-b'] });
    assert.deepEqual(await admin.listTopics(), []);
    assert.equal(ab.broker.logs.getLog('kjs-a', 0), undefined);
  } finally {
    await admin.disconnect();
    await ab.close();
  }
});

const KAFKA_PYTHON_SCRIPT = `
import json, sys
from kafka.admin import KafkaAdminClient, NewTopic, NewPartitions, ConfigResource, ConfigResourceType
out = {}
a = KafkaAdminClient(bootstrap_servers=sys.argv[1], client_id='kp-admin', request_timeout_ms=15000)
r = a.create_topics([NewTopic('kp-a', 2, 1, topic_configs={'retention.ms': '12345'}), NewTopic('kp-b', 1, 1)])
out['create'] = [[t[0], t[1]] for t in r.topic_errors]
d = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, 'kp-a'), ConfigResource(ConfigResourceType.BROKER, '1')])
res = {x[2]: x for resp in d for x in resp.resources}
out['describe_topic'] = {c[0]: [c[1], c[3]] for c in res[2][4]}
out['describe_broker_count'] = len(res[4][4])
r = a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, 'kp-a', configs={'retention.ms': '999', 'max.message.bytes': '5000'})])
out['alter'] = [x[0] for x in r.resources]
r = a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, 'kp-a', configs={'retention.ms': 'soon'})])
out['alter_bad'] = [[x[0], x[1]] for x in r.resources]
d = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, 'kp-a', configs={'retention.ms': None, 'max.message.bytes': None})])
out['after'] = {c[0]: c[1] for c in d[0].resources[0][4]}
r = a.create_partitions({'kp-b': NewPartitions(3)})
out['partitions'] = [[t[0], t[1]] for t in r.topic_errors]
out['listed'] = sorted(t for t in a.list_topics() if t.startswith('kp-'))
r = a.delete_topics(['kp-a', 'kp-b'])
out['delete'] = sorted([t[0], t[1]] for t in r.topic_error_codes)
out['left'] = sorted(t for t in a.list_topics() if t.startswith('kp-'))
a.close()
print(json.dumps(out))
`;

test("kafka-python's KafkaAdminClient: create, describe, alter and delete", async () => {
  // Installs kafka-python (Debian) when missing; fails the test if it cannot.
  await ensureApt(KAFKA_PYTHON_PACKAGES);
  const ab = await startTestBroker();
  const dir = mkdtempSync(join(tmpdir(), 'millrace-kp-'));
  try {
    const script = join(dir, 'admin.py');
    writeFileSync(script, KAFKA_PYTHON_SCRIPT);
    const { stdout } = await run(PYTHON, [script, ab.broker.bootstrapServers], { timeout: 60_000 });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    assert.deepEqual(out.create, [['kp-a', 0], ['kp-b', 0]]);
    assert.deepEqual((out.describe_topic as Record<string, unknown>)['retention.ms'], ['12345', 1], 'value and source (TOPIC_CONFIG)');
    assert.deepEqual((out.describe_topic as Record<string, unknown>)['cleanup.policy'], ['delete', 5]);
    assert.ok((out.describe_broker_count as number) > 50);
    assert.deepEqual(out.alter, [0]);
    assert.deepEqual(out.alter_bad, [[40, 'Invalid value soon for configuration retention.ms: Not a number of type LONG']]);
    assert.deepEqual(out.after, { 'retention.ms': '999', 'max.message.bytes': '5000' });
    assert.deepEqual(out.partitions, [['kp-b', 0]]);
    assert.deepEqual(out.listed, ['kp-a', 'kp-b']);
    assert.deepEqual(out.delete, [['kp-a', 0], ['kp-b', 0]]);
    assert.deepEqual(out.left, []);
    assert.equal(ab.broker.metadata.topic('kp-a'), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await ab.close();
  }
});
