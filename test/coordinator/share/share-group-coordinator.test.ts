// Share groups in the group coordinator: ShareGroupHeartbeat answered once its records are in
// __consumer_offsets, the records in Kafka's formats, a restarted coordinator loading the
// group back (members get a fresh session), a failed append answered with the coordinator
// error, a session timeout written, and the group id kept from consumer and classic groups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { ManualClock } from '../../../src/storage/clock.js';
import { decodeRecord, encodeKey, encodeValue } from '../../../src/coordinator/group/records.js';
import { RecordKind } from '../../../src/coordinator/group/record-codec.js';
import type { ShareHeartbeatRequest } from '../../../src/coordinator/share/share-group-manager.js';
import { consumerHarness, FakeTopics } from '../group/consumer-helpers.js';
import { joinRequest, MemoryLog } from '../group/helpers.js';

const hb = (memberId: string, memberEpoch: number): ShareHeartbeatRequest => ({
  groupId: 'queue', memberId, memberEpoch, rackId: null, subscribedTopicNames: memberEpoch === 0 ? ['orders'] : null, clientId: 'c', clientHost: '/127.0.0.1',
});

function topics(): FakeTopics {
  const t = new FakeTopics();
  t.create('orders', 1);
  return t;
}

test('a share group written to __consumer_offsets is loaded back by a restarted coordinator', async () => {
  const log = new MemoryLog();
  const clock = new ManualClock();
  const t = topics();
  const first = await consumerHarness({}, {}, log, clock, t);
  const a = await first.coord.shareGroupHeartbeat(hb('a', 0));
  assert.equal(a.errorCode, ErrorCode.NONE);
  assert.equal(a.result!.memberEpoch, 1);
  await first.coord.shareGroupHeartbeat(hb('b', 0));
  // Every record survives its bytes as a share group record.
  for (const r of log.batches.flat()) {
    assert.equal(r.kind, RecordKind.Share);
    const back = decodeRecord(encodeKey(r), encodeValue(r), 0)!;
    assert.equal(back.kind, RecordKind.Share);
    assert.equal(back.group, 'queue');
  }
  first.coord.shutdown();
  const second = await consumerHarness({}, {}, log, clock, t);
  const g = second.coord.share.group('queue')!;
  assert.equal(g.groupEpoch, 2);
  assert.deepEqual([...g.members.keys()].sort(), ['a', 'b']);
  // A loaded member heartbeats on with its epoch; one that stays away is fenced after its session.
  second.advance(20_000);
  assert.equal((await second.coord.shareGroupHeartbeat(hb('a', 1))).result!.memberEpoch, 2);
  second.advance(25_000);
  assert.deepEqual([...second.coord.share.group('queue')!.members.keys()], ['a']);
  assert.equal(log.batches.at(-1)!.length, 4, 'the fenced member\'s tombstones and the new group epoch');
});

test('a refused append answers the coordinator error', async () => {
  const log = new MemoryLog();
  const h = await consumerHarness({}, {}, log, new ManualClock(), topics());
  log.failWith = ErrorCode.NOT_LEADER_OR_FOLLOWER;
  const r = await h.coord.shareGroupHeartbeat(hb('a', 0));
  assert.equal(r.errorCode, ErrorCode.NOT_COORDINATOR);
  assert.equal(r.result, null);
});

test('the group id is one group\'s: share, consumer and classic groups refuse each other', async () => {
  const h = await consumerHarness({}, {}, new MemoryLog(), new ManualClock(), topics());
  await h.coord.shareGroupHeartbeat(hb('a', 0));
  const consumer = h.hb({ groupId: 'queue', memberId: 'x', subscribedTopicNames: ['orders'], rebalanceTimeoutMs: 1000, topicPartitions: [] });
  assert.equal(consumer.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  let joined: number | undefined;
  h.coord.join(joinRequest('queue'), (resp) => (joined = resp.errorCode));
  assert.equal(joined, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  h.hb({ groupId: 'cg', memberId: 'y', subscribedTopicNames: ['orders'], rebalanceTimeoutMs: 1000, topicPartitions: [] });
  const share = await h.coord.shareGroupHeartbeat({ ...hb('a', 0), groupId: 'cg' });
  assert.equal(share.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  assert.equal(share.errorMessage, 'Group cg is not a share group.');
});
