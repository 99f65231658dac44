/**
 * The range assignor (Kafka's server-side RangeAssignor): for each topic, the members
 * subscribed to it, in member order, get consecutive ranges of its partitions — the first
 * `partitions % members` of them one more than the rest. Topics with the same partition
 * count and the same subscribers are therefore co-partitioned: a member gets the same
 * partition numbers of each (what joins of keyed topics need).
 *
 * The ranges depend only on the members and the partition counts, so an unchanged group
 * gets the same assignment every time. Kafka 4.0's RangeAssignor also keeps a member's
 * previous partitions when its share allows; this one recomputes the ranges instead (a
 * member joining or leaving may move more partitions than Kafka would).
 */
import { addPartition, type TopicPartitions } from '../assignment.js';
import type { ConsumerGroupAssignor, GroupSpec, TopicDescriber } from './assignor.js';

export class RangeAssignor implements ConsumerGroupAssignor {
  readonly name = 'range';

  assign(group: GroupSpec, topics: TopicDescriber): Map<string, TopicPartitions> {
    const out = new Map<string, TopicPartitions>();
    for (const memberId of group.members.keys()) out.set(memberId, new Map());

    const byTopic = new Map<string, string[]>();
    for (const [memberId, spec] of group.members) {
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
