// The group coordinator follows the leadership of __consumer_offsets' partitions (Kafka's
// GroupCoordinator.onElection / onResignation): it loads a partition it comes to lead, answers
// COORDINATOR_LOAD_IN_PROGRESS for its groups meanwhile and NOT_COORDINATOR for the groups of
// partitions it does not lead, and forgets a partition's groups when it resigns, answering
// their parked requests NOT_COORDINATOR. Elections are keyed by leader epoch: the same one
// twice loads once, an older resignation leaves a newer election alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCoordinator } from '../../../src/coordinator/group/coordinator.js';
import type { CoordinatorLog } from '../../../src/coordinator/group/coordinator-runtime.js';
import { defaultGroupConfig } from '../../../src/coordinator/group/config.js';
import { partitionFor, type OwnedOffsetsPartition, type ReplayMarker, type ReplayRecord } from '../../../src/coordinator/group/offsets-topic.js';
import { offsetRecord, type CoordinatorRecord } from '../../../src/coordinator/group/records.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import type { JoinGroupResponse } from '../../../src/protocol/generated/join-group-response.js';
import { ManualClock } from '../../../src/storage/clock.js';
import { joinRequest, silentLogger } from './helpers.js';

const PARTITIONS = 4;

/** __consumer_offsets as several partitions of records; which ones this broker leads is set by the test. */
class PartitionedLog implements CoordinatorLog {
  readonly records = new Map<number, CoordinatorRecord[]>();
  owned: OwnedOffsetsPartition[] = [];
  /** While set, loads wait for it. */
  loadGate: Promise<void> | null = null;
  loads = 0;

  ensure(): Promise<void> | null {
    return null;
  }
  ownedPartitions(): OwnedOffsetsPartition[] {
    return this.owned;
  }
  partitionFor(groupId: string): number {
    return partitionFor(groupId, PARTITIONS);
  }
  append(groupId: string, records: readonly CoordinatorRecord[]): Promise<void> | null {
    const p = this.partitionFor(groupId);
    this.records.set(p, [...(this.records.get(p) ?? []), ...records]);
    return null;
  }
  appendTransactional(groupId: string, records: readonly CoordinatorRecord[]): Promise<void> | null {
    return this.append(groupId, records);
  }
  pending(): Promise<void> | null {
    return null;
  }
  async loadPartition(partition: number, replay: ReplayRecord, _onMarker: ReplayMarker): Promise<number> {
    this.loads++;
    if (this.loadGate !== null) await this.loadGate;
    const records = this.records.get(partition) ?? [];
    for (const r of records) replay(r, -1);
    return records.length;
  }
}

/** A group id whose partition is `p`. */
function groupOn(p: number, tag = ''): string {
  for (let i = 0; ; i++) {
    const id = `group-${tag}${i}`;
    if (partitionFor(id, PARTITIONS) === p) return id;
  }
}

function coordinator(log: PartitionedLog): GroupCoordinator {
  return new GroupCoordinator({
    config: defaultGroupConfig({ initialRebalanceDelayMs: 0, minSessionTimeoutMs: 10 }),
    log,
    logger: silentLogger,
    clock: new ManualClock(),
    driveTimer: false,
  });
}

function commit(coord: GroupCoordinator, groupId: string, offset: number) {
  return coord.commitOffsets({
    groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, apiVersion: 8,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: BigInt(offset), committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
  });
}

async function committed(coord: GroupCoordinator, groupId: string): Promise<bigint | undefined> {
  const topics = await coord.fetchOffsets(groupId, [{ name: 't', partitionIndexes: [0] }], false);
  return topics[0]?.partitions[0]?.committedOffset;
}

test('start-up loads only the partitions this broker leads; the groups of the others answer NOT_COORDINATOR', async () => {
  const log = new PartitionedLog();
  const here = groupOn(1);
  const elsewhere = groupOn(2);
  log.owned = [{ partition: 1, coordinatorEpoch: 5 }];
  const coord = coordinator(log);
  assert.equal(coord.groupError(here), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, 'not started yet');
  await coord.startup();
  assert.equal(log.loads, 1);
  assert.equal(coord.groupError(here), ErrorCode.NONE);
  assert.equal(coord.groupError(elsewhere), ErrorCode.NOT_COORDINATOR);
  assert.equal(coord.partitionError(2), ErrorCode.NOT_COORDINATOR);
  coord.shutdown();
  assert.equal(coord.groupError(here), ErrorCode.COORDINATOR_NOT_AVAILABLE);
});

