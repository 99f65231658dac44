// ListPartitionReassignments (key 46), version 0 (flexible): the ongoing reassignments of the
// named partitions, or of all with a null topic list, with their replicas and the replicas
// being added and removed. Partitions unknown or not being reassigned are left out, as in
// Kafka. A single node never has one.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { OngoingTopicReassignment } from '../../protocol/generated/list-partition-reassignments-response.js';
import { ErrorCode, errorMessage } from '../../protocol/generated/errors.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeCluster } from '../authorize.js';
import { defineHandler } from './handler.js';

export const listPartitionReassignmentsHandler = defineHandler({
  apiKey: ApiKey.ListPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  handle(request, info, broker) {
    if (!authorizeCluster(broker, info, AclOperation.Describe)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: errorMessage(ErrorCode.CLUSTER_AUTHORIZATION_FAILED), topics: [] };
    }
    let refs: Array<{ topic: string; partition: number }> | null = null;
    if (request.topics !== null) {
      refs = [];
      for (const t of request.topics) for (const partition of t.partitionIndexes) refs.push({ topic: t.name, partition });
    }
    const ongoing = broker.metadata.listPartitionReassignments?.(refs) ?? [];
    const byTopic = new Map<string, OngoingTopicReassignment>();
    for (const o of ongoing) {
      let t = byTopic.get(o.topic);
      if (t === undefined) byTopic.set(o.topic, (t = { name: o.topic, partitions: [] }));
      t.partitions.push({ partitionIndex: o.partition, replicas: o.replicas, addingReplicas: o.addingReplicas, removingReplicas: o.removingReplicas });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [...byTopic.values()] };
  },
});
