/**
 * The range assignor (Kafka's server-side RangeAssignor): for each topic, the members
 * subscribed to it, in member order, get consecutive ranges of its partitions — the first
 * `partitions % members` of them one more than the rest. Topics with the same partition
 * count and the same subscribers are therefore co-partitioned: a member gets the same
 * partition numbers of each (what joins of keyed topics need).
 *
 * Members are ordered as Kafka's RangeAssignor orders them: static members first by instance
 * id (so that a rolling bounce, which gives them new member ids, keeps their ranges), then
 * dynamic members by member id. The ranges depend only on that order and the partition
 * counts; like Kafka's, this assignor does not try to keep previous partitions otherwise.
 */
import { addPartition, type TopicPartitions } from '../assignment.js';
import type { ConsumerGroupAssignor, GroupSpec, TopicDescriber } from './assignor.js';

export class RangeAssignor implements ConsumerGroupAssignor {
  readonly name = 'range';

  assign(group: GroupSpec, topics: TopicDescriber): Map<string, TopicPartitions> {
    const out = new Map<string, TopicPartitions>();
    const ordered = [...group.members.keys()].sort((a, b) => compareMembers(a, group.members.get(a)!.instanceId, b, group.members.get(b)!.instanceId));
    for (const memberId of ordered) out.set(memberId, new Map());

    const byTopic = new Map<string, string[]>();
    for (const memberId of ordered) {
      const spec = group.members.get(memberId)!;
      for (const topicId of spec.subscribedTopicIds) {
        let list = byTopic.get(topicId);
        if (list === undefined) byTopic.set(topicId, (list = []));
        list.push(memberId);
      }
    }

    for (const topicId of [...byTopic.keys()].sort()) {
      const members = byTopic.get(topicId)!;
      const n = topics.numPartitions(topicId);
      if (n <= 0) continue;
      const base = Math.floor(n / members.length);
      const extra = n % members.length;
      members.forEach((memberId, i) => {
        const start = i * base + Math.min(i, extra);
        const count = base + (i < extra ? 1 : 0);
        const a = out.get(memberId)!;
        for (let p = start; p < start + count; p++) addPartition(a, topicId, p);
      });
    }
    return out;
  }
}

/** Static members (by instance id) before dynamic ones (by member id). */
function compareMembers(a: string, ia: string | null, b: string, ib: string | null): number {
  if (ia !== null && ib !== null) return ia < ib ? -1 : ia > ib ? 1 : 0;
  if (ia !== null) return -1;
  if (ib !== null) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
