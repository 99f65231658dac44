/**
 * One member of a KIP-848 consumer group (Kafka's ConsumerGroupMember): who it is (member
 * id, instance id, rack, client), what it subscribes to (topic names and/or a regular
 * expression) and with which server assignor, and where its reconciliation stands — its
 * epoch and the previous one, its state, the partitions it owns and those it must revoke.
 *
 * A member is changed by building a copy (`with`), so the heartbeat can compare the member
 * before and after and write a record only for what changed.
 */
import { copyAssignment, type TopicPartitions } from './assignment.js';

/** Kafka's MemberState, with the byte each state is written as in CurrentMemberAssignment. */
export const enum MemberState {
  Stable = 0,
  UnrevokedPartitions = 1,
  UnreleasedPartitions = 2,
  Unknown = 127,
}

export function memberStateName(state: MemberState): string {
  switch (state) {
    case MemberState.Stable:
      return 'stable';
    case MemberState.UnrevokedPartitions:
      return 'unrevoked_partitions';
    case MemberState.UnreleasedPartitions:
      return 'unreleased_partitions';
    default:
      return 'unknown';
  }
}

/** Epoch sent by a dynamic member leaving, and by the coordinator for a member removed. */
export const LEAVE_GROUP_MEMBER_EPOCH = -1;
/** Epoch sent by a static member leaving temporarily (it keeps its partitions until its session ends). */
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;

/** A classic member (JoinGroup with the consumer protocol) inside a consumer group. */
export interface ClassicMemberMetadata {
  sessionTimeoutMs: number;
  supportedProtocols: Array<{ name: string; metadata: Buffer }>;
}

export interface ConsumerMemberFields {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  rebalanceTimeoutMs: number;
  serverAssignor: string | null;
  memberEpoch: number;
  previousMemberEpoch: number;
  state: MemberState;
  assignedPartitions: TopicPartitions;
  partitionsPendingRevocation: TopicPartitions;
  classicMemberMetadata: ClassicMemberMetadata | null;
}

export class ConsumerMember implements ConsumerMemberFields {
  readonly memberId: string;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly subscribedTopicNames: string[];
  readonly subscribedTopicRegex: string | null;
  readonly rebalanceTimeoutMs: number;
  readonly serverAssignor: string | null;
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly state: MemberState;
  readonly assignedPartitions: TopicPartitions;
  readonly partitionsPendingRevocation: TopicPartitions;
  readonly classicMemberMetadata: ClassicMemberMetadata | null;

  constructor(f: ConsumerMemberFields) {
    this.memberId = f.memberId;
    this.instanceId = f.instanceId;
    this.rackId = f.rackId;
    this.clientId = f.clientId;
    this.clientHost = f.clientHost;
    this.subscribedTopicNames = f.subscribedTopicNames;
    this.subscribedTopicRegex = f.subscribedTopicRegex;
    this.rebalanceTimeoutMs = f.rebalanceTimeoutMs;
    this.serverAssignor = f.serverAssignor;
    this.memberEpoch = f.memberEpoch;
    this.previousMemberEpoch = f.previousMemberEpoch;
    this.state = f.state;
    this.assignedPartitions = f.assignedPartitions;
    this.partitionsPendingRevocation = f.partitionsPendingRevocation;
    this.classicMemberMetadata = f.classicMemberMetadata;
  }

  /** A member that has just been created: epoch 0, nothing assigned. */
  static create(memberId: string): ConsumerMember {
    return new ConsumerMember({
      memberId, instanceId: null, rackId: null, clientId: '', clientHost: '', subscribedTopicNames: [], subscribedTopicRegex: null,
      rebalanceTimeoutMs: -1, serverAssignor: null, memberEpoch: 0, previousMemberEpoch: 0, state: MemberState.Stable,
      assignedPartitions: new Map(), partitionsPendingRevocation: new Map(), classicMemberMetadata: null,
    });
  }

  /** A copy with some fields replaced. */
  with(changes: Partial<ConsumerMemberFields>): ConsumerMember {
    return new ConsumerMember({ ...this.fields(), ...changes });
  }

  fields(): ConsumerMemberFields {
    return {
      memberId: this.memberId, instanceId: this.instanceId, rackId: this.rackId, clientId: this.clientId, clientHost: this.clientHost,
      subscribedTopicNames: this.subscribedTopicNames, subscribedTopicRegex: this.subscribedTopicRegex, rebalanceTimeoutMs: this.rebalanceTimeoutMs,
      serverAssignor: this.serverAssignor, memberEpoch: this.memberEpoch, previousMemberEpoch: this.previousMemberEpoch, state: this.state,
      assignedPartitions: copyAssignment(this.assignedPartitions), partitionsPendingRevocation: copyAssignment(this.partitionsPendingRevocation),
      classicMemberMetadata: this.classicMemberMetadata,
    };
  }

  /** Moves to `epoch`, remembering the current one as the previous epoch. */
  withEpoch(epoch: number, state: MemberState, assigned: TopicPartitions, pendingRevocation: TopicPartitions): ConsumerMember {
    return this.with({ previousMemberEpoch: this.memberEpoch, memberEpoch: epoch, state, assignedPartitions: assigned, partitionsPendingRevocation: pendingRevocation });
  }

  get isStatic(): boolean {
    return this.instanceId !== null;
  }

  get useClassicProtocol(): boolean {
    return this.classicMemberMetadata !== null;
  }

  /** Stable at the target epoch: nothing left to reconcile. */
  isReconciledTo(targetEpoch: number): boolean {
    return this.state === MemberState.Stable && this.memberEpoch === targetEpoch;
  }

  /** Whether the subscription-related fields (what the target assignment depends on) differ. */
  subscriptionDiffers(other: ConsumerMember): boolean {
    return (
      this.rackId !== other.rackId ||
      this.subscribedTopicRegex !== other.subscribedTopicRegex ||
      this.serverAssignor !== other.serverAssignor ||
      !sameNames(this.subscribedTopicNames, other.subscribedTopicNames)
    );
  }

  /** Whether anything the member metadata record holds differs. */
  metadataDiffers(other: ConsumerMember): boolean {
    return (
      this.subscriptionDiffers(other) ||
      this.instanceId !== other.instanceId ||
      this.clientId !== other.clientId ||
      this.clientHost !== other.clientHost ||
      this.rebalanceTimeoutMs !== other.rebalanceTimeoutMs ||
      (this.classicMemberMetadata?.sessionTimeoutMs ?? null) !== (other.classicMemberMetadata?.sessionTimeoutMs ?? null) ||
      !sameProtocols(this.classicMemberMetadata, other.classicMemberMetadata)
    );
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  for (const n of b) if (!set.has(n)) return false;
  return true;
}

function sameProtocols(a: ClassicMemberMetadata | null, b: ClassicMemberMetadata | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.supportedProtocols.length !== b.supportedProtocols.length) return false;
  return a.supportedProtocols.every((p, i) => p.name === b.supportedProtocols[i]!.name && p.metadata.equals(b.supportedProtocols[i]!.metadata));
}

