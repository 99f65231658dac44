/**
 * Transactional produce as Kafka 4.x serves it (ReplicaManager.handleProduceAppend,
 * maybeSendPartitionsToTransactionCoordinator, AddPartitionsToTxnManager; KIP-890):
 *
 * - part 1, verification: before a producer's first transactional batch of an epoch on a
 *   partition (no transaction of that producer and epoch open there yet), the leader asks the
 *   transaction coordinator whether the partition is in the transaction. A batch sent before
 *   AddPartitionsToTxn is refused: INVALID_TXN_STATE for Produce v0-10, TRANSACTION_ABORTABLE
 *   from v11 (which the client can abort from). Errors a client may not retry well become
 *   NOT_ENOUGH_REPLICAS ("Unable to verify ..."), which every client retries.
 * - part 2, transaction.version 2: Produce v12 comes from clients that no longer send
 *   AddPartitionsToTxn; the leader adds the request's partitions to the transaction itself (one
 *   AddPartitionsToTxn of the coordinator for the whole request) before appending.
 *
 * When the transaction coordinator runs on this broker, the check is made synchronously right
 * before the append: nothing (no marker) can come between the coordinator's answer and the
 * batch landing in the log.
 *
 * When it runs on another broker (the leader of the transactional id's partition of
 * __transaction_state), the leader first takes a verification guard in each partition's
 * producer state (PartitionLog.maybeStartTransactionVerification), then asks the coordinator
 * with AddPartitionsToTxn v4+ (txn/add-partitions-to-txn-sender.ts: verifyOnly for part 1, an
 * add for transaction version 2, CONCURRENT_TRANSACTIONS asked again as locally), and appends
 * with the guard: a marker that landed meanwhile took the guard away, and the log refuses the
 * batch with INVALID_TXN_STATE (Kafka's VerificationGuard).
 * `transaction.partition.verification.enable=false` turns part 1 off, as in Kafka.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, errorName } from '../../protocol/generated/errors.js';
import type { ProduceRequest } from '../../protocol/generated/produce-request.js';
import { BASE_SEQUENCE_OFFSET, MAGIC_OFFSET, PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET, RECORD_BATCH_OVERHEAD, ATTRIBUTES_OFFSET, TRANSACTIONAL_MASK } from '../../protocol/records/batch-header.js';
import { readInt64Number } from '../../protocol/records/header.js';
import type { TransactionCoordinator } from '../../coordinator/txn/transaction-coordinator.js';
import { TopicPartitionSet } from '../../coordinator/txn/topic-partitions.js';
import { TransactionVersion } from '../../coordinator/txn/transaction-state.js';
import { TRANSACTION_STATE_TOPIC } from '../../coordinator/txn/transaction-log.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import { VERIFICATION_SENTINEL } from '../../storage/verification-state.js';
import type { MetadataStore } from '../../cluster/metadata.js';
import type { Logger } from 'pino';
import type { Partitions } from '../partition.js';
import { partitionKey, type AddPartitionsToTxnSender, type TxnPartitionErrors } from '../txn/add-partitions-to-txn-sender.js';

/**
 * What transaction verification uses of its broker (the broker passes itself): the metadata
 * image and partitions, the transaction coordinator here and the way to one on another broker.
 */
export interface ProduceTxnHost {
  readonly nodeId: number;
  /** Broker settings by Kafka's names; they may change at run time. */
  readonly config: { int(name: string): number; bool(name: string): boolean };
  readonly metadata: Pick<MetadataStore, 'topic' | 'brokers'>;
  readonly partitions: Partitions;
  readonly transactions: TransactionCoordinator;
  /** How to reach the transaction coordinator of another broker; null on a single node. */
  readonly txnVerification: AddPartitionsToTxnSender | null;
  readonly logger: Logger;
}

/** What the client can handle when verification fails (Kafka's TransactionSupportedOperation). */
export const enum TxnOperation {
  /** Older clients: TRANSACTION_ABORTABLE is answered as INVALID_TXN_STATE. */
  DefaultError = 0,
  /** Clients that know TRANSACTION_ABORTABLE (Produce v11, TxnOffsetCommit v4). */
  GenericErrorSupported = 1,
  /** transaction.version 2 clients (Produce v12, TxnOffsetCommit v5): the partition is added, not only verified. */
  AddPartition = 2,
}

/** Kafka's produceRequestVersionToTransactionSupportedOperation. */
export function txnOperationForProduce(apiVersion: number): TxnOperation {
  return apiVersion > 11 ? TxnOperation.AddPartition : apiVersion > 10 ? TxnOperation.GenericErrorSupported : TxnOperation.DefaultError;
}

