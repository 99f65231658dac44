/**
 * Partition administration over the internal client: leader elections (ElectLeaders) and
 * reassignments (AlterPartitionReassignments, ListPartitionReassignments). Each
 * partition's outcome is returned, not thrown, as Kafka's Admin.electLeaders reports them;
 * a request-level error throws a KafkaResponseError.
 */
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode, errorInfo } from '../protocol/generated/errors.js';
import type { KafkaClient } from './client.js';
import { throwIfError } from './errors.js';
import type { OngoingReassignment } from '../common/partition-reassignment.js';

/** Kafka's ElectionType. */
export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;

export interface ElectionOutcome {
  topic: string;
  partition: number;
  /** Kafka's error name (`ELECTION_NOT_NEEDED`), null when a leader was elected. */
  error: string | null;
  message: string | null;
}

/** Elects leaders of the given partitions, or of every partition when `partitions` is null. */
export async function electLeaders(client: KafkaClient, type: number, partitions: ReadonlyArray<{ topic: string; partition: number }> | null, timeoutMs = 30_000): Promise<ElectionOutcome[]> {
  let topicPartitions: Array<{ topic: string; partitions: number[] }> | null = null;
  if (partitions !== null) {
    topicPartitions = [...byTopicOf(partitions)].map(([topic, list]) => ({ topic, partitions: list }));
  }
  const r = await client.request(ApiKey.ElectLeaders, { electionType: type, topicPartitions, timeoutMs });
  throwIfError(r.errorCode, 'electing leaders');
  const out: ElectionOutcome[] = [];
  for (const t of r.replicaElectionResults) {
    for (const p of t.partitionResult) {
      const error = p.errorCode === ErrorCode.NONE ? null : (errorInfo(p.errorCode)?.name ?? `error code ${p.errorCode}`);
      out.push({ topic: t.topic, partition: p.partitionId, error, message: p.errorMessage });
    }
  }
  return out.sort(byPartition);
}

export interface ReassignmentOutcome {
  topic: string;
  partition: number;
  /** Kafka's error name, null when accepted. */
  error: string | null;
  message: string | null;
}

/** Starts reassignments (target replicas) or cancels them (null), per partition. */
export async function alterPartitionReassignments(client: KafkaClient, requests: ReadonlyArray<{ topic: string; partition: number; replicas: number[] | null }>, timeoutMs = 30_000): Promise<ReassignmentOutcome[]> {
  const byTopic = new Map<string, Array<{ partitionIndex: number; replicas: number[] | null }>>();
  for (const r of requests) {
    let list = byTopic.get(r.topic);
    if (list === undefined) byTopic.set(r.topic, (list = []));
    list.push({ partitionIndex: r.partition, replicas: r.replicas });
  }
  const res = await client.request(ApiKey.AlterPartitionReassignments, { timeoutMs, allowReplicationFactorChange: true, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) });
  throwIfError(res.errorCode, 'reassigning partitions', res.errorMessage);
  const out: ReassignmentOutcome[] = [];
  for (const t of res.responses) {
    for (const p of t.partitions) {
      out.push({ topic: t.name, partition: p.partitionIndex, error: p.errorCode === ErrorCode.NONE ? null : (errorInfo(p.errorCode)?.name ?? `error code ${p.errorCode}`), message: p.errorMessage });
    }
  }
  return out.sort(byPartition);
}

/** The ongoing reassignments of the given partitions, or of all when null. */
export async function listPartitionReassignments(client: KafkaClient, partitions: ReadonlyArray<{ topic: string; partition: number }> | null, timeoutMs = 30_000): Promise<OngoingReassignment[]> {
  let topics: Array<{ name: string; partitionIndexes: number[] }> | null = null;
  if (partitions !== null) {
    topics = [...byTopicOf(partitions)].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
  }
  const res = await client.request(ApiKey.ListPartitionReassignments, { timeoutMs, topics });
  throwIfError(res.errorCode, 'listing partition reassignments', res.errorMessage);
  const out: OngoingReassignment[] = [];
  for (const t of res.topics) for (const p of t.partitions) out.push({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas, addingReplicas: p.addingReplicas, removingReplicas: p.removingReplicas });
  return out.sort(byPartition);
}

function byPartition(a: { topic: string; partition: number }, b: { topic: string; partition: number }): number {
  return a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1;
}

/** Partition numbers by topic, in the order the topics first appear. */
function byTopicOf(partitions: ReadonlyArray<{ topic: string; partition: number }>): Map<string, number[]> {
  const byTopic = new Map<string, number[]>();
  for (const p of partitions) {
    let list = byTopic.get(p.topic);
    if (list === undefined) byTopic.set(p.topic, (list = []));
    list.push(p.partition);
  }
  return byTopic;
}
