import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { createTopics, newTopic } from '../config-admin/admin-helpers.js';
import { fetchRequest, onlyPartition } from '../fetch/requests.js';
import { startTestBroker, type TestBroker } from '../../helpers/test-broker.js';

const RATE = 'replica.alter.log.dirs.io.max.bytes.per.second';

async function setRate(ab: TestBroker, value: string | null): Promise<void> {
  const out = await ab.client.request(ApiKey.IncrementalAlterConfigs, 1, {
    resources: [{ resourceType: 4, resourceName: String(ab.broker.nodeId), configs: [{ name: RATE, configOperation: value === null ? 1 : 0, value }] }],
    validateOnly: false,
  });
  assert.equal(out.responses[0]!.errorCode, ErrorCode.NONE, out.responses[0]!.errorMessage ?? '');
}

/** DescribeLogDirs v4 for one partition: [directory, size, offset lag, isFuture] of each replica. */
async function replicas(ab: TestBroker, topic: string, partition: number): Promise<Array<[string, bigint, bigint, boolean]>> {
  const r = await ab.client.request(ApiKey.DescribeLogDirs, 4, { topics: [{ topic, partitions: [partition] }] });
  return r.results.flatMap((d) => d.topics.flatMap((t) => t.partitions.map((p) => [d.logDir, p.partitionSize, p.offsetLag, p.isFutureKey] as [string, bigint, bigint, boolean])));
}

test('AlterReplicaLogDirs v1 and v2 move replicas between two log directories; DescribeLogDirs shows the future replica while the throttle holds it', async () => {
  const base = mkdtempSync(join(tmpdir(), 'millrace-logdirs-'));
  const one = resolve(base, 'one');
  const two = resolve(base, 'two');
  const ab = await startTestBroker({ logDir: base, config: { 'log.dirs': `${one},${two}`, 'replica.fetch.max.bytes': 1024 } });
  try {
    await createTopics(ab, newTopic('m', 2));
    const log = ab.broker.logs.getLog('m', 0)!;
    const from = ab.broker.logs.futures.currentDir('m', 0)!;
    const to = from === one ? two : one;
    const value = Buffer.alloc(200, 'x');
    for (let i = 0; i < 50; i++) log.append(encodeBatchSync([{ key: Buffer.from(`k${i}`), value }]), { leaderEpoch: 0 });
    log.updateHighWatermark(log.logEndOffset);

    // A tiny bound: one chunk is copied, then the mover waits.
    await setRate(ab, '1');
    const v2 = await ab.client.request(ApiKey.AlterReplicaLogDirs, 2, {
      dirs: [
        { path: to, topics: [{ name: 'm', partitions: [0] }, { name: 'nosuch', partitions: [0] }] },
        { path: join(base, 'three'), topics: [{ name: 'm', partitions: [1] }] },
      ],
    });
    const codes = new Map(v2.results.flatMap((t) => t.partitions.map((p) => [`${t.topicName}-${p.partitionIndex}`, p.errorCode])));
    assert.deepEqual(Object.fromEntries(codes), { 'm-0': ErrorCode.NONE, 'nosuch-0': ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'm-1': ErrorCode.LOG_DIR_NOT_FOUND });

    // Held by the throttle: the future replica shows with isFuture and its lag behind the current one.
    let seen = await replicas(ab, 'm', 0);
    for (let i = 0; i < 100 && !seen.some((r) => r[3] && r[1] > 0n); i++) {
      await sleep(20);
      seen = await replicas(ab, 'm', 0);
    }
    const current = seen.find((r) => !r[3])!;
    const future = seen.find((r) => r[3])!;
    assert.deepEqual([current[0], current[2]], [from, 0n]);
    assert.equal(future[0], to);
    assert.ok(future[1] > 0n && future[1] < current[1], `part copied: ${future[1]} of ${current[1]} bytes`);
    assert.ok(future[2] > 0n && future[2] < 50n, `lag ${future[2]}`);

    // The bound lifted: the move completes and the replica is in the new directory alone.
    await setRate(ab, null);
    for (let i = 0; i < 500 && ab.broker.logs.futures.get('m', 0) !== undefined; i++) await sleep(10);
    assert.deepEqual(await replicas(ab, 'm', 0), [[to, BigInt(log.size), 0n, false]]);
    const moved = ab.broker.logs.getLog('m', 0)!;
    assert.equal(moved.dir, join(to, 'm-0'));
    assert.equal(moved.logEndOffset, 50);

    // Fetch reads every record from the moved replica.
    const part = onlyPartition(await ab.client.request(ApiKey.Fetch, 12, fetchRequest([{ topic: 'm', partitions: [{ partition: 0, fetchOffset: 0n }] }], { maxBytes: 1 << 20 })));
    assert.deepEqual([part.errorCode, part.highWatermark], [ErrorCode.NONE, 50n]);
    assert.equal(part.records!.length, moved.size);

    // v1 (not flexible) moves the other partition; a partition already there is left alone.
    const p1From = ab.broker.logs.futures.currentDir('m', 1)!;
    const p1To = p1From === one ? two : one;
    const v1 = await ab.client.request(ApiKey.AlterReplicaLogDirs, 1, { dirs: [{ path: p1To, topics: [{ name: 'm', partitions: [1] }] }, { path: to, topics: [{ name: 'm', partitions: [0] }] }] });
    assert.deepEqual(v1.results.flatMap((t) => t.partitions.map((p) => [t.topicName, p.partitionIndex, p.errorCode])).sort(), [['m', 0, 0], ['m', 1, 0]]);
    for (let i = 0; i < 500 && ab.broker.logs.futures.get('m', 1) !== undefined; i++) await sleep(10);
    assert.equal(ab.broker.logs.futures.currentDir('m', 1), p1To);
    assert.equal(ab.broker.logs.futures.currentDir('m', 0), to);
  } finally {
    await ab.close();
  }
});
