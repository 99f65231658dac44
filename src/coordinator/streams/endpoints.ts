/**
 * What interactive queries need (Kafka's EndpointToPartitionsManager): for every member with
 * a user endpoint, the input partitions of the tasks it holds — active ones, and standby and
 * warm-up ones — so a Kafka Streams instance knows which instance to ask for a key. A task
 * reads partition p of each of its subtopology's source and repartition source topics that
 * has that many partitions.
 */
import type { ConfiguredTopology } from './configured-topology.js';
import type { StreamsGroup } from './streams-group.js';
import type { Endpoint } from './streams-member.js';
import type { TaskSet } from './tasks.js';

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export interface EndpointToPartitions {
  userEndpoint: Endpoint;
  activePartitions: TopicPartitions[];
  standbyPartitions: TopicPartitions[];
}

export function endpointToPartitions(group: StreamsGroup, configured: ConfiguredTopology | null): EndpointToPartitions[] {
  const out: EndpointToPartitions[] = [];
  const subs = configured?.subtopologies ?? null;
  for (const memberId of [...group.members.keys()].sort()) {
    const m = group.members.get(memberId)!;
    if (m.userEndpoint === null) continue;
    const active = new Map<string, Set<number>>();
    const standby = new Map<string, Set<number>>();
    if (subs !== null) {
      collect(m.assignedTasks.active, subs, active);
      collect(m.assignedTasks.standby, subs, standby);
      collect(m.assignedTasks.warmup, subs, standby);
    }
    out.push({ userEndpoint: { host: m.userEndpoint.host, port: m.userEndpoint.port }, activePartitions: sorted(active), standbyPartitions: sorted(standby) });
  }
  return out;
}

function collect(tasks: ReadonlyMap<string, { keys(): Iterable<number> }> | TaskSet, subs: NonNullable<ConfiguredTopology['subtopologies']>, out: Map<string, Set<number>>): void {
  for (const [id, ps] of tasks) {
    const s = subs.get(id);
    if (s === undefined) continue;
    const topics: Array<[string, number]> = [...s.sourceTopics, ...s.repartitionSourceTopics];
    for (const p of ps.keys()) {
      for (const [topic, count] of topics) {
        // A topic with fewer partitions than the subtopology has tasks has no partition p.
        if (p >= count) continue;
        let set = out.get(topic);
        if (set === undefined) out.set(topic, (set = new Set()));
        set.add(p);
      }
    }
  }
}

function sorted(m: Map<string, Set<number>>): TopicPartitions[] {
  return [...m.keys()].sort().map((topic) => ({ topic, partitions: [...m.get(topic)!].sort((a, b) => a - b) }));
}
