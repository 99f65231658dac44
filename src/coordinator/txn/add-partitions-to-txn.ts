/**
 * AddPartitionsToTxn (key 24) as Kafka's KafkaApis.handleAddPartitionsToTxnRequest answers it,
 * on the coordinator; the handler only decodes and encodes.
 *
 * - v0-3 come from producers: one transaction (the v3AndBelow fields), answered in
 *   resultsByTopicV3AndBelow. Internal topics may not be added (TOPIC_AUTHORIZATION_FAILED, as
 *   Kafka's write authorization leaves them out). v0-1 get INVALID_PRODUCER_EPOCH where newer
 *   versions get PRODUCER_FENCED (KIP-588).
 * - v4+ come from brokers (KIP-890): a batch of transactions, each either added (transaction
 *   version 2, where partition leaders add partitions for the producer) or, with verifyOnly,
 *   checked (part 1: a transactional produce to a partition not in the transaction is refused
 *   with TRANSACTION_ABORTABLE), answered in resultsByTransaction.
 *
 * A transaction with any partition that does not exist (UNKNOWN_TOPIC_OR_PARTITION) or may
 * not be added is not attempted: its other partitions answer OPERATION_NOT_ATTEMPTED.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnTopic } from '../../protocol/generated/add-partitions-to-txn-request.js';
import type { AddPartitionsToTxnResponse, AddPartitionsToTxnResult, AddPartitionsToTxnTopicResult } from '../../protocol/generated/add-partitions-to-txn-response.js';
import { TopicPartitionSet } from './topic-partitions.js';
import type { PartitionError, TransactionCoordinator } from './transaction-coordinator.js';
import { TransactionVersion } from './transaction-state.js';

/** What the request needs to know of the broker's topics. */
export interface TxnTopicsView {
  partitionExists(topic: string, partition: number): boolean;
  isInternal(topic: string): boolean;
  /** Whether the producer may write the topic (WRITE on it; always true without an authorizer). */
  mayWrite(topic: string): boolean;
}

/** Every partition of `partitions` with one error. */
function resultOf(transactionalId: string, errors: readonly PartitionError[]): AddPartitionsToTxnResult {
  const byTopic = new Map<string, AddPartitionsToTxnTopicResult>();
  for (const e of errors) {
    let t = byTopic.get(e.topic);
    if (t === undefined) {
      t = { name: e.topic, resultsByPartition: [] };
      byTopic.set(e.topic, t);
    }
    t.resultsByPartition.push({ partitionIndex: e.partition, partitionErrorCode: e.errorCode });
  }
  return { transactionalId, topicResults: [...byTopic.values()] };
}

function allWith(partitions: TopicPartitionSet, errorCode: number): PartitionError[] {
  return [...partitions].map((tp) => ({ ...tp, errorCode }));
}

/** The partitions of a request's topics (duplicates merged). */
function partitionsOf(topics: readonly AddPartitionsToTxnTopic[]): TopicPartitionSet {
  const set = new TopicPartitionSet();
  for (const t of topics) for (const p of t.partitions) set.add(t.name, p);
  return set;
}

async function handleTransaction(
  coordinator: TransactionCoordinator, topicsView: TxnTopicsView, apiVersion: number,
  transactionalId: string, producerId: number, producerEpoch: number, verifyOnly: boolean, partitions: TopicPartitionSet,
): Promise<AddPartitionsToTxnResult> {
  const refused: PartitionError[] = [];
  const accepted = new TopicPartitionSet();
  for (const tp of partitions) {
    if (apiVersion < 4 && (topicsView.isInternal(tp.topic) || !topicsView.mayWrite(tp.topic))) refused.push({ ...tp, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
    else if (!topicsView.partitionExists(tp.topic, tp.partition)) refused.push({ ...tp, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    else accepted.add(tp.topic, tp.partition);
  }
  if (refused.length > 0) return resultOf(transactionalId, [...refused, ...allWith(accepted, ErrorCode.OPERATION_NOT_ATTEMPTED)]);
  if (verifyOnly) return resultOf(transactionalId, coordinator.verifyPartitionsInTransaction(transactionalId, producerId, producerEpoch, accepted));
  // Kafka's transactionVersionForAddPartitionsToTxn: v4+ is sent by brokers for clients using transaction version 2.
  const tv = apiVersion > 3 ? TransactionVersion.TV2 : TransactionVersion.TV0;
  let error = await coordinator.addPartitionsToTransaction(transactionalId, producerId, producerEpoch, accepted, tv);
  if (apiVersion < 2 && error === ErrorCode.PRODUCER_FENCED) error = ErrorCode.INVALID_PRODUCER_EPOCH;
  return resultOf(transactionalId, allWith(accepted, error));
}

export async function addPartitionsToTxn(coordinator: TransactionCoordinator, topicsView: TxnTopicsView, request: AddPartitionsToTxnRequest, apiVersion: number): Promise<AddPartitionsToTxnResponse> {
  if (apiVersion < 4) {
    const result = await handleTransaction(coordinator, topicsView, apiVersion, request.v3AndBelowTransactionalId, Number(request.v3AndBelowProducerId),
      request.v3AndBelowProducerEpoch, false, partitionsOf(request.v3AndBelowTopics));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction: [], resultsByTopicV3AndBelow: result.topicResults };
  }
  const results = await Promise.all(request.transactions.map((t) =>
    handleTransaction(coordinator, topicsView, apiVersion, t.transactionalId, Number(t.producerId), t.producerEpoch, t.verifyOnly, partitionsOf(t.topics))));
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction: results, resultsByTopicV3AndBelow: [] };
}
