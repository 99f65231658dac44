/**
 * One transactional id's state (Kafka's TransactionMetadata) and the transitions it may make
 * (TxnTransitMetadata). A transition is prepared first (`prepare*`, which sets `pendingState`
 * so that no other transition can start), written to `__transaction_state`, and applied with
 * `completeTransitionTo` only once the write succeeded; a failed write clears `pendingState`.
 * The checks are Kafka's: a transition it refuses with an IllegalStateException throws here.
 */
import {
  isValidTransition,
  MAX_PRODUCER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  stateName,
  supportsEpochBump,
  TransactionState,
  type TransactionVersion,
} from './transaction-state.js';
import { TopicPartitionSet } from './topic-partitions.js';
import { ErrorCode } from '../../protocol/generated/errors.js';

/** Epochs from Short.MaxValue - 1 on are exhausted: the coordinator keeps one to fence with. */
export function isEpochExhausted(producerEpoch: number): boolean {
  return producerEpoch >= MAX_PRODUCER_EPOCH - 1;
}

/** The target of a transition: what is written to the log, then applied. */
export interface TxnTransitMetadata {
  readonly producerId: number;
  readonly prevProducerId: number;
  readonly nextProducerId: number;
  readonly producerEpoch: number;
  readonly lastProducerEpoch: number;
  readonly txnTimeoutMs: number;
  readonly txnState: TransactionState;
  readonly topicPartitions: TopicPartitionSet;
  readonly txnStartTimestamp: number;
  readonly txnLastUpdateTimestamp: number;
  readonly clientTransactionVersion: TransactionVersion;
}

/** A transition Kafka treats as a bug ("this should not happen"). */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
}

export interface TransactionMetadataInit {
  transactionalId: string;
  producerId: number;
  previousProducerId?: number;
  nextProducerId?: number;
  producerEpoch: number;
  lastProducerEpoch?: number;
  txnTimeoutMs: number;
  state: TransactionState;
  topicPartitions?: TopicPartitionSet;
  txnStartTimestamp?: number;
  txnLastUpdateTimestamp: number;
  clientTransactionVersion: TransactionVersion;
}

export class TransactionMetadata {
  readonly transactionalId: string;
  producerId: number;
  /** The producer id of the last committed transaction with this id (epoch overflow). */
  previousProducerId: number;
  /** The producer id the next completion moves to (transaction.version 2 epoch overflow). */
  nextProducerId: number;
  producerEpoch: number;
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TransactionState;
  readonly topicPartitions: TopicPartitionSet;
  /** When the first partition was added; -1 when no transaction has started. */
  txnStartTimestamp: number;
  txnLastUpdateTimestamp: number;
  clientTransactionVersion: TransactionVersion;
  /** The state a prepared transition goes to, until it is written (or fails). */
  pendingState: TransactionState | null = null;
  /** A fence whose write failed: its bumped epoch was never handed out, so the next fence reuses it. */
  hasFailedEpochFence = false;

  constructor(init: TransactionMetadataInit) {
    this.transactionalId = init.transactionalId;
    this.producerId = init.producerId;
    this.previousProducerId = init.previousProducerId ?? NO_PRODUCER_ID;
    this.nextProducerId = init.nextProducerId ?? NO_PRODUCER_ID;
    this.producerEpoch = init.producerEpoch;
    this.lastProducerEpoch = init.lastProducerEpoch ?? NO_PRODUCER_EPOCH;
    this.txnTimeoutMs = init.txnTimeoutMs;
    this.state = init.state;
    this.topicPartitions = init.topicPartitions ?? new TopicPartitionSet();
    this.txnStartTimestamp = init.txnStartTimestamp ?? -1;
    this.txnLastUpdateTimestamp = init.txnLastUpdateTimestamp;
    this.clientTransactionVersion = init.clientTransactionVersion;
  }

  get pendingTransitionInProgress(): boolean {
    return this.pendingState !== null;
  }

  get isProducerEpochExhausted(): boolean {
    return isEpochExhausted(this.producerEpoch);
  }

  private get hasPendingTransaction(): boolean {
    return this.state === TransactionState.Ongoing || this.state === TransactionState.PrepareAbort || this.state === TransactionState.PrepareCommit;
  }

  /** A partition's marker is written: it leaves the transaction. */
  removePartition(topic: string, partition: number): void {
    if (this.state !== TransactionState.PrepareCommit && this.state !== TransactionState.PrepareAbort) {
      throw new IllegalTransitionError(`Transaction metadata's current state is ${stateName(this.state)} while trying to remove partitions whose txn marker has been sent`);
    }
    this.topicPartitions.delete(topic, partition);
  }