/** Kafka's txnOffsetCommitRequestVersionToTransactionSupportedOperation. */
export function txnOperationForTxnOffsetCommit(apiVersion: number): TxnOperation {
  return apiVersion > 4 ? TxnOperation.AddPartition : apiVersion > 3 ? TxnOperation.GenericErrorSupported : TxnOperation.DefaultError;
}

/** Kafka's ReplicaManager message for a verification that could not be made. */
export function unverifiedMessage(errorCode: number): string {
  return `Unable to verify the partition has been added to the transaction. Underlying error: ${errorName(errorCode)}`;
}

/** A failed verification as the produce path answers it: AddPartitionsToTxnManager's mapping, then ReplicaManager's. */
export interface TxnRefusal {
  errorCode: number;
  message: string | null;
}

export function verificationRefusal(code: number, operation: TxnOperation): TxnRefusal | null {
  switch (code) {
    case ErrorCode.NONE:
      return null;
    case ErrorCode.PRODUCER_FENCED:
      return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: null };
    case ErrorCode.TRANSACTION_ABORTABLE:
      if (operation !== TxnOperation.DefaultError) return { errorCode: code, message: null };
      return { errorCode: ErrorCode.INVALID_TXN_STATE, message: 'Partition was not added to the transaction' };
    case ErrorCode.INVALID_TXN_STATE:
      return { errorCode: code, message: 'Partition was not added to the transaction' };
    case ErrorCode.CONCURRENT_TRANSACTIONS:
    case ErrorCode.NETWORK_EXCEPTION:
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NOT_COORDINATOR:
      return { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS, message: unverifiedMessage(code) };
    default:
      return { errorCode: code, message: null };
  }
}

function isTransactional(records: Buffer): boolean {
  return records.length >= RECORD_BATCH_OVERHEAD && records[MAGIC_OFFSET] === 2 && (records[ATTRIBUTES_OFFSET + 1]! & TRANSACTIONAL_MASK) !== 0;
}

const key = partitionKey;

/**
 * Where the transactional id's coordinator is (the leader of its partition of
 * __transaction_state): this broker (LOCAL_COORDINATOR), another broker (its id), or nowhere
 * known (NO_COORDINATOR: no leader, or a leader not registered, Kafka's getAliveBrokerNode).
 */
export const LOCAL_COORDINATOR = -1;
export const NO_COORDINATOR = -2;

export function transactionCoordinatorNode(broker: ProduceTxnHost, transactionalId: string): number {
  const state = broker.metadata.topic(TRANSACTION_STATE_TOPIC)?.partitions[broker.transactions.partitionFor(transactionalId)];
  if (state === undefined || state.leader < 0) return NO_COORDINATOR;
  // A single node (no connections to other brokers) coordinates everything itself.
  if (state.leader === broker.nodeId || broker.txnVerification === null) return LOCAL_COORDINATOR;
  return broker.metadata.brokers().some((b) => b.nodeId === state.leader) ? state.leader : NO_COORDINATOR;
}

/**
 * Kafka 4's ReplicaManager (KAFKA-18654): CONCURRENT_TRANSACTIONS right after EndTxn only
 * means the previous transaction's markers are still being written, so the broker asks
 * again every add.partitions.to.txn.retry.backoff.ms, for up to ...backoff.max.ms, instead of
 * sending the producer into its own (100 ms and more) backoff. `attempt` is made again while
 * it answers CONCURRENT_TRANSACTIONS and the time allows.
 */
export async function withConcurrentTxnRetries<T>(broker: ProduceTxnHost, attempt: () => Promise<T>, concurrent: (result: T) => boolean): Promise<T> {
  const deadline = Date.now() + broker.config.int('add.partitions.to.txn.retry.backoff.max.ms');
  const backoffMs = broker.config.int('add.partitions.to.txn.retry.backoff.ms');
  for (;;) {
    const result = await attempt();
    if (!concurrent(result) || Date.now() + backoffMs > deadline) return result;
    await sleep(backoffMs);
  }
}

/** The transaction of one Produce request's transactional batches (one producer: transactionalRequestError checked it). */
export class ProduceTxn {
  readonly coordinator: TransactionCoordinator;
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly operation: TxnOperation;
  /** Whether partitions are verified at all (transaction.partition.verification.enable, or transaction version 2). */
  readonly verify: boolean;
  /**
   * The leader of the transactional id's partition of __transaction_state is known (Kafka's
   * AddPartitionsToTxnManager answers COORDINATOR_NOT_AVAILABLE when it is not, as before the
   * topic exists).
   */
  readonly coordinatorKnown: boolean;
  /** The coordinator's broker when it is another one; LOCAL_COORDINATOR otherwise. */
  readonly remoteCoordinator: number;
  /**
   * Partitions the coordinator refused to add (transaction version 2) or, remotely, to verify,
   * with its error.
   */
  private addErrors: Map<string, number> | null = null;
  /** Remote verification: the guard taken in each partition whose verification started. */
  private guards: Map<string, number> | null = null;

