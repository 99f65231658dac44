// AddPartitionsToTxn (key 24), versions 0-5. v1 is v0; v2 may answer PRODUCER_FENCED (older
// versions get INVALID_PRODUCER_EPOCH); v3 is flexible; v4 batches transactions and adds
// verifyOnly (KIP-890 part 1), which Kafka keeps for brokers: the Java client sends v0-3, and
// v4+ needs CLUSTER_ACTION on the cluster (top-level CLUSTER_AUTHORIZATION_FAILED); v0-3 WRITE
// on the transactional id (every partition TRANSACTIONAL_ID_AUTHORIZATION_FAILED) and on each
// topic (TOPIC_AUTHORIZATION_FAILED, the others OPERATION_NOT_ATTEMPTED); v5 may answer TRANSACTION_ABORTABLE. The coordinator's answers, per version, are in
// src/coordinator/txn/add-partitions-to-txn.ts.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { addPartitionsToTxn, type TxnTopicsView } from '../../coordinator/txn/add-partitions-to-txn.js';
import { isInternalTopic, partitionOf } from '../../cluster/metadata.js';
import type { BrokerContext } from '../context.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { AclOperation, ResourceType } from '../../cluster/acls.js';
import { authorize, authorizeCluster, authorizeTopic } from '../authorize.js';
import { defineHandler, type RequestInfo } from './handler.js';

function topicsView(broker: BrokerContext, info: RequestInfo): TxnTopicsView {
  return {
    partitionExists: (topic, partition) => partitionOf(broker.metadata.topic(topic), partition) !== undefined,
    isInternal: isInternalTopic,
    mayWrite: (topic) => authorizeTopic(broker, info, AclOperation.Write, topic),
  };
}

export const addPartitionsToTxnHandler = defineHandler({
  apiKey: ApiKey.AddPartitionsToTxn,
  minVersion: 0,
  maxVersion: 5,
  handle(request, info, broker) {
    const v = info.apiVersion;
    if (v >= 4 && !authorizeCluster(broker, info, AclOperation.ClusterAction)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, resultsByTransaction: [], resultsByTopicV3AndBelow: [] };
    }
    if (v < 4 && !authorize(broker, info, AclOperation.Write, ResourceType.TransactionalId, request.v3AndBelowTransactionalId)) {
      const resultsByTopicV3AndBelow = request.v3AndBelowTopics.map((t) => ({
        name: t.name,
        resultsByPartition: t.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED })),
      }));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction: [], resultsByTopicV3AndBelow };
    }
    return addPartitionsToTxn(broker.transactions, topicsView(broker, info), request, v);
  },
});
