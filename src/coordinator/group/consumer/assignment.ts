/**
 * Partitions by topic, as KIP-848 groups keep them: topic id (32 hex digits, the Uuid's
 * bytes) → partition numbers. Members' current assignments, partitions pending revocation
 * and target assignments are all of this shape; these helpers compare, copy and convert them
 * to and from the wire's `{ topicId, partitions }` lists.
 */

/** Topic id (hex) → partitions. Empty sets are never kept. */
export type TopicPartitions = Map<string, Set<number>>;

export interface WireTopicPartitions {
  topicId: Buffer;
  partitions: number[];
}

export const EMPTY_ASSIGNMENT: TopicPartitions = new Map();

export function topicIdHex(id: Buffer): string {
  return id.toString('hex');
}

export function topicIdBytes(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}

export function copyAssignment(a: TopicPartitions): TopicPartitions {
  const out: TopicPartitions = new Map();
  for (const [t, ps] of a) if (ps.size > 0) out.set(t, new Set(ps));
  return out;
}

export function assignmentSize(a: TopicPartitions): number {
  let n = 0;
  for (const ps of a.values()) n += ps.size;
  return n;
}

export function assignmentsEqual(a: TopicPartitions, b: TopicPartitions): boolean {
  if (a.size !== b.size) return false;
  for (const [t, ps] of a) {
    const other = b.get(t);
    if (other === undefined || other.size !== ps.size) return false;
    for (const p of ps) if (!other.has(p)) return false;
  }
  return true;
}

export function addPartition(a: TopicPartitions, topicId: string, partition: number): void {
  let ps = a.get(topicId);
  if (ps === undefined) {
    ps = new Set();
    a.set(topicId, ps);
  }
  ps.add(partition);
}

export function hasPartition(a: TopicPartitions, topicId: string, partition: number): boolean {
  return a.get(topicId)?.has(partition) ?? false;
}

/** Reads a wire list (duplicate topics merge). */
export function fromWire(list: readonly WireTopicPartitions[]): TopicPartitions {
  const out: TopicPartitions = new Map();
  for (const tp of list) for (const p of tp.partitions) addPartition(out, topicIdHex(tp.topicId), p);
  return out;
}

/** The wire list, topics and partitions in ascending order so responses and records are stable. */
export function toWire(a: TopicPartitions): WireTopicPartitions[] {
  const out: WireTopicPartitions[] = [];
  for (const t of [...a.keys()].sort()) {
    const ps = a.get(t)!;
    if (ps.size === 0) continue;
    out.push({ topicId: topicIdBytes(t), partitions: [...ps].sort((x, y) => x - y) });
  }
  return out;
}

/** Whether every owned partition is in `a` (Kafka's isSubset for the previous-epoch check). */
export function isSubset(owned: readonly WireTopicPartitions[] | null, a: TopicPartitions): boolean {
  if (owned === null) return false;
  for (const tp of owned) {
    const ps = a.get(topicIdHex(tp.topicId));
    for (const p of tp.partitions) if (ps === undefined || !ps.has(p)) return false;
  }
  return true;
}
