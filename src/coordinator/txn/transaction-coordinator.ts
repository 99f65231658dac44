/**
 * The transaction coordinator (Kafka's TransactionCoordinator): producer ids and epochs of
 * transactional ids, and the life of their transactions, as a state machine that knows
 * nothing of sockets. State lives in TransactionStateManager (persisted to
 * `__transaction_state` through a TransactionStateLog); markers go through a TxnMarkerWriter
 * (TransactionMarkerChannelManager); deadlines (timed-out transactions aborted every
 * transaction.abort.timed.out.transaction.cleanup.interval.ms, ids expired every
 * transaction.remove.expired.transaction.cleanup.interval.ms) run on a DeadlineTimer that tests
 * drive with a fake clock.
 *
 * Every method answers with Kafka's error codes; the request-level functions next to it
 * (add-partitions-to-txn.ts, end-txn.ts, ...) turn them into responses of each version.
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { TransactionState as DescribedTransaction, TopicData } from '../../protocol/generated/describe-transactions-response.js';
import type { ListTransactionsResponse } from '../../protocol/generated/list-transactions-response.js';
import { systemClock, type Clock } from '../../storage/clock.js';
import { DeadlineTimer, TimerDriver } from '../group/timer.js';
import { OFFSETS_TOPIC } from '../group/offsets-topic.js';
import { decideEndTransaction, checkBeforeMarkers, type EndTxnDecision, type EndTxnRequestInput } from './end-transaction.js';
import { prepareInitProducerIdTransit, type InitProducerIdDecision, type ProducerIdAndEpoch } from './init-producer-id-transit.js';
import type { InitProducerIdInput, InitProducerIdResult, TransactionalIdCoordinator } from './init-producer-id.js';
import { ProducerIdsUnavailableError } from './producer-id-manager.js';
import { TopicPartitionSet, type TopicPartition } from './topic-partitions.js';
import type { TransactionConfig } from './transaction-config.js';
import { TransactionMarkerChannelManager } from './transaction-marker-channel-manager.js';
import type { TxnMarkerWriter } from './transaction-marker-writer.js';
import { IllegalTransitionError, TransactionMetadata, type TxnTransitMetadata } from './transaction-metadata.js';
import type { TransactionStateLog } from './transaction-state-log.js';
import { TransactionStateManager } from './transaction-state-manager.js';
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, stateName, supportsEpochBump, TransactionResult, TransactionState, TransactionVersion } from './transaction-state.js';

/** Where new producer ids come from (ProducerIdManager). */
export interface ProducerIdGenerator {
  generateProducerId(): Promise<number>;
}

