/**
 * Transactional offsets (TxnOffsetCommit) not yet committed or aborted, by producer id (Kafka's
 * OffsetMetadataManager.pendingTransactionalOffsets), with the producers that have offsets
 * pending in each group (openTransactionsByGroup), so that the checks a plain commit, an
 * OffsetFetch or the expiry make per group stay cheap.
 */
import type { OffsetAndMetadata } from './records.js';

export interface PendingOffset {
  group: string;
  topic: string;
  partition: number;
  value: OffsetAndMetadata;
}

function key(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}

export class PendingTxnOffsets {
  /** producer id → group → `partition:topic` → offset. */
  private readonly byProducer = new Map<number, Map<string, Map<string, PendingOffset>>>();
  private readonly openByGroup = new Map<string, Set<number>>();

  /** Producers with offsets pending. */
  get size(): number {
    return this.byProducer.size;
  }

  add(producerId: number, offset: PendingOffset): void {
    let groups = this.byProducer.get(producerId);
    if (groups === undefined) {
      groups = new Map();
      this.byProducer.set(producerId, groups);
    }
    let offsets = groups.get(offset.group);
    if (offsets === undefined) {
      offsets = new Map();
      groups.set(offset.group, offsets);
    }
    offsets.set(key(offset.topic, offset.partition), offset);
    let open = this.openByGroup.get(offset.group);
    if (open === undefined) {
      open = new Set();
      this.openByGroup.set(offset.group, open);
    }
    open.add(producerId);
  }

  /** Removes and returns the producer's pending offsets of the groups `owns` accepts. */
  take(producerId: number, owns: (groupId: string) => boolean): PendingOffset[] {
    const groups = this.byProducer.get(producerId);
    if (groups === undefined) return [];
    const out: PendingOffset[] = [];
    for (const [group, offsets] of groups) {
      if (!owns(group)) continue;
      for (const o of offsets.values()) out.push(o);
      groups.delete(group);
      this.close(group, producerId);
    }
    if (groups.size === 0) this.byProducer.delete(producerId);
    return out;
  }

  /** True when an open transaction has an offset for the partition. */
  has(group: string, topic: string, partition: number): boolean {
    const open = this.openByGroup.get(group);
    if (open === undefined) return false;
    const k = key(topic, partition);
    for (const producerId of open) if (this.byProducer.get(producerId)?.get(group)?.has(k) === true) return true;
    return false;
  }

  /** True when an open transaction has offsets in the group. */
  hasGroup(group: string): boolean {
    return this.openByGroup.has(group);
  }

  /** Drops every open transaction's offset for the partition. */
  drop(group: string, topic: string, partition: number): void {
    const open = this.openByGroup.get(group);
    if (open === undefined) return;
    const k = key(topic, partition);
    for (const producerId of [...open]) {
      const groups = this.byProducer.get(producerId);
      const offsets = groups?.get(group);
      if (offsets === undefined || !offsets.delete(k) || offsets.size > 0) continue;
      groups!.delete(group);
      if (groups!.size === 0) this.byProducer.delete(producerId);
      this.close(group, producerId);
    }
  }

  /** Forgets every open transaction's offsets of the groups `owns` accepts. */
  removeGroups(owns: (groupId: string) => boolean): void {
    for (const group of [...this.openByGroup.keys()]) {
      if (!owns(group)) continue;
      for (const producerId of [...this.openByGroup.get(group)!]) {
        const groups = this.byProducer.get(producerId);
        groups?.delete(group);
        if (groups !== undefined && groups.size === 0) this.byProducer.delete(producerId);
      }
      this.openByGroup.delete(group);
    }
  }

  private close(group: string, producerId: number): void {
    const open = this.openByGroup.get(group);
    if (open === undefined) return;
    open.delete(producerId);
    if (open.size === 0) this.openByGroup.delete(group);
  }
}
