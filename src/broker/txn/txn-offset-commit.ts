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
 * With the transaction coordinator on this broker, the verification is made synchronously
 * right before the write, so no marker can slip in between. With it on another broker, a
 * verification guard is taken in the partition's producer state, the coordinator is asked
 * with AddPartitionsToTxn v4+ (an add for v5, else verifyOnly), and the write carries the
 * guard: a marker that landed meanwhile spent it, and the log refuses the write
 * (INVALID_TXN_STATE), as Kafka's coordinator writes with a VerificationGuard.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { TxnOffsetCommitRequest } from '../../protocol/generated/txn-offset-commit-request.js';
import type { TxnOffsetCommitResponse, TxnOffsetCommitResponseTopic } from '../../protocol/generated/txn-offset-commit-response.js';
import { OFFSETS_TOPIC } from '../../coordinator/group/offsets-topic.js';
import { appendErrorToResponseError } from '../../coordinator/group/sink.js';
import { TopicPartitionSet } from '../../coordinator/txn/topic-partitions.js';
import { TransactionVersion } from '../../coordinator/txn/transaction-state.js';
import type { BrokerContext } from '../context.js';
import { transactionCoordinatorNode, TxnOperation, txnOperationForTxnOffsetCommit, withConcurrentTxnRetries } from '../produce/produce-txn.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import { VERIFICATION_SENTINEL } from '../../storage/verification-state.js';
import { partitionKey, type TxnPartitionErrors } from './add-partitions-to-txn-sender.js';

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
  return topics.map((t) => ({ name: t.name, topicId: t.topicId, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) }));
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
    !(log !== undefined && log.hasOngoingTransaction(producerId, producerEpoch));
  const coordinatorNode = verify ? transactionCoordinatorNode(broker, request.transactionalId) : -1;
  let verificationGuard: number | null = null;
  if (verify && coordinatorNode >= 0) {
    verificationGuard = log === undefined ? VERIFICATION_SENTINEL : log.maybeStartTransactionVerification(producerId, NO_SEQUENCE, producerEpoch);
    if (verificationGuard !== VERIFICATION_SENTINEL) {
      const verified = await verifyRemotely(broker, request, coordinatorNode, operation, partition, log!, verificationGuard);
      if (verified.error !== ErrorCode.NONE) return answer(allPartitions(known, txnOffsetCommitError(verified.error, operation)));
      // The write checks it: a marker that landed since then spent it.
      verificationGuard = verified.guard;
    }
  } else if (verify) {
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
    generationId: request.generationIdOrMemberEpoch,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    topics: known,
    apiVersion,
    verificationGuard,
  });
  if (result.errorCode !== ErrorCode.NONE) return answer(allPartitions(known, result.errorCode));
  if (apiVersion >= 6) {
    // v6 answers by topic id: the request's id of each topic name.
    const ids = new Map(known.map((t) => [t.name, t.topicId]));
    for (const t of result.topics) t.topicId = ids.get(t.name) ?? t.topicId;
  }
  return answer(result.topics);
}

/** Kafka's RecordBatch.NO_SEQUENCE: coordinator writes carry no sequence. */
const NO_SEQUENCE = -1;

/**
 * Asks the transaction coordinator on broker `node` about the group's partition of
 * __consumer_offsets (an add for transaction version 2, asked again while it answers
 * CONCURRENT_TRANSACTIONS, with the guard taken again; else verifyOnly); its error, NONE when
 * the partition is in the transaction.
 */
async function verifyRemotely(
  broker: BrokerContext, request: TxnOffsetCommitRequest, node: number, operation: TxnOperation, partition: number, log: PartitionLog, firstGuard: number,
): Promise<{ error: number; guard: number }> {
  const sender = broker.txnVerification!;
  const producerId = Number(request.producerId);
  const query = {
    transactionalId: request.transactionalId,
    producerId,
    producerEpoch: request.producerEpoch,
    verifyOnly: operation !== TxnOperation.AddPartition,
    partitions: new TopicPartitionSet([{ topic: OFFSETS_TOPIC, partition }]),
  };
  const k = partitionKey(OFFSETS_TOPIC, partition);
  let guard = VERIFICATION_SENTINEL;
  const errors = await withConcurrentTxnRetries(
    broker,
    (): Promise<TxnPartitionErrors> => {
      // The markers of the previous transaction, which made the coordinator answer
      // CONCURRENT_TRANSACTIONS, may have spent the first guard: the next attempt takes one again.
      guard = guard === VERIFICATION_SENTINEL ? firstGuard : log.maybeStartTransactionVerification(producerId, NO_SEQUENCE, request.producerEpoch);
      return sender.send(node, query);
    },
    (e) => !query.verifyOnly && e.get(k) === ErrorCode.CONCURRENT_TRANSACTIONS,
  );
  return { error: errors.get(k) ?? ErrorCode.NONE, guard };
}