test('an election loads the partition: COORDINATOR_LOAD_IN_PROGRESS until its offsets are replayed, then they are served', async () => {
  const log = new PartitionedLog();
  const group = groupOn(3);
  // Written by the partition's previous leader.
  log.records.set(3, [offsetRecord(group, 't', 0, { committedOffset: 17n, leaderEpoch: -1, metadata: '', commitTimestampMs: 1, expireTimestampMs: -1, recordOffset: 0 })]);
  const coord = coordinator(log);
  await coord.startup();
  assert.equal(coord.groupError(group), ErrorCode.NOT_COORDINATOR);

  let open!: () => void;
  log.loadGate = new Promise((resolve) => (open = resolve));
  const loading = coord.onElection(3, 7);
  assert.equal(coord.groupError(group), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  assert.equal(coord.listError(), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, 'ListGroups waits for every load');
  const again = coord.onElection(3, 7);
  open();
  assert.equal(await loading, 1);
  assert.equal(await again, 1, 'the same election again waits for the same load');
  assert.equal(log.loads, 1);
  assert.equal(coord.groupError(group), ErrorCode.NONE);
  assert.equal(coord.listError(), ErrorCode.NONE);
  assert.equal(await committed(coord, group), 17n);
  coord.shutdown();
});

test('a resignation forgets the partition\'s groups and offsets and answers their parked JoinGroup NOT_COORDINATOR; other partitions keep theirs', async () => {
  const log = new PartitionedLog();
  log.owned = [{ partition: 0, coordinatorEpoch: 1 }, { partition: 1, coordinatorEpoch: 1 }];
  const coord = coordinator(log);
  await coord.startup();
  const leaving = groupOn(0);
  const staying = groupOn(1);
  assert.equal((await commit(coord, leaving, 10)).errorCode, ErrorCode.NONE);
  assert.equal((await commit(coord, staying, 20)).errorCode, ErrorCode.NONE);

  // A member waits in JoinGroup for the initial rebalance delay (the timer is not driven here).
  const first = await new Promise<JoinGroupResponse>((resolve) => coord.join(joinRequest(leaving), resolve));
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  let parked: JoinGroupResponse | null = null;
  coord.join(joinRequest(leaving, { memberId: first.memberId }), (r) => (parked = r));
  assert.equal(parked, null, 'parked');

  coord.onResignation(0, 0);
  assert.equal(coord.groupError(leaving), ErrorCode.NONE, 'a resignation older than the election leaves it');
  coord.onResignation(0, 2);
  assert.equal((parked as JoinGroupResponse | null)?.errorCode, ErrorCode.NOT_COORDINATOR, 'the parked JoinGroup is answered');
  assert.equal(coord.groupError(leaving), ErrorCode.NOT_COORDINATOR);
  assert.equal(coord.groups.group(leaving), undefined, 'the group is forgotten');
  assert.equal(coord.offsets.store.group(leaving), undefined, 'its offsets too');
  assert.equal(coord.groupError(staying), ErrorCode.NONE);
  assert.equal(await committed(coord, staying), 20n);

  // Elected again (a later epoch): the records written before come back.
  await coord.onElection(0, 3);
  assert.equal(await committed(coord, leaving), 10n);
  coord.shutdown();
});

test('a resignation during a load stops it: nothing of the partition is kept', async () => {
  const log = new PartitionedLog();
  const group = groupOn(2);
  const coord = coordinator(log);
  await coord.startup();
  assert.equal((await coord.onElection(2, 1)), 0);
  assert.equal((await commit(coord, group, 5)).errorCode, ErrorCode.NONE);
  coord.onResignation(2, 2);

  let open!: () => void;
  log.loadGate = new Promise((resolve) => (open = resolve));
  const loading = coord.onElection(2, 3);
  coord.onResignation(2, 4);
  open();
  assert.equal(await loading, 0);
  assert.equal(coord.groupError(group), ErrorCode.NOT_COORDINATOR);
  assert.equal(coord.offsets.store.group(group), undefined);

  // A newer election replaces an older one's load.
  log.loadGate = null;
  assert.equal(await coord.onElection(2, 5), 1);
  assert.equal(await coord.onElection(2, 4), 0, 'an older election than the one held does nothing');
  assert.equal(await committed(coord, group), 5n);
  coord.shutdown();
});
