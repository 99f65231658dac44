/**
 * The consumer embedded protocol of classic groups (protocol type "consumer"): subscriptions
 * and assignments in Kafka's encoding (an int16 version, then ConsumerProtocolSubscription /
 * ConsumerProtocolAssignment), and the range and round-robin assignors as Kafka's
 * RangeAssignor and RoundRobinAssignor compute them, so that a Millrace member can lead a
 * group of Java, librdkafka or kafka-python members and follow theirs.
 */
import * as Assignment from '../protocol/generated/consumer-protocol-assignment.js';
import * as Subscription from '../protocol/generated/consumer-protocol-subscription.js';

export interface TopicPartitionList {
  topic: string;
  partitions: number[];
}

const HIGHEST = 3;

function versioned(version: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(2 + body.length);
  out.writeInt16BE(version, 0);
  body.copy(out, 2);
  return out;
}

/** A subscription to `topics` (version 0: every consumer decodes it). */
export function encodeSubscription(topics: readonly string[]): Buffer {
  const sub = Subscription.defaultConsumerProtocolSubscription();
  sub.topics = [...topics];
  return versioned(0, Subscription.encode(sub, 0));
}

/**
 * The topics of a subscription. A newer version than ours is read with our highest schema,
 * which it extends (as Kafka's ConsumerProtocol does).
 */
export function decodeSubscription(bytes: Buffer): string[] {
  const version = bytes.readInt16BE(0);
  if (version < 0) throw new Error(`invalid consumer subscription version ${version}`);
  return Subscription.decode(bytes, 2, Math.min(version, HIGHEST)).topics;
}

export function encodeAssignment(assigned: readonly TopicPartitionList[]): Buffer {
  const a = Assignment.defaultConsumerProtocolAssignment();
  a.assignedPartitions = assigned.map((tp) => ({ topic: tp.topic, partitions: [...tp.partitions] }));
  return versioned(0, Assignment.encode(a, 0));
}

/** The partitions of an assignment; an empty buffer (no assignment) is no partitions. */
export function decodeConsumerAssignment(bytes: Buffer): TopicPartitionList[] {
  if (bytes.length === 0) return [];
  const version = bytes.readInt16BE(0);
  if (version < 0) throw new Error(`invalid consumer assignment version ${version}`);
  return Assignment.decode(bytes, 2, Math.min(version, HIGHEST)).assignedPartitions
    .map((tp) => ({ topic: tp.topic, partitions: tp.partitions }));
}

export interface AssignorMember {
  memberId: string;
  groupInstanceId: string | null;
  topics: readonly string[];
}

/** memberId → its partitions. */
export type GroupAssignment = Map<string, TopicPartitionList[]>;

/** Kafka's member order: static members by instance id first, then by member id. */
function compareMembers(a: AssignorMember, b: AssignorMember): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return a.groupInstanceId < b.groupInstanceId ? -1 : a.groupInstanceId > b.groupInstanceId ? 1 : 0;
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;
}

function add(out: GroupAssignment, memberId: string, topic: string, partition: number): void {
  const list = out.get(memberId)!;
  let tp = list.find((t) => t.topic === topic);
  if (tp === undefined) list.push((tp = { topic, partitions: [] }));
  tp.partitions.push(partition);
}

/**
 * RangeAssignor: per topic, its subscribers in order each take a contiguous range, the first
 * `partitions % members` one partition more. `partitionCounts` has every subscribed topic
 * that exists.
 */
export function rangeAssign(members: readonly AssignorMember[], partitionCounts: ReadonlyMap<string, number>): GroupAssignment {
  const out: GroupAssignment = new Map(members.map((m) => [m.memberId, []]));
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  for (const topic of topics) {
    const count = partitionCounts.get(topic);
    if (count === undefined) continue;
    const subscribers = members.filter((m) => m.topics.includes(topic)).sort(compareMembers);
    const per = Math.floor(count / subscribers.length);
    const extra = count % subscribers.length;
    subscribers.forEach((m, i) => {
      const start = per * i + Math.min(i, extra);
      const length = per + (i < extra ? 1 : 0);
      for (let p = start; p < start + length; p++) add(out, m.memberId, topic, p);
    });
  }
  return out;
}

/**
 * RoundRobinAssignor: every partition of every subscribed topic, sorted by topic then
 * partition, dealt in turn to the members (in order) subscribed to its topic.
 */
export function roundRobinAssign(members: readonly AssignorMember[], partitionCounts: ReadonlyMap<string, number>): GroupAssignment {
  const out: GroupAssignment = new Map(members.map((m) => [m.memberId, []]));
  const sorted = [...members].sort(compareMembers);
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  let next = 0;
  for (const topic of topics) {
    const count = partitionCounts.get(topic) ?? 0;
    for (let p = 0; p < count; p++) {
      // the next member in the circle that subscribes to this topic
      for (let tries = 0; tries < sorted.length; tries++) {
        const m = sorted[next % sorted.length]!;
        next++;
        if (m.topics.includes(topic)) {
          add(out, m.memberId, topic, p);
          break;
        }
      }
    }
  }
  return out;
}

/** The assignors a Millrace member offers, in order of preference. */
export const ASSIGNORS: Readonly<Record<string, typeof rangeAssign>> = {
  range: rangeAssign,
  roundrobin: roundRobinAssign,
};
