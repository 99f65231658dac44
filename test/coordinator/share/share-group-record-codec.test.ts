// Share group records in Kafka's __consumer_offsets formats: every kind and its tombstone
// round-trips through its bytes, the key starts with Kafka's record type, and a group rebuilt
// from the decoded records of its heartbeats is the group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { ManualClock } from '../../../src/storage/clock.js';
import { DeadlineTimer } from '../../../src/coordinator/group/timer.js';
import { defaultShareGroupConfig } from '../../../src/coordinator/share/share-config.js';
import { ShareGroupManager } from '../../../src/coordinator/share/share-group-manager.js';
import { decodeShareGroupRecord, encodeShareGroupKey, encodeShareGroupValue } from '../../../src/coordinator/share/share-group-record-codec.js';
import { memberTombstones, groupTombstones, type ShareGroupRecord } from '../../../src/coordinator/share/share-group-records.js';

function roundTrip(r: ShareGroupRecord): ShareGroupRecord {
  const key = encodeShareGroupKey(r);
  assert.equal(key.readInt16BE(0), r.type);
  return decodeShareGroupRecord(key.readInt16BE(0), key, encodeShareGroupValue(r))!;
}

function manager(): ShareGroupManager {
  const topics = new Map([['t', { name: 't', id: Buffer.alloc(16, 7), partitions: [0, 0, 0] }]]);
  return new ShareGroupManager(defaultShareGroupConfig(), new DeadlineTimer(new ManualClock()), { topics: () => topics.values(), topic: (n) => topics.get(n) }, pino({ level: 'silent' }), () => {});
}

test('heartbeat records round-trip and rebuild the same group', () => {
  const mgr = manager();
  const records: ShareGroupRecord[] = [];
  const hb = (memberId: string, memberEpoch: number) => records.push(...mgr.heartbeat({ groupId: 'g', memberId, memberEpoch, rackId: memberId === 'a' ? 'r1' : null, subscribedTopicNames: memberEpoch === 0 ? ['t'] : null, clientId: 'cid', clientHost: '/10.0.0.1' }).records);
  hb('a', 0);
  hb('b', 0);
  hb('a', 1);
  const copy = manager();
  for (const r of records) {
    const back = roundTrip(r);
    assert.deepEqual(back, r);
    copy.replay(back);
  }
  const g = mgr.group('g')!;
  const c = copy.group('g')!;
  assert.equal(c.groupEpoch, g.groupEpoch);
  assert.equal(c.assignmentEpoch, g.assignmentEpoch);
  assert.equal(c.metadataHash, g.metadataHash);
  assert.deepEqual([...c.members.values()].map((m) => [m.memberId, m.rackId, m.clientId, m.clientHost, m.memberEpoch, m.previousMemberEpoch, [...(m.assignedPartitions.values().next().value ?? [])].sort()]),
    [...g.members.values()].map((m) => [m.memberId, m.rackId, m.clientId, m.clientHost, m.memberEpoch, m.previousMemberEpoch, [...(m.assignedPartitions.values().next().value ?? [])].sort()]));
  assert.deepEqual(c.targetAssignment, g.targetAssignment);
});

test('tombstones have no value and keep their keys', () => {
  for (const r of [...memberTombstones('g', 'm'), ...groupTombstones('g')]) {
    assert.equal(encodeShareGroupValue(r), null);
    assert.deepEqual(roundTrip(r), r);
  }
});
