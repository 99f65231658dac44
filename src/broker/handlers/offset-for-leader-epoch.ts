// OffsetForLeaderEpoch (key 23), versions 2-4 (Kafka 4.0 removed 0-1). v2 current leader epoch
// (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH) and throttle time; v3 replica id (followers;
// consumers send -1, tools the default -2); v4 flexible. Answers the end offset of the
// requested epoch, Kafka's LeaderEpochFileCache.endOffsetFor over the partition's
// leader-epoch-checkpoint: the latest epoch ends at the log end offset; an older one where the
// next known epoch starts (answered with the largest known epoch not above it); an epoch newer
// than any known gets epoch -1 and offset -1 (see ../partition.ts). Followers truncate by it.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { EpochEndOffset, OffsetForLeaderTopicResult } from '../../protocol/generated/offset-for-leader-epoch-response.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeCluster, authorizeTopic } from '../authorize.js';
import { defineHandler } from './handler.js';

export const offsetForLeaderEpochHandler = defineHandler({
  apiKey: ApiKey.OffsetForLeaderEpoch,
  minVersion: 2,
  maxVersion: 4,
  handle(request, info, broker) {
    // KafkaApis: a follower (v3+ names its replica id) needs CLUSTER_ACTION, else the whole
    // request fails; a consumer needs DESCRIBE on each topic.
    const fromFollower = info.apiVersion >= 3 && request.replicaId >= 0;
    const clusterDenied = fromFollower && !authorizeCluster(broker, info, AclOperation.ClusterAction);
    const topics: OffsetForLeaderTopicResult[] = [];
    for (const t of request.topics) {
      const partitions: EpochEndOffset[] = [];
      const topic = broker.metadata.topic(t.topic);
      const denied = clusterDenied || (!fromFollower && !authorizeTopic(broker, info, AclOperation.Describe, t.topic));
      for (const p of t.partitions) {
        if (denied) {
          partitions.push(errorResult(p.partition, clusterDenied ? ErrorCode.CLUSTER_AUTHORIZATION_FAILED : ErrorCode.TOPIC_AUTHORIZATION_FAILED));
          continue;
        }
        const partition = broker.partitions.get(topic, p.partition);
        if (partition === undefined) {
          partitions.push(errorResult(p.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
          continue;
        }
        const eo = partition.lastOffsetForLeaderEpoch(p.currentLeaderEpoch, p.leaderEpoch);
        if (typeof eo === 'number') {
          partitions.push(errorResult(p.partition, eo));
          continue;
        }
        partitions.push({ errorCode: ErrorCode.NONE, partition: p.partition, leaderEpoch: eo.epoch, endOffset: BigInt(eo.endOffset) });
      }
      topics.push({ topic: t.topic, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});

function errorResult(partition: number, errorCode: number): EpochEndOffset {
  return { errorCode, partition, leaderEpoch: -1, endOffset: -1n };
}