  /** The current state as a transition to itself, without marking anything pending (loading, tests). */
  prepareNoTransit(): TxnTransitMetadata {
    return this.transit(this.state, this.producerId, this.nextProducerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, this.topicPartitions.copy(), this.txnStartTimestamp, this.txnLastUpdateTimestamp, this.clientTransactionVersion);
  }

  /**
   * InitProducerId or a timeout found a transaction Ongoing: fence its producer, then abort.
   * With transaction.version 0 the fence bumps the epoch (the abort keeps it); with 2 the
   * abort's own bump fences (`bumpEpoch` false), so that a transaction at the last epoch does
   * not overflow it (the abort then moves to a new producer id).
   */
  prepareFenceProducerEpoch(bumpEpoch = true): TxnTransitMetadata {
    if (bumpEpoch && this.producerEpoch === MAX_PRODUCER_EPOCH) {
      throw new IllegalTransitionError('Cannot fence producer with epoch equal to Short.MaxValue since this would overflow');
    }
    const bumpedEpoch = this.hasFailedEpochFence || !bumpEpoch ? this.producerEpoch : this.producerEpoch + 1;
    return this.prepareTransitionTo(TransactionState.PrepareEpochFence, this.producerId, NO_PRODUCER_ID, bumpedEpoch, NO_PRODUCER_EPOCH, this.txnTimeoutMs, this.topicPartitions.copy(), this.txnStartTimestamp, this.txnLastUpdateTimestamp, this.clientTransactionVersion);
  }

  /**
   * InitProducerId: the next epoch, or the current one for a retry of a call that succeeded
   * (KIP-360: the expected epoch is the last one), or PRODUCER_FENCED.
   */
  prepareIncrementProducerEpoch(newTxnTimeoutMs: number, expectedProducerEpoch: number | null, updateTimestamp: number): TxnTransitMetadata | number {
    if (this.isProducerEpochExhausted) throw new IllegalTransitionError(`Cannot allocate any more producer epochs for producerId ${this.producerId}`);
    const bumpedEpoch = this.producerEpoch + 1;
    let nextEpoch: number;
    let lastEpoch: number;
    if (expectedProducerEpoch === null) {
      nextEpoch = bumpedEpoch;
      lastEpoch = NO_PRODUCER_EPOCH;
    } else if (this.producerEpoch === NO_PRODUCER_EPOCH || expectedProducerEpoch === this.producerEpoch) {
      nextEpoch = bumpedEpoch;
      lastEpoch = this.producerEpoch;
    } else if (expectedProducerEpoch === this.lastProducerEpoch) {
      nextEpoch = this.producerEpoch;
      lastEpoch = this.lastProducerEpoch;
    } else {
      return ErrorCode.PRODUCER_FENCED;
    }
    return this.prepareTransitionTo(TransactionState.Empty, this.producerId, NO_PRODUCER_ID, nextEpoch, lastEpoch, newTxnTimeoutMs, new TopicPartitionSet(), -1, updateTimestamp, this.clientTransactionVersion);
  }

  /** InitProducerId with the epoch exhausted: a new producer id at epoch 0. */
  prepareProducerIdRotation(newProducerId: number, newTxnTimeoutMs: number, updateTimestamp: number, recordLastEpoch: boolean): TxnTransitMetadata {
    if (this.hasPendingTransaction) throw new IllegalTransitionError('Cannot rotate producer ids while a transaction is still pending');
    return this.prepareTransitionTo(TransactionState.Empty, newProducerId, NO_PRODUCER_ID, 0, recordLastEpoch ? this.producerEpoch : NO_PRODUCER_EPOCH, newTxnTimeoutMs, new TopicPartitionSet(), -1, updateTimestamp, this.clientTransactionVersion);
  }

  prepareAddPartitions(added: TopicPartitionSet, updateTimestamp: number, clientTransactionVersion: TransactionVersion): TxnTransitMetadata {
    const starts = this.state === TransactionState.Empty || this.state === TransactionState.CompleteAbort || this.state === TransactionState.CompleteCommit;
    const partitions = this.topicPartitions.copy();
    partitions.addAll(added);
    return this.prepareTransitionTo(TransactionState.Ongoing, this.producerId, NO_PRODUCER_ID, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, partitions, starts ? updateTimestamp : this.txnStartTimestamp, updateTimestamp, clientTransactionVersion);
  }

