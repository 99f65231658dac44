// Consumer group records: their bytes, replay after a restart, tombstones when members and
// groups go away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord, encodeKey, encodeValue, type CoordinatorRecord } from '../../../../src/coordinator/group/records.js';
import { ErrorCode } from '../../../../src/protocol/generated/errors.js';
import { ConsumerRecordType, type ConsumerGroupRecord } from '../../../../src/coordinator/group/consumer/consumer-records.js';
import { MemoryLog } from '../helpers.js';
import { consumerHarness, FakeTopics, settle, TestMember } from '../consumer-helpers.js';

/** A log that stores records as the bytes __consumer_offsets would hold, and reads them back. */
class BytesLog extends MemoryLog {
  override async load(replay: (r: CoordinatorRecord, producerId: number) => void): Promise<number> {
    let n = 0;
    for (const r of this.records) {
      const back = decodeRecord(encodeKey(r), encodeValue(r), n);
      if (back !== null) replay(back, -1);
      n++;
    }
    return n;
  }
}

function consumerRecords(log: MemoryLog): ConsumerGroupRecord[] {
  return log.records.filter((r): r is ConsumerGroupRecord => r.kind === 2);
}

test('keys are the record type then the key struct; values version 0; tombstones have no value', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 2);
  new TestMember(h, 'grp', 'm1').join();
  const types = consumerRecords(h.log).map((r) => r.type);
  // Member metadata, subscription metadata, group epoch, target member, target epoch, current assignment (Kafka's order).
  assert.deepEqual(types, [5, 4, 3, 7, 6, 8]);
  for (const r of consumerRecords(h.log)) {
    const key = encodeKey(r);
    assert.equal(key.readInt16BE(0), r.type);
    assert.equal(key.readInt16BE(2), 3, 'group id length');
    assert.equal(key.subarray(4, 7).toString(), 'grp');
    const value = encodeValue(r)!;
    assert.equal(value.readInt16BE(0), 0);
    assert.deepEqual(decodeRecord(key, value, 0), r);
  }
  const epoch = consumerRecords(h.log).find((r) => r.type === ConsumerRecordType.GroupMetadata)!;
  assert.deepEqual(encodeValue(epoch), Buffer.from([0, 0, 0, 0, 0, 1, 0]), 'version 0, epoch 1, no tagged fields');
});

test('a restarted coordinator has the same groups; members heartbeat back with their epochs or time out', async () => {
  const log = new BytesLog();
  const topics = new FakeTopics();
  topics.create('t', 4);
  const h = await consumerHarness({}, {}, log, undefined, topics);
  const a = new TestMember(h, 'g', 'a');
  const b = new TestMember(h, 'g', 'b', { instanceId: 'static-b' });
  a.join();
  b.join();
  settle([a, b]);
  const before = h.coord.consumer.group('g')!;
  h.coord.shutdown();

  const h2 = await consumerHarness({}, {}, log, undefined, topics);
  const g = h2.coord.consumer.group('g')!;
  assert.equal(g.groupEpoch, before.groupEpoch);
  assert.equal(g.assignmentEpoch, before.assignmentEpoch);
  assert.equal(g.stateName, 'Stable');
  assert.deepEqual([...g.members.keys()].sort(), ['a', 'b']);
  assert.equal(g.staticMember('static-b')!.memberId, 'b');
  for (const id of ['a', 'b']) {
    const m = g.members.get(id)!;
    const was = before.members.get(id)!;
    assert.equal(m.memberEpoch, was.memberEpoch);
    assert.deepEqual(m.assignedPartitions, was.assignedPartitions);
    assert.deepEqual(g.targetOf(id), before.targetOf(id));
  }
  // a comes back with its epoch; b never does and is fenced after its session.
  const a2 = Object.assign(new TestMember(h2, 'g', 'a'), { epoch: a.epoch, owned: a.owned });
  for (let i = 0; i < 10; i++) {
    h2.advance(5000);
    assert.equal(a2.beat().errorCode, ErrorCode.NONE);
  }
  assert.equal(h2.coord.consumer.group('g')!.members.has('b'), false);
  settle([a2]);
  assert.equal(a2.ownedNames().length, 4);
});

test('a member leaving writes tombstones for its assignment, target and metadata, and a new epoch', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 1);
  const a = new TestMember(h, 'g', 'a');
  a.join();
  const n = h.log.records.length;
  h.hb({ groupId: 'g', memberId: 'a', memberEpoch: -1 });
  const written = h.log.records.slice(n) as ConsumerGroupRecord[];
  assert.deepEqual(written.map((r) => [r.type, r.memberId, r.value === null]), [
    [8, 'a', true], [7, 'a', true], [5, 'a', true], [4, '', false], [3, '', false],
  ]);
  assert.equal(h.coord.consumer.group('g')!.stateName, 'Empty');
});

test('DeleteGroups of an empty consumer group: offsets and every group record get tombstones; replay forgets it', async () => {
  const log = new BytesLog();
  const h = await consumerHarness({}, {}, log);
  h.topics.create('t', 1);
  const a = new TestMember(h, 'g', 'a');
  a.join();
  const committed = await h.coord.commitOffsets({ groupId: 'g', generationIdOrMemberEpoch: a.epoch, memberId: 'a', groupInstanceId: null, retentionTimeMs: -1n, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }], apiVersion: 9 });
  assert.equal(committed.errorCode, ErrorCode.NONE);
  assert.deepEqual(await h.coord.deleteGroups(['g']), [{ groupId: 'g', errorCode: ErrorCode.NON_EMPTY_GROUP, errorMessage: null }]);
  h.hb({ groupId: 'g', memberId: 'a', memberEpoch: -1 });
  assert.deepEqual(await h.coord.deleteGroups(['g']), [{ groupId: 'g', errorCode: ErrorCode.NONE, errorMessage: null }]);
  assert.equal(h.coord.consumer.group('g'), undefined);
  const tail = log.records.slice(-4).map((r) => (r.kind === 2 ? r.type : 'offset'));
  assert.deepEqual(tail, ['offset', 6, 4, 3], 'the offset tombstone, then the group-level tombstones');
  assert.ok(log.records.slice(-4).every((r) => r.value === null));
  const h2 = await consumerHarness({}, {}, log);
  assert.equal(h2.coord.consumer.group('g'), undefined);
  assert.equal(h2.coord.groups.group('g'), undefined);
  assert.deepEqual(h2.coord.offsets.fetch('g', [{ name: 't', partitionIndexes: [0] }])[0]!.partitions[0]!.committedOffset, -1n);
});
