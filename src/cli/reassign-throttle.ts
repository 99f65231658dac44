/**
 * `millrace partition reassign --throttle`: the replication throttles kafka-reassign-partitions.sh
 * sets around a reassignment (ReassignPartitionsCommand.modifyReassignmentThrottle) and clears
 * once `--verify` finds every reassignment of the file done (clearAllThrottles):
 *
 *   - topic configs: `leader.replication.throttled.replicas` = every current replica of each
 *     moving partition (`partition:broker`), `follower.replication.throttled.replicas` = each
 *     replica being added;
 *   - broker configs of every broker involved: `leader.replication.throttled.rate` and
 *     `follower.replication.throttled.rate` = the throttle in bytes per second.
 *
 * Clearing deletes the topic configs of the file's topics and the broker-level throttles of
 * every broker of the cluster and of the file, as Kafka's tool does.
 */
import { Admin, ResourceType } from '../client/admin.js';

export const VERIFY_PERIODICALLY = 'Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.';

const BROKER_LEVEL_THROTTLES = ['leader.replication.throttled.rate', 'follower.replication.throttled.rate', 'replica.alter.log.dirs.io.max.bytes.per.second'];
const TOPIC_LEVEL_THROTTLES = ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'];

export interface PartitionMove {
  topic: string;
  partition: number;
  /** The replicas now. */
  sources: readonly number[];
  /** The target replicas. */
  destinations: readonly number[];
}

/** Sets the throttles for `moves`; returns the line Kafka's tool prints. */
export async function setReassignmentThrottle(admin: Admin, moves: readonly PartitionMove[], bytesPerSecond: number): Promise<string> {
  const leader = new Map<string, Set<string>>();
  const follower = new Map<string, Set<string>>();
  const brokers = new Set<number>();
  for (const m of moves) {
    if (!leader.has(m.topic)) leader.set(m.topic, new Set());
    if (!follower.has(m.topic)) follower.set(m.topic, new Set());
    for (const b of m.sources) leader.get(m.topic)!.add(`${m.partition}:${b}`);
    for (const b of m.destinations) if (!m.sources.includes(b)) follower.get(m.topic)!.add(`${m.partition}:${b}`);
    for (const b of [...m.sources, ...m.destinations]) brokers.add(b);
  }
  for (const topic of leader.keys()) {
    // Kafka's TreeSet of strings: sorted as strings.
    await admin.alterConfigs(ResourceType.TOPIC, topic, {
      'leader.replication.throttled.replicas': [...leader.get(topic)!].sort().join(','),
      'follower.replication.throttled.replicas': [...follower.get(topic)!].sort().join(','),
    }, []);
  }
  for (const id of [...brokers].sort((a, b) => a - b)) {
    await admin.alterConfigs(ResourceType.BROKER, String(id), {
      'leader.replication.throttled.rate': String(bytesPerSecond),
      'follower.replication.throttled.rate': String(bytesPerSecond),
    }, []);
  }
  return `The inter-broker throttle limit was set to ${bytesPerSecond} B/s\n`;
}

/** Removes every reassignment throttle (Kafka's clearAllThrottles); returns the lines Kafka's tool prints. */
export async function clearAllThrottles(admin: Admin, targets: ReadonlyArray<{ topic: string; replicas: readonly number[] }>): Promise<string> {
  const brokers = new Set((await admin.describeCluster()).brokers.map((b) => b.id));
  for (const t of targets) for (const b of t.replicas) brokers.add(b);
  const ids = [...brokers].sort((a, b) => a - b);
  for (const id of ids) await admin.alterConfigs(ResourceType.BROKER, String(id), {}, BROKER_LEVEL_THROTTLES);
  const topics = [...new Set(targets.map((t) => t.topic))].sort();
  for (const topic of topics) await admin.alterConfigs(ResourceType.TOPIC, topic, {}, TOPIC_LEVEL_THROTTLES);
  // Kafka's tool prints the status list with a line break of its own and println: a blank line before these.
  return `\nClearing broker-level throttles on broker${ids.length === 1 ? '' : 's'} ${ids.join(',')}\n`
    + `Clearing topic-level throttles on topic${topics.length === 1 ? '' : 's'} ${topics.join(',')}\n`;
}