  /**
   * EndTxn: PrepareCommit or PrepareAbort. With transaction.version 2 the epoch is bumped, and
   * `nextProducerId` is the id the completion moves to when the bump exhausts the epochs.
   */
  prepareAbortOrCommit(newState: TransactionState, clientTransactionVersion: TransactionVersion, nextProducerId: number, updateTimestamp: number, noPartitionAdded: boolean): TxnTransitMetadata {
    const bump = supportsEpochBump(clientTransactionVersion);
    const epoch = bump ? this.producerEpoch + 1 : this.producerEpoch;
    const lastEpoch = bump ? this.producerEpoch : this.lastProducerEpoch;
    // TV2 may abort with no partition added: the start time is then the time of the abort.
    const start = noPartitionAdded ? updateTimestamp : this.txnStartTimestamp;
    return this.prepareTransitionTo(newState, this.producerId, nextProducerId, epoch, lastEpoch, this.txnTimeoutMs, this.topicPartitions.copy(), start, updateTimestamp, clientTransactionVersion);
  }

  /** Markers written: CompleteCommit or CompleteAbort (with the new producer id after a TV2 overflow). */
  prepareComplete(updateTimestamp: number): TxnTransitMetadata {
    const newState = this.state === TransactionState.PrepareCommit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort;
    this.hasFailedEpochFence = false;
    const rotate = supportsEpochBump(this.clientTransactionVersion) && this.nextProducerId !== NO_PRODUCER_ID;
    return this.prepareTransitionTo(newState, rotate ? this.nextProducerId : this.producerId, NO_PRODUCER_ID, rotate ? 0 : this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, new TopicPartitionSet(), this.txnStartTimestamp, updateTimestamp, this.clientTransactionVersion);
  }

  /** transactional.id.expiration.ms passed: a tombstone is written, then the id is forgotten. */
  prepareDead(): TxnTransitMetadata {
    return this.prepareTransitionTo(TransactionState.Dead, this.producerId, NO_PRODUCER_ID, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, new TopicPartitionSet(), this.txnStartTimestamp, this.txnLastUpdateTimestamp, this.clientTransactionVersion);
  }

  private transit(
    state: TransactionState, producerId: number, nextProducerId: number, epoch: number, lastEpoch: number, timeoutMs: number,
    partitions: TopicPartitionSet, start: number, update: number, tv: TransactionVersion,
  ): TxnTransitMetadata {
    return {
      producerId, prevProducerId: this.producerId, nextProducerId, producerEpoch: epoch, lastProducerEpoch: lastEpoch, txnTimeoutMs: timeoutMs,
      txnState: state, topicPartitions: partitions, txnStartTimestamp: start, txnLastUpdateTimestamp: update, clientTransactionVersion: tv,
    };
  }

  private prepareTransitionTo(
    state: TransactionState, producerId: number, nextProducerId: number, epoch: number, lastEpoch: number, timeoutMs: number,
    partitions: TopicPartitionSet, start: number, update: number, tv: TransactionVersion,
  ): TxnTransitMetadata {
    if (this.pendingState !== null) {
      throw new IllegalTransitionError(`Preparing transaction state transition to ${stateName(state)} while it already a pending state ${stateName(this.pendingState)}`);
    }
    if (producerId < 0) throw new IllegalTransitionError(`Illegal new producer id ${producerId}`);
    if (state !== TransactionState.Dead && (epoch < 0 || epoch > MAX_PRODUCER_EPOCH)) throw new IllegalTransitionError(`Illegal new producer epoch ${epoch}`);
    if (!isValidTransition(this.state, state)) {
      throw new IllegalTransitionError(`Preparing transaction state transition to ${stateName(state)} failed since the target state ${stateName(state)} is not a valid previous state of the current state ${stateName(this.state)}`);
    }
    this.pendingState = state;
    return this.transit(state, producerId, nextProducerId, epoch, lastEpoch, timeoutMs, partitions, start, update, tv);
  }

