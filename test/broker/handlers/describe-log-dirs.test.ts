import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { createTopics, newTopic } from '../config-admin/admin-helpers.js';
import { startTestBroker } from '../../helpers/test-broker.js';

test('DescribeLogDirs v1 (lowest) lists every partition with its size; v4 adds the disk space, v5 (highest) whether a directory is cordoned', async () => {
  const ab = await startTestBroker();
  try {
    await createTopics(ab, newTopic('a', 3), newTopic('b'));
    const info = ab.broker.logs.getLog('a', 1)!.append(encodeBatchSync([{ key: null, value: Buffer.from('hello') }]), { leaderEpoch: 0 });
    assert.equal(info.firstOffset, 0);
    const size = BigInt(ab.broker.logs.getLog('a', 1)!.size);
    assert.ok(size > 0n);

    const v1 = await ab.client.request(ApiKey.DescribeLogDirs, 1, { topics: null });
    assert.equal(v1.results.length, 1);
    const dir = v1.results[0]!;
    assert.deepEqual([dir.errorCode, dir.logDir], [ErrorCode.NONE, resolve(ab.logDir)]);
    const parts = new Map(dir.topics.flatMap((t) => t.partitions.map((p) => [`${t.name}-${p.partitionIndex}`, p])));
    assert.deepEqual([...parts.keys()].sort(), ['a-0', 'a-1', 'a-2', 'b-0']);
    assert.deepEqual(parts.get('a-1'), { partitionIndex: 1, partitionSize: size, offsetLag: 0n, isFutureKey: false });
    assert.equal(parts.get('a-0')!.partitionSize, 0n);

    const v4 = await ab.client.request(ApiKey.DescribeLogDirs, 4, { topics: [{ topic: 'a', partitions: [1, 9] }, { topic: 'nosuch', partitions: [0] }] });
    assert.equal(v4.errorCode, ErrorCode.NONE);
    const r = v4.results[0]!;
    assert.deepEqual(r.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]), [['a', [1]]]);
    assert.ok(r.totalBytes > 0n && r.usableBytes >= 0n && r.usableBytes <= r.totalBytes);

    // v5: no `cordoned.log.dirs`, so no directory is cordoned (cordoned-log-dirs.test.ts); the rest is v4's answer.
    const v5 = await ab.client.request(ApiKey.DescribeLogDirs, 5, { topics: [{ topic: 'a', partitions: [1, 9] }] });
    assert.deepEqual(v5.results.map((d) => [d.logDir, d.isCordoned, d.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionSize)])]), [[r.logDir, false, [['a', [size]]]]]);

    const none = await ab.client.request(ApiKey.DescribeLogDirs, 3, { topics: [] });
    assert.deepEqual(none.results.map((d) => d.topics), [[]], 'every directory, no partitions');
  } finally {
    await ab.close();
  }
});
