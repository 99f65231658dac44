/**
 * A KIP-848 consumer group's state (Kafka's ConsumerGroup): the group epoch (bumped whenever
 * what the assignment depends on changes), the target assignment and the epoch it was
 * computed for, the members with their current assignments, which member epoch holds each
 * partition, and the subscribed topics' metadata the target was computed from.
 *
 * The state changes only by replaying records (consumer-group-replay.ts), the same way for a
 * heartbeat's records and for those loaded at start-up.
 *
 *   Empty ──member joins──▶ Assigning (group epoch > target epoch)
 *                              │ new target computed
 *                              ▼
 *                           Reconciling (some member not yet at the target) ──▶ Stable
 */
import type { TopicPartitions } from './assignment.js';
import type { ConsumerMember } from './consumer-member.js';
import type { TopicMetadata } from './consumer-records.js';

export const enum ConsumerGroupState {
  Empty = 0,
  Assigning = 1,
  Reconciling = 2,
  Stable = 3,
  Dead = 4,
}

/** State names as Kafka writes them (ConsumerGroupState.toString). */
const STATE_NAMES: readonly string[] = ['Empty', 'Assigning', 'Reconciling', 'Stable', 'Dead'];

export const CONSUMER_GROUP_TYPE = 'consumer';

export class ConsumerGroup {
  readonly groupId: string;
  groupEpoch = 0;
  assignmentEpoch = 0;
  /** When the target assignment was computed (ms), for the assignment interval; 0 when never. */
  assignmentTimestamp = 0;
  state = ConsumerGroupState.Empty;
  readonly members = new Map<string, ConsumerMember>();
  /** instance id → member id. */
  readonly staticMembers = new Map<string, string>();
  /** member id → target partitions. */
  readonly targetAssignment = new Map<string, TopicPartitions>();
  /** topic id → partition → epoch of the member that holds it (assigned or revoking). */
  private readonly partitionEpochs = new Map<string, Map<number, number>>();
  /** topic name → metadata, as of the last target assignment. */
  subscriptionMetadata = new Map<string, TopicMetadata>();

  constructor(groupId: string) {
    this.groupId = groupId;
  }

  get stateName(): string {
    return STATE_NAMES[this.state]!;
  }

  get size(): number {
    return this.members.size;
  }

  get isEmpty(): boolean {
    return this.members.size === 0;
  }

  staticMember(instanceId: string): ConsumerMember | undefined {
    const memberId = this.staticMembers.get(instanceId);
    return memberId === undefined ? undefined : this.members.get(memberId);
  }

  /** Epoch of the member holding the partition, -1 when nobody does. */
  currentPartitionEpoch(topicId: string, partition: number): number {
    return this.partitionEpochs.get(topicId)?.get(partition) ?? -1;
  }

  targetOf(memberId: string): TopicPartitions {
    return this.targetAssignment.get(memberId) ?? new Map();
  }

  /** Adds or replaces a member, keeping the static member index and partition epochs in step. */
  putMember(member: ConsumerMember): void {
    const old = this.members.get(member.memberId);
    if (old !== undefined) {
      this.releasePartitions(old);
      if (old.instanceId !== null && old.instanceId !== member.instanceId && this.staticMembers.get(old.instanceId) === old.memberId) {
        this.staticMembers.delete(old.instanceId);
      }
    }
    this.members.set(member.memberId, member);
    if (member.instanceId !== null) this.staticMembers.set(member.instanceId, member.memberId);
    this.holdPartitions(member);
  }

  removeMember(memberId: string): void {
    const old = this.members.get(memberId);
    if (old === undefined) return;
    this.releasePartitions(old);
    this.members.delete(memberId);
    if (old.instanceId !== null && this.staticMembers.get(old.instanceId) === memberId) this.staticMembers.delete(old.instanceId);
  }

  private holdPartitions(m: ConsumerMember): void {
    for (const a of [m.assignedPartitions, m.partitionsPendingRevocation]) {
      for (const [topicId, ps] of a) {
        let epochs = this.partitionEpochs.get(topicId);
        if (epochs === undefined) this.partitionEpochs.set(topicId, (epochs = new Map()));
        for (const p of ps) epochs.set(p, m.memberEpoch);
      }
    }
  }

  private releasePartitions(m: ConsumerMember): void {
    for (const a of [m.assignedPartitions, m.partitionsPendingRevocation]) {
      for (const [topicId, ps] of a) {
        const epochs = this.partitionEpochs.get(topicId);
        if (epochs === undefined) continue;
        for (const p of ps) if (epochs.get(p) === m.memberEpoch) epochs.delete(p);
        if (epochs.size === 0) this.partitionEpochs.delete(topicId);
      }
    }
  }

  /** Kafka's maybeUpdateGroupState. */
  updateState(): void {
    if (this.members.size === 0) this.state = ConsumerGroupState.Empty;
    else if (this.groupEpoch > this.assignmentEpoch) this.state = ConsumerGroupState.Assigning;
    else {
      this.state = ConsumerGroupState.Stable;
      for (const m of this.members.values()) {
        if (!m.isReconciledTo(this.assignmentEpoch)) {
          this.state = ConsumerGroupState.Reconciling;
          break;
        }
      }
    }
  }

  /** Topic names the members subscribe to by name, with how many members name each. */
  subscribedTopicNameCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const m of this.members.values()) for (const t of m.subscribedTopicNames) out.set(t, (out.get(t) ?? 0) + 1);
    return out;
  }

  /** The server assignor most members ask for (ties: the name first in order), or null when none asks. */
  preferredServerAssignor(replacing: ConsumerMember | null, updated: ConsumerMember | null): string | null {
    const counts = new Map<string, number>();
    for (const m of this.members.values()) {
      if (replacing !== null && m.memberId === replacing.memberId) continue;
      if (m.serverAssignor !== null) counts.set(m.serverAssignor, (counts.get(m.serverAssignor) ?? 0) + 1);
    }
    if (updated !== null && updated.serverAssignor !== null) counts.set(updated.serverAssignor, (counts.get(updated.serverAssignor) ?? 0) + 1);
    let best: string | null = null;
    let bestCount = 0;
    for (const [name, n] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (n > bestCount) {
        best = name;
        bestCount = n;
      }
    }
    return best;
  }

  /** Whether any member consumes `topic`: by name, or through a regular expression (in the subscription metadata). */
  isSubscribedToTopic(topic: string): boolean {
    if (this.subscriptionMetadata.has(topic)) return true;
    for (const m of this.members.values()) if (m.subscribedTopicNames.includes(topic)) return true;
    return false;
  }
}
