/**
 * Server-side assignors (KIP-848's ConsumerGroupPartitionAssignor): given each member's
 * subscribed topics and its current target partitions, compute the new target assignment.
 * Topics are identified by their ids; the describer gives their partition counts.
 */
import type { TopicPartitions } from '../assignment.js';

export interface MemberSpec {
  /** Subscribed topic ids that exist. */
  subscribedTopicIds: ReadonlySet<string>;
  rackId: string | null;
  /** The static member's instance id (the range assignor orders by it), else null. */
  instanceId: string | null;
  /** The member's partitions in the previous target assignment (what stickiness keeps). */
  assignment: TopicPartitions;
}

export interface GroupSpec {
  /** Member id → spec; the map's order is the assignor's member order (sorted ids). */
  members: ReadonlyMap<string, MemberSpec>;
  /** True when every member subscribes to the same topics. */
  homogeneous: boolean;
}

export interface TopicDescriber {
  /** Partition count of a topic id, -1 when the topic does not exist. */
  numPartitions(topicId: string): number;
}

export interface ConsumerGroupAssignor {
  readonly name: string;
  assign(group: GroupSpec, topics: TopicDescriber): Map<string, TopicPartitions>;
}
