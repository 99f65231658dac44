/**
 * The partitions of a transaction: a set of (topic, partition) kept per topic, in insertion
 * order, which is how `__transaction_state` records them (TransactionLogValue's
 * TransactionPartitions: one entry per topic with its partition ids).
 */

export interface TopicPartition {
  topic: string;
  partition: number;
}

export class TopicPartitionSet {
  private readonly byTopic = new Map<string, Set<number>>();
  private count = 0;

  constructor(partitions: Iterable<TopicPartition> = []) {
    for (const tp of partitions) this.add(tp.topic, tp.partition);
  }

  get size(): number {
    return this.count;
  }

  add(topic: string, partition: number): void {
    let set = this.byTopic.get(topic);
    if (set === undefined) {
      set = new Set();
      this.byTopic.set(topic, set);
    }
    if (!set.has(partition)) {
      set.add(partition);
      this.count++;
    }
  }

  addAll(other: TopicPartitionSet): void {
    for (const tp of other) this.add(tp.topic, tp.partition);
  }

  has(topic: string, partition: number): boolean {
    return this.byTopic.get(topic)?.has(partition) ?? false;
  }

  delete(topic: string, partition: number): boolean {
    const set = this.byTopic.get(topic);
    if (set === undefined || !set.delete(partition)) return false;
    if (set.size === 0) this.byTopic.delete(topic);
    this.count--;
    return true;
  }

  clear(): void {
    this.byTopic.clear();
    this.count = 0;
  }

  /** Every partition of this set is in `other`. */
  subsetOf(other: TopicPartitionSet): boolean {
    if (this.count > other.count) return false;
    for (const tp of this) if (!other.has(tp.topic, tp.partition)) return false;
    return true;
  }

  equals(other: TopicPartitionSet): boolean {
    return this.count === other.count && this.subsetOf(other);
  }

  copy(): TopicPartitionSet {
    const out = new TopicPartitionSet();
    out.addAll(this);
    return out;
  }

  /** Topics with their partitions, in insertion order. */
  topics(): IterableIterator<[string, ReadonlySet<number>]> {
    return this.byTopic.entries();
  }

  *[Symbol.iterator](): IterableIterator<TopicPartition> {
    for (const [topic, partitions] of this.byTopic) {
      for (const partition of partitions) yield { topic, partition };
    }
  }

  toString(): string {
    return `[${[...this].map((tp) => `${tp.topic}-${tp.partition}`).join(', ')}]`;
  }
}
