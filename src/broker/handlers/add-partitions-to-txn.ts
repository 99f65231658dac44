// AddPartitionsToTxn (key 24), versions 0-5. v1 is v0; v2 may answer PRODUCER_FENCED (older
// versions get INVALID_PRODUCER_EPOCH); v3 is flexible; v4 batches transactions and adds
// verifyOnly (KIP-890 part 1), which Kafka keeps for brokers: the Java client sends v0-3, and
// v4+ needs CLUSTER_ACTION on the cluster, which every caller has without an authorizer (as
// here); v5 may answer TRANSACTION_ABORTABLE. The coordinator's answers, per version, are in
// src/coordinator/txn/add-partitions-to-txn.ts.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { addPartitionsToTxn, type TxnTopicsView } from '../../coordinator/txn/add-partitions-to-txn.js';
import { isInternalTopic, partitionOf } from '../../cluster/metadata.js';
import type { BrokerContext } from '../context.js';
import { defineHandler } from './handler.js';

function topicsView(broker: BrokerContext): TxnTopicsView {
  return {
    partitionExists: (topic, partition) => partitionOf(broker.metadata.topic(topic), partition) !== undefined,
    isInternal: isInternalTopic,
  };
}

export const addPartitionsToTxnHandler = defineHandler({
  apiKey: ApiKey.AddPartitionsToTxn,
  minVersion: 0,
  maxVersion: 5,
  handle(request, info, broker) {
    return addPartitionsToTxn(broker.transactions, topicsView(broker), request, info.apiVersion);
  },
});
