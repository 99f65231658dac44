/**
 * Computing a streams group's new target assignment (Kafka's streams TargetAssignmentBuilder):
 * the members as they will be once the heartbeat's change applies (one member added,
 * replaced or removed), each with its previous target for stickiness, run through the
 * sticky assignor over the configured topology; records for the members whose target
 * changed, then the new target assignment epoch. While the topology is not ready (topics
 * missing or wrongly partitioned) every member's target is empty.
 *
 * Also the group's metadata hash: a digest of the topics the topology reads and writes
 * (name and partition count), whose change bumps the group epoch as Kafka's does.
 */
import type { TopicsSource } from '../group/consumer/subscriptions.js';
import { compileRegex } from '../group/consumer/subscriptions.js';
import { isReady, type ConfiguredTopology } from './configured-topology.js';
import { StickyTaskAssignor, type AssignorMember, type AssignorSubtopology } from './sticky-assignor.js';
import type { StreamsGroup } from './streams-group.js';
import type { StreamsMember } from './streams-member.js';
import { targetEpochRecord, targetMemberRecord, type StreamsGroupRecord } from './streams-records.js';
import { emptyTuple, sameTuple, type TasksTuple } from './tasks.js';
import type { StreamsTopology } from './topology.js';

export interface StreamsTargetInput {
  group: StreamsGroup;
  groupEpoch: number;
  /** A member added or changed by the heartbeat (it may not be in the group yet). */
  updated: StreamsMember | null;
  /** A member `updated` replaces (a static member back under a new id) or one leaving. */
  removedMemberId: string | null;
  /** `updated`'s previous target when it is not yet in the group's (a replaced static member's). */
  updatedPreviousTarget: TasksTuple | null;
  configured: ConfiguredTopology | null;
  numStandbyReplicas: number;
  nowMs: number;
}

export interface StreamsTargetResult {
  assignment: Map<string, TasksTuple>;
  records: StreamsGroupRecord[];
}

const assignor = new StickyTaskAssignor();

/** The members after the heartbeat's change, by member id. */
export function streamsMembersAfter(group: StreamsGroup, updated: StreamsMember | null, removedMemberId: string | null): Map<string, StreamsMember> {
  const byId = new Map(group.members);
  if (removedMemberId !== null) byId.delete(removedMemberId);
  if (updated !== null) byId.set(updated.memberId, updated);
  return byId;
}

export function computeStreamsTargetAssignment(input: StreamsTargetInput): StreamsTargetResult {
  const { group, configured } = input;
  const members = streamsMembersAfter(group, input.updated, input.removedMemberId);
  const assignment = new Map<string, TasksTuple>();
  if (configured !== null && isReady(configured) && configured.subtopologies !== null) {
    const specs = new Map<string, AssignorMember>();
    for (const [id, m] of members) {
      const previous = m === input.updated && input.updatedPreviousTarget !== null ? input.updatedPreviousTarget : group.targetOf(id);
      specs.set(id, { processId: m.processId, active: previous.active, standby: previous.standby, warmup: previous.warmup, taskOffsets: group.taskOffsets.get(id) ?? new Map() });
    }
    const subtopologies: AssignorSubtopology[] = [];
    for (const [id, s] of configured.subtopologies) subtopologies.push({ subtopologyId: id, numTasks: s.numTasks, stateful: s.stateful });
    const result = assignor.assign({ members: specs, subtopologies, numStandbyReplicas: input.numStandbyReplicas });
    for (const [id, t] of result) assignment.set(id, { active: t.active, standby: t.standby, warmup: new Map() });
  } else {
    for (const id of members.keys()) assignment.set(id, emptyTuple());
  }
  const records: StreamsGroupRecord[] = [];
  for (const id of [...members.keys()].sort()) {
    const next = assignment.get(id)!;
    const before = group.targetAssignment.get(id);
    if (before === undefined || !sameTuple(before, next)) records.push(targetMemberRecord(group.groupId, id, next));
  }
  records.push(targetEpochRecord(group.groupId, input.groupEpoch, input.nowMs));
  return { assignment, records };
}

/**
 * A 64-bit FNV-1a digest of the topology's topics as they exist now: every source topic
 * (and what each regular expression matches), repartition and changelog topic, by name,
 * with its partition count or -1 when it does not exist.
 */
export function computeMetadataHash(topology: StreamsTopology | null, topics: TopicsSource | null): bigint {
  if (topology === null) return 0n;
  const names = new Set<string>();
  for (const s of topology.subtopologies.values()) {
    for (const t of s.sourceTopics) names.add(t);
    for (const r of s.sourceTopicRegex) {
      const re = compileRegex(r);
      if (topics !== null) for (const t of topics.topics()) if (re.test(t.name)) names.add(t.name);
    }
    for (const t of s.repartitionSourceTopics) names.add(t.name);
    for (const t of s.stateChangelogTopics) names.add(t.name);
  }
  let h = 0xcbf29ce484222325n;
  const mix = (text: string) => {
    for (const b of Buffer.from(text, 'utf8')) {
      h ^= BigInt(b);
      h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
    }
  };
  for (const name of [...names].sort()) mix(`${name}\u0000${topics?.topic(name)?.partitions.length ?? -1}\u0000`);
  // Stored as Kafka's int64.
  return BigInt.asIntN(64, h);
}
