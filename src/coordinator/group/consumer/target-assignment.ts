/**
 * Computing a new target assignment (Kafka's TargetAssignmentBuilder): the members as they
 * will be once the heartbeat's changes apply (one member added, replaced or removed), their
 * subscriptions turned into topic ids through the subscription metadata, the assignor run
 * with each member's previous target for stickiness, and the records for the members whose
 * target changed followed by the new target assignment epoch.
 */
import { assignmentsEqual, type TopicPartitions } from './assignment.js';
import type { ConsumerGroupAssignor, MemberSpec } from './assignors/assignor.js';
import type { ConsumerGroup } from './consumer-group.js';
import type { ConsumerMember } from './consumer-member.js';
import { targetEpochRecord, targetMemberRecord, type ConsumerGroupRecord, type TopicMetadata } from './consumer-records.js';

export interface TargetAssignmentInput {
  group: ConsumerGroup;
  groupEpoch: number;
  /** A member added or changed by the heartbeat (it may not be in the group yet). */
  updated: ConsumerMember | null;
  /** The member `updated` replaces under a new id (a static member rejoining), or one leaving. */
  removedMemberId: string | null;
  /** `updated`'s previous target when it is not yet in the group's (a replaced static member's). */
  updatedPreviousTarget: TopicPartitions | null;
  subscriptionMetadata: ReadonlyMap<string, TopicMetadata>;
  /** Topic names a member's regular expression matches. */
  resolveRegex: (regex: string) => ReadonlySet<string>;
  assignor: ConsumerGroupAssignor;
  /** Now (ms): the assignment's timestamp, for the assignment interval. */
  nowMs: number;
}

export interface TargetAssignmentResult {
  assignment: Map<string, TopicPartitions>;
  records: ConsumerGroupRecord[];
}

/** The topic names a member consumes: its names and what its regular expression matches. */
export function memberTopicNames(m: ConsumerMember, resolveRegex: (regex: string) => ReadonlySet<string>): Set<string> {
  const out = new Set(m.subscribedTopicNames);
  if (m.subscribedTopicRegex !== null) for (const t of resolveRegex(m.subscribedTopicRegex)) out.add(t);
  return out;
}

/** The members after the heartbeat's change, by member id in ascending order. */
export function membersAfter(group: ConsumerGroup, updated: ConsumerMember | null, removedMemberId: string | null): ConsumerMember[] {
  const byId = new Map(group.members);
  if (removedMemberId !== null) byId.delete(removedMemberId);
  if (updated !== null) byId.set(updated.memberId, updated);
  return [...byId.keys()].sort().map((id) => byId.get(id)!);
}

export function computeTargetAssignment(input: TargetAssignmentInput): TargetAssignmentResult {
  const { group, subscriptionMetadata } = input;
  const members = membersAfter(group, input.updated, input.removedMemberId);
  const specs = new Map<string, MemberSpec>();
  let first: string | null = null;
  let homogeneous = true;
  for (const m of members) {
    const ids = new Set<string>();
    for (const name of memberTopicNames(m, input.resolveRegex)) {
      const t = subscriptionMetadata.get(name);
      if (t !== undefined) ids.add(t.id);
    }
    const key = [...ids].sort().join(',');
    if (first === null) first = key;
    else if (first !== key) homogeneous = false;
    const previous = m === input.updated && input.updatedPreviousTarget !== null ? input.updatedPreviousTarget : group.targetOf(m.memberId);
    specs.set(m.memberId, { subscribedTopicIds: ids, rackId: m.rackId, instanceId: m.instanceId, assignment: previous });
  }

  const partitionsById = new Map<string, number>();
  for (const t of subscriptionMetadata.values()) partitionsById.set(t.id, t.numPartitions);
  const assignment = input.assignor.assign({ members: specs, homogeneous }, { numPartitions: (id) => partitionsById.get(id) ?? -1 });

  const records: ConsumerGroupRecord[] = [];
  for (const m of members) {
    const next = assignment.get(m.memberId) ?? new Map();
    assignment.set(m.memberId, next);
    const before = group.targetAssignment.get(m.memberId);
    if (before === undefined || !assignmentsEqual(before, next)) records.push(targetMemberRecord(group.groupId, m.memberId, next));
  }
  records.push(targetEpochRecord(group.groupId, input.groupEpoch, input.nowMs));
  return { assignment, records };
}
