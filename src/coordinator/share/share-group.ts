/**
 * A share group's membership state (KIP-932, Kafka's ShareGroup and ShareGroupMember): the
 * group epoch (bumped whenever what the assignment depends on changes: members, their
 * subscriptions, the subscribed topics' partitions), the target assignment and the epoch it
 * was computed for, and the members with what they were given. Share group members never
 * revoke — several may hold a partition at once — so a member takes its target at once.
 *
 * The state changes only by replaying records (ShareGroupManager.replay), the same way for a
 * heartbeat's records and for those loaded at start-up.
 */
import type { TopicPartitions } from '../group/consumer/assignment.js';
import type { ShareStatePartitions } from './share-group-records.js';

export const SHARE_GROUP_TYPE = 'share';

/** Kafka's ShareGroup.ShareGroupState. */
export const enum ShareGroupState {
  Empty = 0,
  Stable = 1,
  Dead = 2,
}

const STATE_NAMES: readonly string[] = ['Empty', 'Stable', 'Dead'];

/** MemberState STABLE, the only state a share group member is in. */
export const SHARE_MEMBER_STATE_STABLE = 0;

export interface ShareMember {
  readonly memberId: string;
  readonly rackId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly subscribedTopicNames: readonly string[];
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly assignedPartitions: TopicPartitions;
}

export function newShareMember(memberId: string): ShareMember {
  return { memberId, rackId: null, clientId: '', clientHost: '', subscribedTopicNames: [], memberEpoch: 0, previousMemberEpoch: 0, assignedPartitions: new Map() };
}

export class ShareGroup {
  readonly groupId: string;
  groupEpoch = 0;
  /** A digest of the subscribed topics' metadata (ids and partition counts) the group epoch last saw. */
  metadataHash = 0n;
  assignmentEpoch = 0;
  /** When the target assignment was computed (ms), for the assignment interval; 0 when never. */
  assignmentTimestamp = 0;
  readonly members = new Map<string, ShareMember>();
  /** member id → target partitions. */
  readonly targetAssignment = new Map<string, TopicPartitions>();
  /** Its ShareGroupStatePartitionMetadata: the share-partitions with state; null before the first. */
  statePartitions: ShareStatePartitions | null = null;

  constructor(groupId: string) {
    this.groupId = groupId;
  }

  get state(): ShareGroupState {
    return this.members.size === 0 ? ShareGroupState.Empty : ShareGroupState.Stable;
  }

  get stateName(): string {
    return STATE_NAMES[this.state]!;
  }

  targetOf(memberId: string): TopicPartitions {
    return this.targetAssignment.get(memberId) ?? new Map();
  }

  /** Topic names any member subscribes to, sorted. */
  subscribedTopicNames(): string[] {
    const names = new Set<string>();
    for (const m of this.members.values()) for (const t of m.subscribedTopicNames) names.add(t);
    return [...names].sort();
  }
}
