// KIP-1066 on one broker with two log directories: `cordoned.log.dirs` at start-up and through
// IncrementalAlterConfigs (per broker only, Kafka's checks), new partitions placed only in
// directories not cordoned, DescribeLogDirs v5 saying which are, AlterReplicaLogDirs refusing a
// cordoned target, and topic creation refused when every directory is; below metadata.version
// 4.3-IV0 DescribeLogDirs reports none cordoned and placement ignores the broker's cordoning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { BrokerConfig, ConfigError } from '../../src/broker/settings/broker-config.js';
import { cordonedLogDirs, cordonedLogDirsProblem } from '../../src/broker/settings/cordoned-log-dirs.js';
import type { LocalMetadataStore } from '../../src/cluster/local-metadata-store.js';
import { newTopic } from './config-admin/admin-helpers.js';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.js';

const SET = 0;
const DELETE = 1;

async function alterBroker(ab: TestBroker, name: string, ops: Array<[string, number, string | null]>): Promise<[number, string | null]> {
  const res = await ab.client.request(ApiKey.IncrementalAlterConfigs, 1, {
    resources: [{ resourceType: 4, resourceName: name, configs: ops.map(([n, configOperation, value]) => ({ name: n, configOperation, value })) }],
    validateOnly: false,
  });
  return [res.responses[0]!.errorCode, res.responses[0]!.errorMessage];
}

async function create(ab: TestBroker, name: string, partitions: number): Promise<[number, string | null]> {
  const res = await ab.client.request(ApiKey.CreateTopics, 7, { topics: [newTopic(name, partitions)], timeoutMs: 10_000, validateOnly: false });
  return [res.topics[0]!.errorCode, res.topics[0]!.errorMessage];
}

async function describe(ab: TestBroker): Promise<Array<[string, boolean, number]>> {
  const res = await ab.client.request(ApiKey.DescribeLogDirs, 5, { topics: null });
  return res.results.map((d) => [path.basename(d.logDir), d.isCordoned, d.topics.reduce((n, t) => n + t.partitions.length, 0)] as [string, boolean, number]);
}

test('cordoned.log.dirs rules: `*` is every directory and stands alone; entries must be log directories', () => {
  assert.deepEqual(cordonedLogDirs(['/a', '/b'], ['*']), ['/a', '/b']);
  assert.deepEqual(cordonedLogDirs(['/a', '/b'], ['/b']), ['/b']);
  assert.equal(cordonedLogDirsProblem(['/a', '/b'], []), null);
  assert.equal(cordonedLogDirsProblem(['/a', '/b'], ['*']), null);
  assert.equal(cordonedLogDirsProblem(['/a', '/b'], ['*', '/a']), 'When cordoned.log.dirs is set to *, it must not contain other values');
  assert.equal(cordonedLogDirsProblem(['/a', '/b'], ['/a', '/c', '/d']), 'All entries in cordoned.log.dirs must be present in log.dirs or log.dir. Missing entries : /c,/d');
  assert.throws(() => BrokerConfig.load({ overrides: { 'log.dirs': '/a,/b', 'cordoned.log.dirs': '/c' } }), (e: unknown) => e instanceof ConfigError && /Missing entries : \/c/.test(e.message));
  assert.deepEqual(BrokerConfig.load({ overrides: { 'log.dirs': '/a,/b', 'cordoned.log.dirs': '*' } }).cordonedLogDirs(), ['/a', '/b']);
});

