// AlterReplicaLogDirs (key 34), versions 1-2 (Kafka 4.0 removed 0; v2 is flexible). Moves each
// named partition's replica on this broker to the named log directory (KIP-113), the copy
// running in the background (src/broker/log-dir-mover.ts); DescribeLogDirs shows the future
// replica and its lag meanwhile. Errors per partition as Kafka's ReplicaManager gives them:
// LOG_DIR_NOT_FOUND for a directory not in `log.dirs`, INVALID_REPLICA_ASSIGNMENT for a
// cordoned one (`cordoned.log.dirs`, KIP-1066), KAFKA_STORAGE_ERROR for an offline
// log, REPLICA_NOT_AVAILABLE for a partition with no replica here (its directory is remembered
// for when one is made), UNKNOWN_TOPIC_OR_PARTITION. ALTER on the cluster, else every
// partition is CLUSTER_AUTHORIZATION_FAILED.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { AlterReplicaLogDirTopicResult } from '../../protocol/generated/alter-replica-log-dirs-response.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeCluster } from '../authorize.js';
import { defineHandler } from './handler.js';

export const alterReplicaLogDirsHandler = defineHandler({
  apiKey: ApiKey.AlterReplicaLogDirs,
  minVersion: 1,
  maxVersion: 2,
  handle(request, info, broker) {
    if (!authorizeCluster(broker, info, AclOperation.Alter)) {
      // AlterReplicaLogDirsRequest.getErrorResponse: one result per topic entry of every directory.
      const results: AlterReplicaLogDirTopicResult[] = [];
      for (const d of request.dirs) {
        for (const t of d.topics) results.push({ topicName: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED })) });
      }
      return { throttleTimeMs: 0, results };
    }
    // partitionDirs: a partition named twice goes to the last directory naming it.
    const dirOf = new Map<string, Map<number, string>>();
    for (const d of request.dirs) {
      for (const t of d.topics) {
        let m = dirOf.get(t.name);
        if (m === undefined) dirOf.set(t.name, (m = new Map()));
        for (const p of t.partitions) m.set(p, d.path);
      }
    }
    const results: AlterReplicaLogDirTopicResult[] = [];
    for (const [topic, partitions] of dirOf) {
      const out: AlterReplicaLogDirTopicResult = { topicName: topic, partitions: [] };
      for (const [partition, dir] of partitions) out.partitions.push({ partitionIndex: partition, errorCode: broker.logDirMover.alter(topic, partition, dir) });
      results.push(out);
    }
    return { throttleTimeMs: 0, results };
  },
});
