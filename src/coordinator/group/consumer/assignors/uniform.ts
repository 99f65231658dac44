/**
 * The uniform assignor (Kafka's UniformAssignor, the default): spreads partitions as evenly as
 * the subscriptions allow and moves as few as it can.
 *
 *  1. Each member keeps the partitions of its previous target that still exist, that it
 *     still subscribes to, and that no earlier member kept.
 *  2. Every other partition goes to the member subscribed to its topic that has the fewest
 *     partitions (ties: member order).
 *  3. While some member has two more partitions than another member that could take one of
 *     them, one partition moves. Every move lowers the sum of squared counts, so this ends;
 *     with identical subscriptions it ends with every count within one of the others.
 *
 * Kafka uses two builders (homogeneous and heterogeneous subscriptions) with the same goals;
 * this one loop covers both. Racks are not considered.
 */
import { addPartition, type TopicPartitions } from '../assignment.js';
import type { ConsumerGroupAssignor, GroupSpec, TopicDescriber } from './assignor.js';

interface Slot {
  memberId: string;
  subscribed: ReadonlySet<string>;
  partitions: Array<[string, number]>;
}

export class UniformAssignor implements ConsumerGroupAssignor {
  readonly name = 'uniform';

  assign(group: GroupSpec, topics: TopicDescriber): Map<string, TopicPartitions> {
    const slots: Slot[] = [];
    const taken = new Set<string>();
    for (const [memberId, spec] of group.members) {
      const slot: Slot = { memberId, subscribed: spec.subscribedTopicIds, partitions: [] };
      for (const [topicId, ps] of spec.assignment) {
        if (!spec.subscribedTopicIds.has(topicId)) continue;
        const n = topics.numPartitions(topicId);
        for (const p of [...ps].sort((a, b) => a - b)) {
          const key = `${topicId}:${p}`;
          if (p >= n || taken.has(key)) continue;
          taken.add(key);
          slot.partitions.push([topicId, p]);
        }
      }
      slots.push(slot);
    }

    // Every partition some member subscribes to, in topic id then partition order.
    const allTopics = new Set<string>();
    for (const s of slots) for (const t of s.subscribed) allTopics.add(t);
    for (const topicId of [...allTopics].sort()) {
      const n = topics.numPartitions(topicId);
      for (let p = 0; p < n; p++) {
        if (taken.has(`${topicId}:${p}`)) continue;
        let best: Slot | null = null;
        for (const s of slots) {
          if (s.subscribed.has(topicId) && (best === null || s.partitions.length < best.partitions.length)) best = s;
        }
        if (best !== null) best.partitions.push([topicId, p]);
      }
    }

    balance(slots);

    const out = new Map<string, TopicPartitions>();
    for (const s of slots) {
      const a: TopicPartitions = new Map();
      for (const [t, p] of s.partitions) addPartition(a, t, p);
      out.set(s.memberId, a);
    }
    return out;
  }
}

/** Moves partitions from fuller to emptier members until no move can even them out. */
function balance(slots: Slot[]): void {
  if (slots.length < 2) return;
  for (;;) {
    const desc = [...slots].sort((a, b) => b.partitions.length - a.partitions.length);
    const asc = [...desc].reverse();
    let moved = false;
    for (const from of desc) {
      for (const to of asc) {
        if (to.partitions.length + 1 >= from.partitions.length) break;
        // Give away the most recently added partition the other member can take.
        for (let i = from.partitions.length - 1; i >= 0; i--) {
          const tp = from.partitions[i]!;
          if (!to.subscribed.has(tp[0])) continue;
          from.partitions.splice(i, 1);
          to.partitions.push(tp);
          moved = true;
          break;
        }
        if (moved) break;
      }
      if (moved) break;
    }
    if (!moved) return;
  }
}