test('a cordoned directory takes no new partition; DescribeLogDirs v5 says it is cordoned; changed per broker at runtime', async () => {
  const base = mkdtempSync(path.join(tmpdir(), 'millrace-cordon-'));
  const one = path.join(base, 'one');
  const two = path.join(base, 'two');
  const ab = await startTestBroker({ logDir: base, config: { 'log.dirs': `${one},${two}`, 'cordoned.log.dirs': one } });
  try {
    assert.deepEqual(await create(ab, 'a', 4), [ErrorCode.NONE, null]);
    assert.deepEqual(await describe(ab), [['one', true, 0], ['two', false, 4]]);
    // AlterReplicaLogDirs into the cordoned directory: INVALID_REPLICA_ASSIGNMENT.
    const move = await ab.client.request(ApiKey.AlterReplicaLogDirs, 2, { dirs: [{ path: path.resolve(one), topics: [{ name: 'a', partitions: [0] }] }] });
    assert.equal(move.results[0]!.partitions[0]!.errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);

    // Per broker only; entries must be log directories; `*` alone.
    assert.deepEqual(await alterBroker(ab, '', [['cordoned.log.dirs', SET, two]]), [ErrorCode.INVALID_REQUEST, 'Cannot update these configs at default cluster level, broker id must be specified: [cordoned.log.dirs]']);
    assert.deepEqual(await alterBroker(ab, '1', [['cordoned.log.dirs', SET, path.join(base, 'three')]]), [
      ErrorCode.INVALID_REQUEST,
      `requirement failed: All entries in cordoned.log.dirs must be present in log.dirs or log.dir. Missing entries : ${path.join(base, 'three')}`,
    ]);
    assert.deepEqual(await alterBroker(ab, '1', [['cordoned.log.dirs', SET, `*,${one}`]]), [ErrorCode.INVALID_REQUEST, 'requirement failed: When cordoned.log.dirs is set to *, it must not contain other values']);

    // Now `two` is cordoned instead: new partitions go to `one`.
    assert.deepEqual(await alterBroker(ab, '1', [['cordoned.log.dirs', SET, two]]), [ErrorCode.NONE, null]);
    assert.deepEqual(await create(ab, 'b', 3), [ErrorCode.NONE, null]);
    assert.deepEqual(await describe(ab), [['one', false, 3], ['two', true, 4]]);

    // Every directory: no new partition anywhere, as Kafka's controller refuses.
    assert.deepEqual(await alterBroker(ab, '1', [['cordoned.log.dirs', SET, '*']]), [ErrorCode.NONE, null]);
    assert.deepEqual(await describe(ab), [['one', true, 3], ['two', true, 4]]);
    assert.deepEqual(await create(ab, 'c', 1), [ErrorCode.INVALID_REPLICATION_FACTOR, 'Unable to replicate the partition 1 time(s): All brokers are currently fenced, or have all their log directories cordoned.']);
    const more = await ab.client.request(ApiKey.CreatePartitions, 3, { topics: [{ name: 'a', count: 5, assignments: null }], timeoutMs: 10_000, validateOnly: false });
    assert.equal(more.results[0]!.errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);

    // Below 4.3-IV0 (a cluster bootstrapped at 4.2-IV1) cordoning is not reported nor placed by.
    const store = ab.broker.metadata as LocalMetadataStore;
    const levels = new Map(store.finalizedFeatures().levels);
    levels.set('metadata.version', 29);
    await store.setFeatureLevels(levels, store.finalizedFeatures());
    assert.deepEqual(await describe(ab), [['one', false, 3], ['two', false, 4]]);
    // The log manager still keeps out of cordoned directories (Kafka's nextLogDirs is not
    // gated): with every one cordoned it takes the first.
    assert.deepEqual(await create(ab, 'c', 1), [ErrorCode.NONE, null]);
    assert.equal(ab.broker.logs.futures.currentDir('c', 0), path.resolve(one));
    levels.set('metadata.version', 31);
    await store.setFeatureLevels(levels, store.finalizedFeatures());

    // The dynamic value deleted: the static one (`one`) holds again.
    assert.deepEqual(await alterBroker(ab, '1', [['cordoned.log.dirs', DELETE, null]]), [ErrorCode.NONE, null]);
    assert.deepEqual(await create(ab, 'd', 2), [ErrorCode.NONE, null]);
    assert.deepEqual(await describe(ab), [['one', true, 4], ['two', false, 6]]);
  } finally {
    await ab.close(true);
    rmSync(base, { recursive: true, force: true });
  }
});