export interface EndTxnResult {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

export interface PartitionError extends TopicPartition {
  errorCode: number;
}

export interface TransactionCoordinatorOptions {
  config: TransactionConfig;
  log: TransactionStateLog;
  markerWriter: TxnMarkerWriter;
  producerIds: ProducerIdGenerator;
  /** The __consumer_offsets partition of a group (the group coordinator's partitionFor), for AddOffsetsToTxn. */
  groupPartitionFor: (groupId: string) => number;
  logger: Logger;
  clock?: Clock;
  /** false in tests that drive the timer by hand. */
  driveTimer?: boolean;
}

/** Kafka's limit of a non-flexible string (Short.MAX_VALUE bytes), which TransactionLogKey's id is. */
export const MAX_TRANSACTIONAL_ID_BYTES = 32767;

const ABORT_KEY = 'transaction-abort';
const EXPIRATION_KEY = 'transactionalId-expiration';

function failedInit(errorCode: number): InitProducerIdResult {
  return { errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
}

function failedEnd(errorCode: number): EndTxnResult {
  return { errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
}

export class TransactionCoordinator implements TransactionalIdCoordinator {
  readonly config: TransactionConfig;
  readonly clock: Clock;
  readonly timer: DeadlineTimer;
  readonly txnManager: TransactionStateManager;
  readonly markers: TransactionMarkerChannelManager;
  private readonly log: TransactionStateLog;
  private readonly producerIds: ProducerIdGenerator;
  private readonly groupPartitionFor: (groupId: string) => number;
  private readonly logger: Logger;
  private readonly driver: TimerDriver | null;
  private active = false;

  constructor(options: TransactionCoordinatorOptions) {
    this.config = options.config;
    this.clock = options.clock ?? systemClock;
    this.log = options.log;
    this.producerIds = options.producerIds;
    this.groupPartitionFor = options.groupPartitionFor;
    this.logger = options.logger;
    this.timer = new DeadlineTimer(this.clock);
    this.timer.onError = (err, key) => this.logger.error({ err, key }, 'transaction coordinator timer task failed');
    this.driver = options.driveTimer === false ? null : new TimerDriver(this.timer);
    this.txnManager = new TransactionStateManager(this.config, this.log, this.clock, this.logger);
    this.markers = new TransactionMarkerChannelManager(this.txnManager, options.markerWriter, this.timer, this.config.markerRetryBackoffMs, this.logger);
  }

  get isActive(): boolean {
    return this.active;
  }

  // ---- life cycle ---------------------------------------------------------------------------------

  /** Loads every partition of __transaction_state this broker leads, then serves and runs the periodic tasks. */
  async startup(): Promise<void> {
    this.txnManager.startup();
    this.scheduleAbort();
    this.scheduleExpiration();
    this.active = true;
    this.driver?.start();
    await Promise.all(this.log.ownedPartitions().map((p) => this.onElection(p.partition, p.coordinatorEpoch)));
  }

  shutdown(): void {
    this.active = false;
    this.driver?.stop();
    this.timer.clear();
    this.txnManager.shutdown();
    this.markers.shutdown();
  }

  /**
   * Creates __transaction_state if it does not exist yet (Kafka does on the first
   * FindCoordinator for a transactional id) and loads the partitions it gave this broker.
   * Null when the topic exists already.
   */
  ready(): Promise<void> | null {
    const creating = this.log.ensure();
    if (creating === null) return null;
    return creating.then(async () => {
      const fresh = this.log.ownedPartitions().filter((p) => !this.txnManager.transactionMetadataCache.has(p.partition));
      await Promise.all(fresh.map((p) => this.onElection(p.partition, p.coordinatorEpoch)));
    });
  }

  /**
   * This broker now leads `partition` of __transaction_state at `coordinatorEpoch` (its leader
   * epoch): load it. An election at the epoch held already (or an older one) does nothing.
   */
  onElection(partition: number, coordinatorEpoch: number): Promise<number> {
    if (this.txnManager.heldEpoch(partition) >= coordinatorEpoch) return Promise.resolve(0);
    this.logger.info({ partition, coordinatorEpoch }, 'elected as the transaction coordinator for a partition');
    this.markers.removeMarkersForTxnTopicPartition(partition);
    return this.txnManager.loadTransactionsForTxnTopicPartition(partition, coordinatorEpoch, (epoch, result, m, transit) =>
      this.markers.addTxnMarkersToSend(epoch, result, m, transit));
  }

  /** This broker no longer leads `partition` (its new leader epoch, when known): forget its transactions. */
  onResignation(partition: number, coordinatorEpoch?: number): void {
    this.logger.info({ partition, coordinatorEpoch }, 'resigned as the transaction coordinator for a partition');
    this.txnManager.removeTransactionsForTxnTopicPartition(partition, coordinatorEpoch);
    this.markers.removeMarkersForTxnTopicPartition(partition);
  }

  partitionFor(transactionalId: string): number {
    return this.txnManager.partitionFor(transactionalId);
  }

  /** The coordinator's aborts run at the server's transaction.version: below 2 the fence bumps the epoch, at 2 the abort does. */
  private get fenceBumpsEpoch(): boolean {
    return !supportsEpochBump(this.txnManager.transactionVersionLevel);
  }

  // ---- InitProducerId -------------------------------------------------------------------------------

  async initProducerId(input: InitProducerIdInput): Promise<InitProducerIdResult> {
    const { transactionalId, transactionTimeoutMs } = input;
    if (transactionalId === null) {
      // No transactional id: a new idempotent producer, blindly.
      const id = await this.newProducerId();
      return typeof id === 'number' ? { errorCode: ErrorCode.NONE, producerId: id, producerEpoch: 0 } : failedInit(id.errorCode);
    }
    if (transactionalId.length === 0) return failedInit(ErrorCode.INVALID_REQUEST);
    if (!this.txnManager.validateTransactionTimeoutMs(transactionTimeoutMs)) return failedInit(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    // TransactionLogKey holds the id as a string of at most 32767 bytes. Kafka's serializer
    // throws past that and the request fails with UNKNOWN_SERVER_ERROR (leaving the id stuck in
    // a pending state); here it is refused the same way before anything is prepared.
    if (Buffer.byteLength(transactionalId, 'utf8') > MAX_TRANSACTIONAL_ID_BYTES) return failedInit(ErrorCode.UNKNOWN_SERVER_ERROR);
    const expected: ProducerIdAndEpoch | null = input.producerId === NO_PRODUCER_ID ? null : { producerId: input.producerId, epoch: input.producerEpoch };
    try {
      return await this.initTransactionalProducerId(transactionalId, transactionTimeoutMs, expected);
    } catch (err) {
      if (!(err instanceof IllegalTransitionError)) throw err;
      this.logger.error({ err, transactionalId }, 'InitProducerId found an illegal transaction state');
      return failedInit(ErrorCode.UNKNOWN_SERVER_ERROR);
    }
  }

  private async initTransactionalProducerId(transactionalId: string, timeoutMs: number, expected: ProducerIdAndEpoch | null): Promise<InitProducerIdResult> {
    const decided = await this.decideInitProducerId(transactionalId, timeoutMs, expected);
    if ('errorCode' in decided) return failedInit(decided.errorCode);
    const { decision, coordinatorEpoch } = decided;
    if (decision.kind === 'error') return failedInit(decision.errorCode);
    const transit = decision.transit;
    if (transit.txnState === TransactionState.PrepareEpochFence) {
      // Abort the ongoing transaction first; the client retries on CONCURRENT_TRANSACTIONS.
      const r = await this.endTransaction(transactionalId, {
        producerId: transit.producerId, producerEpoch: transit.producerEpoch, result: TransactionResult.Abort,
        isFromClient: false, clientTransactionVersion: this.txnManager.transactionVersionLevel,
      });
      return failedInit(r.errorCode === ErrorCode.NONE ? ErrorCode.CONCURRENT_TRANSACTIONS : r.errorCode);
    }
    const error = await this.txnManager.appendTransactionToLog(transactionalId, coordinatorEpoch, transit);
    if (error !== ErrorCode.NONE) return failedInit(error);
    this.logger.info({ transactionalId, producerId: transit.producerId, producerEpoch: transit.producerEpoch, partition: this.partitionFor(transactionalId) }, 'initialized transactional id');
    return { errorCode: ErrorCode.NONE, producerId: transit.producerId, producerEpoch: transit.producerEpoch };
  }

  /**
   * The InitProducerId transition to make. Producer ids come asynchronously: after waiting for
   * one (for a new transactional id, or a rotation), everything is looked at again.
   */
  private async decideInitProducerId(transactionalId: string, timeoutMs: number, expected: ProducerIdAndEpoch | null):
    Promise<{ errorCode: number } | { decision: Exclude<InitProducerIdDecision, { kind: 'needsProducerId' }>; coordinatorEpoch: number }> {
    let newId: number | null = null;
    for (let attempt = 0; attempt < 5; attempt++) {
      let lookup = this.txnManager.getTransactionState(transactionalId);
      if (lookup.errorCode !== ErrorCode.NONE) return { errorCode: lookup.errorCode };
      if (lookup.metadata === undefined) {
        if (newId === null) {
          const id = await this.newProducerId();
          if (typeof id !== 'number') return id;
          newId = id;
          continue;
        }
        lookup = this.txnManager.putTransactionStateIfNotExists(new TransactionMetadata({
          transactionalId, producerId: newId, producerEpoch: NO_PRODUCER_EPOCH, txnTimeoutMs: timeoutMs,
          state: TransactionState.Empty, txnLastUpdateTimestamp: this.clock.now(), clientTransactionVersion: TransactionVersion.TV0,
        }));
        newId = null;
        if (lookup.errorCode !== ErrorCode.NONE) return { errorCode: lookup.errorCode };
        if (lookup.metadata === undefined) return { errorCode: ErrorCode.NOT_COORDINATOR };
      }
      const decision = prepareInitProducerIdTransit(lookup.metadata, timeoutMs, expected, this.clock.now(), newId, this.fenceBumpsEpoch);
      if (decision.kind !== 'needsProducerId') return { decision, coordinatorEpoch: lookup.coordinatorEpoch };
      const id = await this.newProducerId();
      if (typeof id !== 'number') return id;
      newId = id;
    }
    return { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS };
  }

  /** A new producer id, or the error to answer when none can be had (retriable for clients). */
  private async newProducerId(): Promise<number | { errorCode: number }> {
    try {
      return await this.producerIds.generateProducerId();
    } catch (err) {
      if (err instanceof ProducerIdsUnavailableError) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS };
      this.logger.error({ err }, 'generating a producer id failed');
      return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR };
    }
  }

  // ---- AddPartitionsToTxn, AddOffsetsToTxn ----------------------------------------------------------

  /** AddPartitionsToTxn: the partitions join the transaction (it starts if it was not Ongoing). */
  async addPartitionsToTransaction(transactionalId: string, producerId: number, producerEpoch: number, partitions: TopicPartitionSet, clientTransactionVersion: TransactionVersion): Promise<number> {
    if (transactionalId.length === 0) return ErrorCode.INVALID_REQUEST;
    const lookup = this.txnManager.getTransactionState(transactionalId);
    if (lookup.errorCode !== ErrorCode.NONE) return lookup.errorCode;
    const m = lookup.metadata;
    if (m === undefined || m.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (m.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (m.pendingTransitionInProgress) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (m.state === TransactionState.PrepareCommit || m.state === TransactionState.PrepareAbort) return ErrorCode.CONCURRENT_TRANSACTIONS;
    // Already in the transaction: nothing to write.
    if (m.state === TransactionState.Ongoing && partitions.subsetOf(m.topicPartitions)) return ErrorCode.NONE;
    let transit: TxnTransitMetadata;
    try {
      transit = m.prepareAddPartitions(partitions, this.clock.now(), clientTransactionVersion);
    } catch (err) {
      if (!(err instanceof IllegalTransitionError)) throw err;
      this.logger.error({ err, transactionalId }, 'AddPartitionsToTxn found an illegal transaction state');
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    return this.txnManager.appendTransactionToLog(transactionalId, lookup.coordinatorEpoch, transit);
  }

  /**
   * AddPartitionsToTxn with verifyOnly (KIP-890 part 1, asked by partition leaders): for each
   * partition NONE when it is in the transaction, TRANSACTION_ABORTABLE when it is not; one
   * error for all when the producer does not match or the transaction is being completed.
   */
  verifyPartitionsInTransaction(transactionalId: string, producerId: number, producerEpoch: number, partitions: TopicPartitionSet): PartitionError[] {
    const all = (errorCode: number) => [...partitions].map((tp) => ({ ...tp, errorCode }));
    if (transactionalId.length === 0) return all(ErrorCode.INVALID_REQUEST);
    const lookup = this.txnManager.getTransactionState(transactionalId);
    if (lookup.errorCode !== ErrorCode.NONE) return all(lookup.errorCode);
    const m = lookup.metadata;
    if (m === undefined || m.producerId !== producerId) return all(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    if (m.producerEpoch !== producerEpoch) return all(ErrorCode.PRODUCER_FENCED);
    if (m.state === TransactionState.PrepareCommit || m.state === TransactionState.PrepareAbort) return all(ErrorCode.CONCURRENT_TRANSACTIONS);
    return [...partitions].map((tp) => ({ ...tp, errorCode: m.topicPartitions.has(tp.topic, tp.partition) ? ErrorCode.NONE : ErrorCode.TRANSACTION_ABORTABLE }));
  }

  /** AddOffsetsToTxn: the group's partition of __consumer_offsets joins the transaction (clients send it under any transaction version as TV0). */
  addOffsetsToTransaction(transactionalId: string, producerId: number, producerEpoch: number, groupId: string): Promise<number> {
    const partitions = new TopicPartitionSet([{ topic: OFFSETS_TOPIC, partition: this.groupPartitionFor(groupId) }]);
    return this.addPartitionsToTransaction(transactionalId, producerId, producerEpoch, partitions, TransactionVersion.TV0);
  }

  // ---- EndTxn ----------------------------------------------------------------------------------------

  /**
   * EndTxn: PrepareCommit or PrepareAbort is written, the client is answered (with transaction
   * version 2, with the bumped epoch, or the new producer id at epoch 0 once the epochs ran
   * out), and the markers are written in the background.
   */
  async endTransaction(transactionalId: string, req: EndTxnRequestInput): Promise<EndTxnResult> {
    if (transactionalId.length === 0) return failedEnd(ErrorCode.INVALID_REQUEST);
    try {
      return await this.endTransactionChecked(transactionalId, req);
    } catch (err) {
      if (!(err instanceof IllegalTransitionError)) throw err;
      this.logger.error({ err, transactionalId }, 'EndTxn found an illegal transaction state');
      return failedEnd(ErrorCode.UNKNOWN_SERVER_ERROR);
    }
  }

  private async endTransactionChecked(transactionalId: string, req: EndTxnRequestInput): Promise<EndTxnResult> {
    let newId: number | null = null;
    let decision: EndTxnDecision;
    let coordinatorEpoch: number;
    for (let attempt = 0; ; attempt++) {
      const lookup = this.txnManager.getTransactionState(transactionalId);
      if (lookup.errorCode !== ErrorCode.NONE) return failedEnd(lookup.errorCode);
      if (lookup.metadata === undefined) return failedEnd(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
      coordinatorEpoch = lookup.coordinatorEpoch;
      decision = decideEndTransaction(lookup.metadata, req, this.clock.now(), newId);
      if (decision.kind !== 'needsProducerId') break;
      const id = attempt > 4 ? { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS } : await this.newProducerId();
      if (typeof id !== 'number') {
        // A fence that cannot go on is dropped, so that a later one can try again.
        const m = this.txnManager.getTransactionState(transactionalId).metadata;
        if (m !== undefined && m.pendingState === TransactionState.PrepareEpochFence) m.pendingState = null;
        return failedEnd(id.errorCode);
      }
      newId = id;
    }
    if (decision.kind === 'answer') return { errorCode: decision.errorCode, producerId: decision.producerId, producerEpoch: decision.producerEpoch };
    if (decision.kind !== 'append') return failedEnd(ErrorCode.CONCURRENT_TRANSACTIONS);
    const { transit, isEpochFence } = decision;
    const error = await this.txnManager.appendTransactionToLog(transactionalId, coordinatorEpoch, transit);
    if (error !== ErrorCode.NONE) {
      if (isEpochFence) {
        const after = this.txnManager.getTransactionState(transactionalId);
        if (after.metadata !== undefined && after.coordinatorEpoch === coordinatorEpoch) {
          // The bumped epoch was never returned to anyone: the next fence reuses it.
          after.metadata.hasFailedEpochFence = true;
          this.logger.warn({ transactionalId, error, epoch: transit.producerEpoch }, 'failed to write an epoch fence');
        }
      }
      return failedEnd(error);
    }
    const after = this.txnManager.getTransactionState(transactionalId);
    if (after.errorCode !== ErrorCode.NONE) return failedEnd(after.errorCode);
    if (after.metadata === undefined) throw new IllegalTransitionError(`The coordinator still owns the transaction partition for ${transactionalId}, but there is no metadata in the cache`);
    if (after.coordinatorEpoch !== coordinatorEpoch) return failedEnd(ErrorCode.NOT_COORDINATOR);
    const m = after.metadata;
    const check = checkBeforeMarkers(m, req);
    if (check !== ErrorCode.NONE) return failedEnd(check);
    const complete = m.prepareComplete(this.clock.now());
    const result: EndTxnResult = transit.clientTransactionVersion >= TransactionVersion.TV2
      ? { errorCode: ErrorCode.NONE, producerId: complete.producerId, producerEpoch: complete.producerEpoch }
      : failedEnd(ErrorCode.NONE);
    this.markers.addTxnMarkersToSend(coordinatorEpoch, req.result, m, complete);
    return result;
  }

  // ---- DescribeTransactions, ListTransactions ---------------------------------------------------------

  describeTransaction(transactionalId: string): DescribedTransaction {
    const out: DescribedTransaction = {
      errorCode: ErrorCode.NONE, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: 0n, producerId: 0n, producerEpoch: 0, topics: [],
    };
    if (!this.active) {
      out.errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE;
      return out;
    }
    if (transactionalId.length === 0) {
      out.errorCode = ErrorCode.INVALID_REQUEST;
      return out;
    }
    const lookup = this.txnManager.getTransactionState(transactionalId);
    if (lookup.errorCode !== ErrorCode.NONE) {
      out.errorCode = lookup.errorCode;
      return out;
    }
    const m = lookup.metadata;
    if (m === undefined || m.state === TransactionState.Dead) {
      out.errorCode = ErrorCode.TRANSACTIONAL_ID_NOT_FOUND;
      return out;
    }
    const topics: TopicData[] = [];
    for (const [topic, partitions] of m.topicPartitions.topics()) topics.push({ topic, partitions: [...partitions] });
    out.transactionState = stateName(m.state);
    out.transactionTimeoutMs = m.txnTimeoutMs;
    out.transactionStartTimeMs = BigInt(m.txnStartTimestamp);
    out.producerId = BigInt(m.producerId);
    out.producerEpoch = m.producerEpoch;
    out.topics = topics;
    return out;
  }

  listTransactions(filterProducerIds: ReadonlySet<number>, filterStates: readonly string[], filterDurationMs = -1, filterIdPattern: string | null = null): ListTransactionsResponse {
    if (!this.active) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, unknownStateFilters: [], transactionStates: [] };
    return this.txnManager.listTransactionStates(filterProducerIds, filterStates, filterDurationMs, filterIdPattern);
  }

  // ---- background tasks ----------------------------------------------------------------------------

  private scheduleAbort(): void {
    this.timer.schedule(ABORT_KEY, this.config.abortTimedOutTransactionsIntervalMs, () => {
      void this.abortTimedOutTransactions();
      this.scheduleAbort();
    });
  }

  private scheduleExpiration(): void {
    this.timer.schedule(EXPIRATION_KEY, this.config.removeExpiredTransactionalIdsIntervalMs, () => {
      this.txnManager.removeExpiredTransactionalIds().catch((err: unknown) => this.logger.error({ err }, 'expiring transactional ids failed'));
      this.scheduleExpiration();
    });
  }

  /** Ongoing transactions past their transaction.timeout.ms are fenced and aborted. Resolves when every abort has answered. */
  async abortTimedOutTransactions(): Promise<void> {
    const aborts: Array<Promise<void>> = [];
    for (const t of this.txnManager.timedOutTransactions()) {
      const lookup = this.txnManager.getTransactionState(t.transactionalId);
      const m = lookup.metadata;
      if (m === undefined) continue;
      if (m.producerId !== t.producerId) {
        this.logger.error({ transactionalId: t.transactionalId, expected: t.producerId, found: m.producerId }, 'found an unexpected producer id when timing out a transaction');
        continue;
      }
      if (m.pendingTransitionInProgress) continue;
      let fence: TxnTransitMetadata;
      try {
        fence = m.prepareFenceProducerEpoch(this.fenceBumpsEpoch);
      } catch (err) {
        this.logger.error({ err, transactionalId: t.transactionalId }, 'cannot fence a timed-out transaction');
        continue;
      }
      aborts.push(this.endTransaction(t.transactionalId, {
        producerId: fence.producerId, producerEpoch: fence.producerEpoch, result: TransactionResult.Abort,
        isFromClient: false, clientTransactionVersion: this.txnManager.transactionVersionLevel,
      }).then((r) => {
        if (r.errorCode === ErrorCode.NONE) this.logger.info({ transactionalId: t.transactionalId }, 'aborted a transaction that timed out');
        else this.logger.debug({ transactionalId: t.transactionalId, error: r.errorCode }, 'the abort of a timed-out transaction was cancelled');
      }));
    }
    await Promise.all(aborts);
  }
}
