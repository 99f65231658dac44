// Share-group state across brokers: a share-partition leader's persister (ShareStateRouter)
// reaches the share coordinator that leads the state's partition of __share_group_state with
// Initialize/Read/Write/DeleteShareGroupState, and gets its answers, fencing included; the
// coordinator serves only the partitions it leads (NOT_COORDINATOR elsewhere), and
// ReadShareGroupStateSummary answers its epochs and start offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from '../../src/start-cluster.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { RecordState } from '../../src/coordinator/share/record-state.js';
import { SHARE_GROUP_STATE_TOPIC, type SharePartitionKey } from '../../src/coordinator/share/share-state-records.js';
import { eventually } from '../helpers/eventually.js';
import { WireClient } from '../helpers/wire-client.js';

test('a share-partition leader keeps its state at the share coordinator on another broker', async () => {
  const cluster = await startCluster({
    brokers: 3,
    config: { 'share.coordinator.state.topic.num.partitions': 6, 'replica.fetch.wait.max.ms': 50 },
    logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent',
  });
  const clients: WireClient[] = [];
  try {
    const b1 = cluster.broker(1);
    const topicId = 'ab'.repeat(16);
    // The first call creates __share_group_state.
    const first: SharePartitionKey = { groupId: 'g0', topicId, partition: 0 };
    assert.equal(await b1.share.persister.initialize(first, 0, 0), ErrorCode.NONE);
    await eventually('every broker sees the state topic led', () => [1, 2, 3].every((id) =>
      cluster.broker(id).metadata.topic(SHARE_GROUP_STATE_TOPIC)?.partitions.every((p) => p.leader >= 0) === true));
    const leaderOf = (key: SharePartitionKey) => b1.metadata.topic(SHARE_GROUP_STATE_TOPIC)!.partitions[b1.share.stateTopic.partitionFor(key)]!.leader;
    // A share-partition whose state another broker coordinates, and a third broker that does not.
    let key: SharePartitionKey | undefined;
    for (let i = 0; key === undefined && i < 200; i++) {
      const k = { groupId: `g${i}`, topicId, partition: 0 };
      if (leaderOf(k) !== 1) key = k;
    }
    assert.ok(key !== undefined);
    const coordinator = leaderOf(key);
    const other = [2, 3].find((id) => id !== coordinator)!;

    assert.equal(await b1.share.persister.initialize(key, 1, 7), ErrorCode.NONE);
    assert.equal((await b1.share.persister.read(key, 4)).state!.startOffset, 7, 'read back through the coordinator');
    assert.equal((await cluster.broker(coordinator).share.stateTopic.read(key, -1)).state!.startOffset, 7, 'stored at the coordinator');
    assert.equal((await cluster.broker(other).share.stateTopic.read(key, -1)).errorCode, ErrorCode.NOT_COORDINATOR);

    const state = { stateEpoch: 1, startOffset: 9, deliveryCompleteCount: 1, batches: [{ firstOffset: 9, lastOffset: 12, deliveryState: RecordState.Available, deliveryCount: 2 }] };
    assert.equal(await b1.share.persister.write(key, 5, state), ErrorCode.NONE);
    assert.equal(await b1.share.persister.write(key, 4, state), ErrorCode.FENCED_LEADER_EPOCH, 'an older leader is fenced at the coordinator');
    assert.equal(await b1.share.persister.write(key, 5, { ...state, stateEpoch: 0 }), ErrorCode.FENCED_STATE_EPOCH);
    const read = await b1.share.persister.read(key, 5);
    assert.deepEqual([read.errorCode, read.state?.startOffset, read.state?.batches], [ErrorCode.NONE, 9, state.batches]);

    // The summary, from the coordinator and from a broker that is not it; an empty group id answers nothing.
    const summary = (c: WireClient, groupId: string) => c.request(ApiKey.ReadShareGroupStateSummary, 1, {
      groupId, topics: [{ topicId: Buffer.from(topicId, 'hex'), partitions: [{ partition: 0, leaderEpoch: -1 }] }],
    });
    for (const id of [coordinator, other]) clients.push(await WireClient.connect(cluster.broker(id).bootstrapServers));
    const [atCoordinator, atOther] = clients;
    const s = (await summary(atCoordinator!, key.groupId)).results[0]!.partitions[0]!;
    assert.deepEqual([s.errorCode, s.stateEpoch, s.leaderEpoch, s.startOffset, s.deliveryCompleteCount], [ErrorCode.NONE, 1, 5, 9n, 1]);
    assert.equal((await summary(atOther!, key.groupId)).results[0]!.partitions[0]!.errorCode, ErrorCode.NOT_COORDINATOR);
    assert.deepEqual((await summary(atCoordinator!, '')).results, []);

    assert.equal(await b1.share.persister.delete(key), ErrorCode.NONE);
    assert.equal((await b1.share.persister.read(key, 5)).state?.startOffset ?? -1, -1, 'deleted at the coordinator');
  } finally {
    for (const c of clients) c.close();
    await cluster.close();
  }
});
