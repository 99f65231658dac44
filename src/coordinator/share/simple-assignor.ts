/**
 * KIP-932's SimpleAssignor, the share groups' server assignor ("simple"), as Kafka 4.4's
 * SimpleHomogeneousAssignmentBuilder / SimpleHeterogeneousAssignmentBuilder compute it: every
 * partition is assigned, to as many members as it takes for every member to get one
 * (desired sharing = ceil(members / partitions)), and the partition slots are spread evenly
 * over the members (member i gets ceil((i+1)·slots/M) − ceil(i·slots/M) of them). It is sticky:
 * a member keeps the partitions it has as long as they are still assignable and neither it nor
 * the partition is over its share; what is left goes to the members short of theirs.
 *
 * When all members subscribe to the same topics the partitions of all of them are spread
 * together; otherwise each topic's partitions are spread over the members subscribed to it.
 */
import { addPartition, type TopicPartitions } from '../group/consumer/assignment.js';

export const SIMPLE_ASSIGNOR_NAME = 'simple';

export interface AssignorMember {
  memberId: string;
  /** Topic ids (hex) the member subscribes to that exist. */
  subscribedTopicIds: ReadonlySet<string>;
  /** What the member had in the previous target assignment. */
  current: TopicPartitions;
}

/** Members in their group order; `partitionCounts` gives each existing topic's (by id) partition count. */
export function simpleAssign(members: readonly AssignorMember[], partitionCounts: ReadonlyMap<string, number>): Map<string, TopicPartitions> {
  const out = new Map<string, TopicPartitions>();
  for (const m of members) out.set(m.memberId, new Map());
  if (members.length === 0) return out;
  const first = members[0]!.subscribedTopicIds;
  const homogeneous = members.every((m) => sameSet(m.subscribedTopicIds, first));
  if (homogeneous) {
    spread(members, [...first].sort(), partitionCounts, out);
  } else {
    const topics = new Set<string>();
    for (const m of members) for (const t of m.subscribedTopicIds) topics.add(t);
    for (const t of [...topics].sort()) spread(members.filter((m) => m.subscribedTopicIds.has(t)), [t], partitionCounts, out);
  }
  return out;
}

/** Spreads the partitions of `topics` over `members` (all subscribed to them), adding to `out`. */
function spread(members: readonly AssignorMember[], topics: readonly string[], partitionCounts: ReadonlyMap<string, number>, out: Map<string, TopicPartitions>): void {
  const partitions: Array<[string, number]> = [];
  for (const t of topics) {
    const n = partitionCounts.get(t) ?? 0;
    for (let p = 0; p < n; p++) partitions.push([t, p]);
  }
  const M = members.length;
  const P = partitions.length;
  if (P === 0 || M === 0) return;
  const sharing = Math.ceil(M / P);
  const slots = P * sharing;
  const desired = members.map((_, i) => Math.ceil(((i + 1) * slots) / M) - Math.ceil((i * slots) / M));
  const index = new Map<string, number>();
  partitions.forEach(([t, p], k) => index.set(`${t}:${p}`, k));
  const holders: number[][] = partitions.map(() => []);
  const held: number[][] = members.map(() => []);
  // Sticky first: what each member had, while neither the member nor the partition is full.
  members.forEach((m, i) => {
    for (const [t, ps] of m.current) {
      for (const p of [...ps].sort((a, b) => a - b)) {
        const k = index.get(`${t}:${p}`);
        if (k === undefined || held[i]!.length >= desired[i]! || holders[k]!.length >= sharing) continue;
        holders[k]!.push(i);
        held[i]!.push(k);
      }
    }
  });
  // Then the free slots, partition by partition, to the members furthest below their share.
  let next = 0;
  for (let k = 0; k < P; k++) {
    while (holders[k]!.length < sharing) {
      let chosen = -1;
      for (let step = 0; step < M; step++) {
        const i = (next + step) % M;
        if (held[i]!.length < desired[i]! && !holders[k]!.includes(i)) {
          chosen = i;
          break;
        }
      }
      if (chosen < 0) break;
      holders[k]!.push(chosen);
      held[chosen]!.push(k);
      next = (chosen + 1) % M;
    }
  }
  members.forEach((m, i) => {
    const a = out.get(m.memberId)!;
    for (const k of held[i]!) addPartition(a, partitions[k]![0], partitions[k]![1]);
  });
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
