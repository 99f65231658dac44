// __share_group_state on an embedded broker does not grow without bound: after many
// acknowledgements (a snapshot every few writes) the broker's prune job moves the log start
// offset of the share-partition's state partition forward, and the state read back by the
// restarted broker from the pruned log is the state it had.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { AcknowledgeType, ShareAcquireMode } from '../../../src/coordinator/share/record-state.js';
import { SHARE_GROUP_STATE_TOPIC } from '../../../src/coordinator/share/share-state-records.js';
import { acquireForMember } from '../../../src/broker/share/share-acquire.js';
import { logOf, makeTopic, startTestBroker } from '../../helpers/test-broker.js';

const config = {
  'share.coordinator.snapshot.update.records.per.snapshot': 3,
  'share.coordinator.state.topic.num.partitions': 2,
  'share.coordinator.state.topic.replication.factor': 1,
  'share.coordinator.state.topic.prune.interval.ms': 100,
};

test('many acknowledgements: the state partition is pruned and the state survives a restart', async () => {
  let tb = await startTestBroker({ config });
  const logDir = tb.logDir;
  try {
    const topicId = (await makeTopic(tb, 'q')).id.toString('hex');
    const key = { groupId: 'g', topicId, partition: 0 };
    await tb.broker.groups.ready();
    const hb = await tb.broker.groups.shareGroupHeartbeat({ groupId: 'g', memberId: 'm', memberEpoch: 0, rackId: null, subscribedTopicNames: ['q'], clientId: 'c', clientHost: '/127.0.0.1' });
    assert.equal(hb.errorCode, ErrorCode.NONE);
    await tb.broker.share.sharePartitions.partition(key);
    const records = encodeBatchSync(Array.from({ length: 100 }, (_, i) => ({ value: Buffer.from(`r${i}`), offsetDelta: i })), { defaultTimestamp: Date.now() });
    await tb.client.request(ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'q', topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }] });
    // 40 rounds of: acquire two records, accept the first, release the second (delivered again next round).
    for (let round = 0; round < 40; round++) {
      const got = await acquireForMember(tb.broker, 'g', 'm', [{ topicId, partition: 0 }], { maxBytes: 1 << 20, maxRecords: 2, batchSize: 2, mode: ShareAcquireMode.RecordLimit, readCommitted: false });
      const acquired = got.partitions[0]!.acquired;
      const first = acquired[0]!.firstOffset;
      assert.equal(await tb.broker.share.sharePartitions.acknowledge(key, 'm', [
        { firstOffset: first, lastOffset: first, acknowledgeTypes: [AcknowledgeType.Accept] },
        { firstOffset: first + 1, lastOffset: first + 1, acknowledgeTypes: [AcknowledgeType.Release] },
      ]), ErrorCode.NONE);
    }
    const before = await tb.broker.share.persister.read(key, -1);
    assert.equal(before.state!.startOffset, 40);
    assert.deepEqual(before.state!.batches.map((b) => [b.firstOffset, b.lastOffset, b.deliveryCount]), [[40, 40, 1]]);
    const stateLog = logOf(tb, SHARE_GROUP_STATE_TOPIC, tb.broker.share.stateTopic.partitionFor(key));
    assert.ok(stateLog.logEndOffset >= 40, `one write per acknowledgement: ${stateLog.logEndOffset}`);
    // The prune job (every 100 ms here) moves the log start offset to the state's last snapshot:
    // a snapshot, then three updates, so the last snapshot is one of the last four records.
    for (let i = 0; i < 200 && stateLog.logStartOffset === 0; i++) await sleep(50);
    assert.ok(stateLog.logStartOffset >= stateLog.logEndOffset - 4, `pruned to ${stateLog.logStartOffset} of ${stateLog.logEndOffset}`);

    await tb.close(true);
    tb = await startTestBroker({ config, logDir });
    await tb.broker.groups.ready();
    const after = await tb.broker.share.persister.read(key, -1);
    assert.deepEqual(after, before);
    assert.ok(logOf(tb, SHARE_GROUP_STATE_TOPIC, tb.broker.share.stateTopic.partitionFor(key)).logStartOffset > 0, 'the log start offset survives the restart');
    // The restarted broker serves from that state: the released record comes back first, with its count.
    const sp = (await tb.broker.share.sharePartitions.partition(key)).sp!;
    assert.equal(sp.startOffset, 40);
  } finally {
    await tb.close();
  }
});