  /** Applies a transition once it is in the log; Kafka's checks that it is the one prepared. */
  completeTransitionTo(t: TxnTransitMetadata): void {
    const toState = this.pendingState;
    if (toState === null) throw new IllegalTransitionError(`TransactionalId ${this.transactionalId} completing transaction state transition while it does not have a pending state`);
    if (toState !== t.txnState) this.fail(t);
    switch (toState) {
      case TransactionState.Empty:
        if ((this.producerEpoch !== t.producerEpoch && !this.validProducerEpochBump(t)) || t.topicPartitions.size > 0 || t.txnStartTimestamp !== -1) this.fail(t);
        this.txnTimeoutMs = t.txnTimeoutMs;
        this.producerEpoch = t.producerEpoch;
        this.lastProducerEpoch = t.lastProducerEpoch;
        this.producerId = t.producerId;
        this.previousProducerId = t.prevProducerId;
        break;
      case TransactionState.Ongoing:
        if (!this.validProducerEpoch(t) || !this.topicPartitions.subsetOf(t.topicPartitions) || this.txnTimeoutMs !== t.txnTimeoutMs) this.fail(t);
        this.txnStartTimestamp = t.txnStartTimestamp;
        this.topicPartitions.addAll(t.topicPartitions);
        break;
      case TransactionState.PrepareAbort:
      case TransactionState.PrepareCommit: {
        const allowedEmptyAbort = toState === TransactionState.PrepareAbort && supportsEpochBump(t.clientTransactionVersion) &&
          (this.state === TransactionState.Empty || this.state === TransactionState.CompleteCommit || this.state === TransactionState.CompleteAbort);
        const validTimestamp = this.txnStartTimestamp === t.txnStartTimestamp || allowedEmptyAbort;
        if (!this.validProducerEpoch(t) || !this.topicPartitions.equals(t.topicPartitions) || this.txnTimeoutMs !== t.txnTimeoutMs || !validTimestamp) this.fail(t);
        if (supportsEpochBump(t.clientTransactionVersion)) {
          this.producerEpoch = t.producerEpoch;
          this.lastProducerEpoch = t.lastProducerEpoch;
          this.nextProducerId = t.nextProducerId;
          this.txnStartTimestamp = t.txnStartTimestamp;
        }
        break;
      }
      case TransactionState.CompleteAbort:
      case TransactionState.CompleteCommit:
        if (!this.validProducerEpoch(t) || this.txnTimeoutMs !== t.txnTimeoutMs || t.txnStartTimestamp === -1) this.fail(t);
        this.txnStartTimestamp = t.txnStartTimestamp;
        this.topicPartitions.clear();
        if (supportsEpochBump(t.clientTransactionVersion)) {
          this.producerEpoch = t.producerEpoch;
          this.lastProducerEpoch = t.lastProducerEpoch;
          this.previousProducerId = t.prevProducerId;
          this.producerId = t.producerId;
          this.nextProducerId = t.nextProducerId;
        }
        break;
      case TransactionState.PrepareEpochFence:
        // Never written: the fence becomes PrepareAbort before anything is appended.
        this.fail(t);
        break;
      case TransactionState.Dead:
        throw new IllegalTransitionError(`TransactionalId ${this.transactionalId} is trying to complete a transition to Dead; an expired id is removed, not written`);
    }
    this.clientTransactionVersion = t.clientTransactionVersion;
    this.txnLastUpdateTimestamp = t.txnLastUpdateTimestamp;
    this.pendingState = null;
    this.state = toState;
  }

  /** Kafka's validProducerEpoch: the epoch and id a transition may carry, by state and version. */
  private validProducerEpoch(t: TxnTransitMetadata): boolean {
    const v2 = supportsEpochBump(t.clientTransactionVersion);
    if (v2 && (t.txnState === TransactionState.CompleteCommit || t.txnState === TransactionState.CompleteAbort) && t.producerEpoch === 0) {
      return t.lastProducerEpoch === this.lastProducerEpoch && t.prevProducerId === this.producerId;
    }
    if (v2 && (t.txnState === TransactionState.PrepareCommit || t.txnState === TransactionState.PrepareAbort)) {
      return t.lastProducerEpoch === this.producerEpoch && t.producerId === this.producerId;
    }
    return t.producerEpoch === this.producerEpoch && t.producerId === this.producerId;
  }

  private validProducerEpochBump(t: TxnTransitMetadata): boolean {
    return t.producerEpoch === this.producerEpoch + 1 || (t.producerEpoch === 0 && t.producerId !== this.producerId);
  }

  private fail(t: TxnTransitMetadata): never {
    throw new IllegalTransitionError(`TransactionalId ${this.transactionalId} failed transition from ${stateName(this.state)} to state ${stateName(t.txnState)} (producer ${t.producerId} epoch ${t.producerEpoch}) due to unexpected metadata`);
  }
}