  constructor(coordinator: TransactionCoordinator, transactionalId: string, producerId: number, producerEpoch: number, operation: TxnOperation, verificationEnabled: boolean, coordinatorNode: number) {
    this.coordinatorKnown = coordinatorNode !== NO_COORDINATOR;
    this.remoteCoordinator = coordinatorNode >= 0 ? coordinatorNode : LOCAL_COORDINATOR;
    this.coordinator = coordinator;
    this.transactionalId = transactionalId;
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.operation = operation;
    this.verify = verificationEnabled || operation === TxnOperation.AddPartition;
  }

  /**
   * The request's transaction, or null when it has no transactional batch with a producer id
   * (or the coordinator is not there, which transactional ids never reach: InitProducerId needs it).
   */
  static of(request: ProduceRequest, apiVersion: number, broker: ProduceTxnHost): ProduceTxn | null {
    if (request.transactionalId === null) return null;
    for (const topic of request.topicData) {
      for (const pd of topic.partitionData) {
        const r = pd.records;
        if (r === null || !isTransactional(r)) continue;
        const producerId = readInt64Number(r, PRODUCER_ID_OFFSET);
        if (producerId < 0) continue;
        return new ProduceTxn(broker.transactions, request.transactionalId, producerId, r.readInt16BE(PRODUCER_EPOCH_OFFSET),
          txnOperationForProduce(apiVersion), broker.config.bool('transaction.partition.verification.enable'), transactionCoordinatorNode(broker, request.transactionalId));
      }
    }
    return null;
  }

  /**
   * Transaction version 2: adds the request's partitions that this broker leads and where the
   * producer has no transaction of its epoch open yet, in one write of the coordinator. Null
   * when there is nothing to add; the partitions it refuses answer its error.
   */
  addPartitions(broker: ProduceTxnHost, request: ProduceRequest): Promise<void> | null {
    if (this.operation !== TxnOperation.AddPartition || !this.coordinatorKnown || this.remote) return null;
    const adding = new TopicPartitionSet();
    for (const topic of request.topicData) {
      const meta = broker.metadata.topic(topic.name);
      for (const pd of topic.partitionData) {
        if (pd.records === null || !isTransactional(pd.records)) continue;
        const partition = broker.partitions.get(meta, pd.index);
        const log = partition?.isLeader === true ? partition.log : undefined;
        if (log === undefined || log.isOffline || log.isClosed) continue;
        if (!log.hasOngoingTransaction(this.producerId, this.producerEpoch)) adding.add(topic.name, pd.index);
      }
    }
    if (adding.size === 0) return null;
    return this.addWithRetries(broker, adding).then(
      (error) => this.noteAdded(adding, error),
      (err: unknown) => {
        broker.logger.error({ err, transactionalId: this.transactionalId }, 'adding partitions to a transaction failed');
        this.noteAdded(adding, ErrorCode.UNKNOWN_SERVER_ERROR);
      },
    );
  }

  /**
   * Kafka 4's ReplicaManager (KAFKA-18654): CONCURRENT_TRANSACTIONS right after EndTxn only
   * means the previous transaction's markers are still being written, so the broker asks
   * again every add.partitions.to.txn.retry.backoff.ms, for up to ...backoff.max.ms, instead of
   * sending the producer into its own (100 ms and more) backoff.
   */
  private addWithRetries(broker: ProduceTxnHost, adding: TopicPartitionSet): Promise<number> {
    return withConcurrentTxnRetries(
      broker,
      () => this.coordinator.addPartitionsToTransaction(this.transactionalId, this.producerId, this.producerEpoch, adding, TransactionVersion.TV2),
      isConcurrent,
    );
  }

  /** Whether the coordinator is on another broker and there is something to verify (the asynchronous path). */
  get remote(): boolean {
    return this.remoteCoordinator >= 0 && this.verify;
  }

  /**
   * The coordinator on another broker (ReplicaManager.maybeSendPartitionsToTransactionCoordinator):
   * a guard taken in every partition of the request this broker leads where the producer has no
   * transaction of its epoch open, then one AddPartitionsToTxn for them (an add under
   * transaction version 2, else verifyOnly). Partitions answered CONCURRENT_TRANSACTIONS
   * (transaction version 2, the previous transaction's markers under way) are asked again
   * with a guard taken again, since the markers may have spent the first. Null when nothing
   * needs asking. Call it only once the producer's earlier requests are done.
   */
  verifyRemotely(broker: ProduceTxnHost, request: ProduceRequest): Promise<void> | null {
    if (!this.remote) return null;
    const asking = this.startVerification(broker, request, null);
    if (asking === null) return null;
    return this.askRemotely(broker, request, asking);
  }

