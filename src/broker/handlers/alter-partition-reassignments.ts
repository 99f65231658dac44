// AlterPartitionReassignments (key 45), versions 0-1 (flexible). Each partition gets a target
// replica list (a reassignment starts: the new replicas catch up by fetching and the
// controller completes it once they are all in the ISR) or null (the ongoing one is
// cancelled), and Kafka's error per partition (src/cluster/reassignment.ts). v1 may forbid
// targets that change a partition's replication factor (INVALID_REPLICATION_FACTOR, KIP-860)
// and echoes that choice. A single node's only possible target is its one broker, which
// already holds every partition.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { ReassignableTopicResponse } from '../../protocol/generated/alter-partition-reassignments-response.js';
import { ErrorCode, errorMessage } from '../../protocol/generated/errors.js';
import { NO_REASSIGNMENT_MESSAGE, replicationFactorProblem, validateTarget } from '../../cluster/reassignment.js';
import { partitionOf, type MetadataStore } from '../../cluster/metadata.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeCluster } from '../authorize.js';
import { defineHandler } from './handler.js';

type Request = { topic: string; partition: number; replicas: readonly number[] | null; allowReplicationFactorChange: boolean };
type Outcome = { topic: string; partition: number; errorCode: number; message: string | null };

export const alterPartitionReassignmentsHandler = defineHandler({
  apiKey: ApiKey.AlterPartitionReassignments,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, info, broker) {
    if (!authorizeCluster(broker, info, AclOperation.Alter)) {
      const message = errorMessage(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
      const responses = request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: message })) }));
      return { throttleTimeMs: 0, allowReplicationFactorChange: info.apiVersion >= 1 ? request.allowReplicationFactorChange : true, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: message, responses };
    }
    const requests: Request[] = [];
    // v0 has no choice: changes are allowed, the field's default.
    const allowReplicationFactorChange = info.apiVersion >= 1 ? request.allowReplicationFactorChange : true;
    for (const t of request.topics) for (const p of t.partitions) requests.push({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas, allowReplicationFactorChange });
    const store = broker.metadata;
    const outcomes = store.alterPartitionReassignments !== undefined ? await store.alterPartitionReassignments(requests) : singleNode(store, requests);
    const byTopic = new Map<string, ReassignableTopicResponse>();
    for (const o of outcomes) {
      let t = byTopic.get(o.topic);
      if (t === undefined) byTopic.set(o.topic, (t = { name: o.topic, partitions: [] }));
      t.partitions.push({ partitionIndex: o.partition, errorCode: o.errorCode, errorMessage: o.message });
    }
    return { throttleTimeMs: 0, allowReplicationFactorChange, errorCode: ErrorCode.NONE, errorMessage: null, responses: [...byTopic.values()] };
  },
});

/** A single node: a valid target can only be its one broker, the partition's replica already. */
function singleNode(store: MetadataStore, requests: readonly Request[]): Outcome[] {
  const registered = new Set(store.brokers().map((b) => b.nodeId));
  return requests.map(({ topic, partition, replicas, allowReplicationFactorChange }) => {
    const p = partitionOf(store.topic(topic), partition);
    if (p === undefined) return { topic, partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `Unable to find partition ${topic}:${partition}.` };
    if (replicas === null) return { topic, partition, errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, message: NO_REASSIGNMENT_MESSAGE };
    const problem = validateTarget(replicas, (id) => registered.has(id)) ?? (allowReplicationFactorChange ? null : replicationFactorProblem(p.replicas, [], replicas));
    return problem === null ? { topic, partition, errorCode: ErrorCode.NONE, message: null } : { topic, partition, ...problem };
  });
}
