/**
 * TxnOffsetCommit as Kafka 4.x serves it (KafkaApis.handleTxnOffsetCommitRequest,
 * GroupCoordinatorService.commitTransactionalOffsets with its transactional write):
 *
 * 1. the group coordinator must be serving, the group id not empty (INVALID_GROUP_ID);
 *    partitions of unknown topics answer UNKNOWN_TOPIC_OR_PARTITION;
 * 2. the group's partition of __consumer_offsets must be in the transaction: unless the
 *    producer already has a transaction of its epoch open there, v5 (transaction.version 2)
 *    adds it through the transaction coordinator, and every version is verified (KIP-890), with
 *    Kafka's mapping of the coordinator's errors;
 * 3. the group checks generation and member (OffsetManager.commitTransactional), and the
 *    offsets are written as a transactional batch of the producer, pending until the
 *    transaction's marker commits them or drops them.
 *
 * The verification is made synchronously right before the write, so no marker can slip in
 * between (the transaction coordinator is on this broker).
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { TxnOffsetCommitRequest } from '../../protocol/generated/txn-offset-commit-request.js';
import type { TxnOffsetCommitResponse, TxnOffsetCommitResponseTopic } from '../../protocol/generated/txn-offset-commit-response.js';
import { OFFSETS_TOPIC } from '../../coordinator/group/offsets-topic.js';
import { appendErrorToResponseError } from '../../coordinator/group/sink.js';
import { TopicPartitionSet } from '../../coordinator/txn/topic-partitions.js';
import { TransactionVersion } from '../../coordinator/txn/transaction-state.js';
import type { BrokerContext } from '../context.js';
import { hasOngoingTransaction, TxnOperation, txnOperationForTxnOffsetCommit } from '../produce/produce-txn.js';

/**
 * A verification error as TxnOffsetCommit answers it: AddPartitionsToTxnManager's mapping
 * (PRODUCER_FENCED as INVALID_PRODUCER_EPOCH; TRANSACTION_ABORTABLE as INVALID_TXN_STATE for
 * v0-3), then the group coordinator's handleOperationException.
 */
export function txnOffsetCommitError(code: number, operation: TxnOperation): number {
  switch (code) {
    case ErrorCode.PRODUCER_FENCED:
      return ErrorCode.INVALID_PRODUCER_EPOCH;
    case ErrorCode.TRANSACTION_ABORTABLE:
      return operation === TxnOperation.DefaultError ? ErrorCode.INVALID_TXN_STATE : code;
    case ErrorCode.NETWORK_EXCEPTION:
      return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    default:
      // the append's own errors, as every group write answers them
      return appendErrorToResponseError(code);
  }
}

function allPartitions(topics: TxnOffsetCommitRequest['topics'], errorCode: number): TxnOffsetCommitResponseTopic[] {
  return topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) }));
}

export async function txnOffsetCommit(broker: BrokerContext, request: TxnOffsetCommitRequest, apiVersion: number): Promise<TxnOffsetCommitResponse> {
  const groups = broker.groups;
  const status = groups.statusError();
  if (status !== ErrorCode.NONE) return { throttleTimeMs: 0, topics: allPartitions(request.topics, status) };
  if (request.groupId.length === 0) return { throttleTimeMs: 0, topics: allPartitions(request.topics, ErrorCode.INVALID_GROUP_ID) };
  const notHere = groups.groupError(request.groupId);
  if (notHere !== ErrorCode.NONE) return { throttleTimeMs: 0, topics: allPartitions(request.topics, notHere) };
  const unknown = request.topics.filter((t) => broker.metadata.topic(t.name) === undefined);
  const known = unknown.length === 0 ? request.topics : request.topics.filter((t) => broker.metadata.topic(t.name) !== undefined);
  const unknownTopics = allPartitions(unknown, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (known.length === 0) return { throttleTimeMs: 0, topics: unknownTopics };
  const answer = (topics: TxnOffsetCommitResponseTopic[]): TxnOffsetCommitResponse => ({ throttleTimeMs: 0, topics: [...topics, ...unknownTopics] });

  const producerId = Number(request.producerId);
  const producerEpoch = request.producerEpoch;
  const operation = txnOperationForTxnOffsetCommit(apiVersion);
  const txn = broker.transactions;
  const partition = groups.partitionFor(request.groupId);
  const log = broker.logs.getLog(OFFSETS_TOPIC, partition);
  const verify = (operation === TxnOperation.AddPartition || broker.config.bool('transaction.partition.verification.enable')) &&
    !(log !== undefined && hasOngoingTransaction(log, producerId, producerEpoch));
  if (verify) {
    const tp = new TopicPartitionSet([{ topic: OFFSETS_TOPIC, partition }]);
    if (operation === TxnOperation.AddPartition) {
      const added = await txn.addPartitionsToTransaction(request.transactionalId, producerId, producerEpoch, tp, TransactionVersion.TV2);
      if (added !== ErrorCode.NONE) return answer(allPartitions(known, txnOffsetCommitError(added, operation)));
    }
    const [verified] = txn.verifyPartitionsInTransaction(request.transactionalId, producerId, producerEpoch, tp);
    const error = verified?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
    if (error !== ErrorCode.NONE) return answer(allPartitions(known, txnOffsetCommitError(error, operation)));
  }
  const result = await groups.commitTransactionalOffsets({
    groupId: request.groupId,
    producerId,
    producerEpoch,
    generationId: request.generationId,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    topics: known,
    apiVersion,
  });
  if (result.errorCode !== ErrorCode.NONE) return answer(allPartitions(known, result.errorCode));
  return answer(result.topics);
}