  private async askRemotely(broker: ProduceTxnHost, request: ProduceRequest, asking: TopicPartitionSet): Promise<void> {
    const sender = broker.txnVerification!;
    const verifyOnly = this.operation !== TxnOperation.AddPartition;
    const deadline = Date.now() + broker.config.int('add.partitions.to.txn.retry.backoff.max.ms');
    const backoffMs = broker.config.int('add.partitions.to.txn.retry.backoff.ms');
    let partitions: TopicPartitionSet | null = asking;
    let errors: TxnPartitionErrors;
    for (;;) {
      errors = partitions === null ? new Map() : await sender.send(this.remoteCoordinator, {
        transactionalId: this.transactionalId,
        producerId: this.producerId,
        producerEpoch: this.producerEpoch,
        verifyOnly,
        partitions,
      });
      // The coordinator answers one code for the whole transaction: all or none are concurrent.
      if (verifyOnly || !hasConcurrent(errors) || Date.now() + backoffMs > deadline) break;
      await sleep(backoffMs);
      partitions = this.startVerification(broker, request, asking);
    }
    for (const [k, code] of errors) (this.addErrors ??= new Map()).set(k, code);
  }

  /**
   * Takes the guards of the request's transactional partitions this broker leads with no
   * transaction of the producer's epoch open (only those of `only` when given); the partitions
   * to ask about, or null when none.
   */
  private startVerification(broker: ProduceTxnHost, request: ProduceRequest, only: TopicPartitionSet | null): TopicPartitionSet | null {
    // Most requests find their transaction open everywhere: nothing allocated for them.
    let asking: TopicPartitionSet | null = null;
    for (const topic of request.topicData) {
      const meta = broker.metadata.topic(topic.name);
      for (const pd of topic.partitionData) {
        const r = pd.records;
        if (r === null || !isTransactional(r) || (only !== null && !only.has(topic.name, pd.index))) continue;
        const partition = broker.partitions.get(meta, pd.index);
        const log = partition?.isLeader === true ? partition.log : undefined;
        if (log === undefined || log.isOffline || log.isClosed) continue;
        const guard = log.maybeStartTransactionVerification(this.producerId, r.readInt32BE(BASE_SEQUENCE_OFFSET), this.producerEpoch);
        if (guard === VERIFICATION_SENTINEL) continue;
        (this.guards ??= new Map()).set(key(topic.name, pd.index), guard);
        (asking ??= new TopicPartitionSet()).add(topic.name, pd.index);
      }
    }
    return asking;
  }

  /**
   * The guard to append a transactional batch with (PartitionLog.appendAsLeader): null when
   * verified synchronously (the coordinator is here) or not at all; else the guard the
   * remote verification took, the sentinel when it took none (the log then lets the batch in
   * only into a transaction open there).
   */
  guardFor(topic: string, partition: number): number | null {
    if (!this.remote) return null;
    return this.guards?.get(key(topic, partition)) ?? VERIFICATION_SENTINEL;
  }

  private noteAdded(partitions: TopicPartitionSet, error: number): void {
    if (error === ErrorCode.NONE) return;
    this.addErrors ??= new Map();
    for (const tp of partitions) this.addErrors.set(key(tp.topic, tp.partition), error);
  }

  /**
   * The check right before a transactional batch of this producer is appended to `log`: null
   * to append it, or the refusal. Synchronous, with the append that follows it.
   */
  check(topic: string, partition: number, log: PartitionLog): TxnRefusal | null {
    if (!this.verify) return null;
    // Kafka's VerificationGuard.SENTINEL: a transaction of this epoch is open here already.
    if (log.hasOngoingTransaction(this.producerId, this.producerEpoch)) return null;
    if (!this.coordinatorKnown) return verificationRefusal(ErrorCode.COORDINATOR_NOT_AVAILABLE, this.operation);
    const added = this.addErrors?.get(key(topic, partition));
    if (added !== undefined) return verificationRefusal(added, this.operation);
    // Verified by the remote coordinator: the append checks the guard.
    if (this.remote) return null;
    const tp = new TopicPartitionSet([{ topic, partition }]);
    const [result] = this.coordinator.verifyPartitionsInTransaction(this.transactionalId, this.producerId, this.producerEpoch, tp);
    return verificationRefusal(result?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, this.operation);
  }
}

function isConcurrent(error: number): boolean {
  return error === ErrorCode.CONCURRENT_TRANSACTIONS;
}

function hasConcurrent(errors: TxnPartitionErrors): boolean {
  for (const code of errors.values()) if (code === ErrorCode.CONCURRENT_TRANSACTIONS) return true;
  return false;
}
