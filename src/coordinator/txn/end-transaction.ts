/**
 * EndTxn's decision before anything is written (the first half of Kafka's endTransaction and
 * endTransactionWithTV1): from the transaction's state, the request's producer id and epoch,
 * commit or abort, and the client's transaction version, either an answer (an error, or NONE
 * for a retry of an EndTxn that already completed) or the PrepareCommit/PrepareAbort transition
 * to write. It also serves the coordinator's own aborts (InitProducerId fencing an Ongoing
 * transaction, timeouts), which are not "from the client" and come with the fence's epoch.
 *
 * transaction.version 2 (KIP-890) bumps the epoch at every EndTxn, so a retry carries the epoch
 * before the bump; when the bump exhausts the epochs a new producer id is needed, which is
 * asked for (`needsProducerId`) and the decision made again with it. The coordinator's own
 * abort of a fenced transaction bumps once too (the fence itself does not, at transaction
 * version 2) and rotates the producer id the same way: Kafka 4.0.0 bumped twice there, which
 * overflowed a transaction fenced at the last epoch; later Kafka releases bump once.
 * (A late EndTxn(abort) from the fenced producer is then answered as a retry.)
 *
 *   TV2          Abort: retry  current | Commit: retry  current
 *   Empty               PF     bump    |        PF     INVALID_TXN_STATE
 *   CompleteAbort       NONE   bump    |        ITS    ITS
 *   CompleteCommit      ITS    bump    |        NONE   ITS
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { IllegalTransitionError, type TransactionMetadata, type TxnTransitMetadata } from './transaction-metadata.js';
import {
  MAX_PRODUCER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  stateName,
  supportsEpochBump,
  TransactionResult,
  TransactionState,
  type TransactionVersion,
} from './transaction-state.js';

export interface EndTxnRequestInput {
  producerId: number;
  producerEpoch: number;
  result: TransactionResult;
  /** False for the coordinator's own aborts (fencing, timeouts). */
  isFromClient: boolean;
  clientTransactionVersion: TransactionVersion;
}

export type EndTxnDecision =
  /** Answer now, writing nothing (NONE: a retry of a completed EndTxn, with the current id and epoch). */
  | { kind: 'answer'; errorCode: number; producerId: number; producerEpoch: number }
  /** The epoch bump needs a new producer id: decide again with one. */
  | { kind: 'needsProducerId' }
  | { kind: 'append'; transit: TxnTransitMetadata; isEpochFence: boolean };

function fail(errorCode: number): EndTxnDecision {
  return { kind: 'answer', errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
}

function illegal(m: TransactionMetadata): never {
  throw new IllegalTransitionError(`Found transactionalId ${m.transactionalId} with state ${stateName(m.state)}. This is illegal as we should never have transitioned to this state.`);
}

/** The decision for `m`; `newProducerId` is the id the caller obtained after a `needsProducerId`. */
export function decideEndTransaction(m: TransactionMetadata, req: EndTxnRequestInput, now: number, newProducerId: number | null): EndTxnDecision {
  return supportsEpochBump(req.clientTransactionVersion) ? decideTV2(m, req, now, newProducerId) : decideTV1(m, req, now);
}

function decideTV1(m: TransactionMetadata, req: EndTxnRequestInput, now: number): EndTxnDecision {
  const commit = req.result === TransactionResult.Commit;
  if (m.producerId !== req.producerId) return fail(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  // Strict equality for clients: they never bump the epoch without the coordinator.
  if ((req.isFromClient && req.producerEpoch !== m.producerEpoch) || req.producerEpoch < m.producerEpoch) return fail(ErrorCode.PRODUCER_FENCED);
  if (m.pendingState !== null && m.pendingState !== TransactionState.PrepareEpochFence) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
  switch (m.state) {
    case TransactionState.Ongoing: {
      const nextState = commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort;
      let isEpochFence = false;
      if (nextState === TransactionState.PrepareAbort && m.pendingState === TransactionState.PrepareEpochFence) {
        // Make way for PrepareAbort, with the fence's epoch.
        isEpochFence = true;
        m.pendingState = null;
        m.producerEpoch = req.producerEpoch;
        m.lastProducerEpoch = NO_PRODUCER_EPOCH;
      }
      return { kind: 'append', transit: m.prepareAbortOrCommit(nextState, req.clientTransactionVersion, NO_PRODUCER_ID, now, false), isEpochFence };
    }
    case TransactionState.CompleteCommit:
      return fail(commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE);
    case TransactionState.CompleteAbort:
      return fail(commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE);
    case TransactionState.PrepareCommit:
      return fail(commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE);
    case TransactionState.PrepareAbort:
      return fail(commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS);
    case TransactionState.Empty:
      return fail(ErrorCode.INVALID_TXN_STATE);
    default:
      return illegal(m);
  }
}

function decideTV2(m: TransactionMetadata, req: EndTxnRequestInput, now: number, newProducerId: number | null): EndTxnDecision {
  const commit = req.result === TransactionResult.Commit;
  // The fence bumps the epoch its own way; it only ever happens to an Ongoing transaction.
  const isEpochFence = m.pendingState === TransactionState.PrepareEpochFence;
  // A retry of an EndTxn whose bump exhausted the epochs: the transaction moved to a new producer id.
  const retryOnOverflow = !isEpochFence && m.previousProducerId === req.producerId && req.producerEpoch === MAX_PRODUCER_EPOCH - 1 && m.producerEpoch === 0;
  // A retry of an EndTxn whose bumped epoch is stored.
  const retryOnEpochBump = !isEpochFence && m.producerEpoch === req.producerEpoch + 1;
  let isValidEpoch: boolean;
  if (!isEpochFence) {
    switch (m.state) {
      case TransactionState.PrepareCommit:
      case TransactionState.PrepareAbort:
        isValidEpoch = retryOnEpochBump;
        break;
      case TransactionState.CompleteCommit:
      case TransactionState.CompleteAbort:
        isValidEpoch = retryOnEpochBump || retryOnOverflow || req.producerEpoch === m.producerEpoch;
        break;
      default:
        isValidEpoch = req.producerEpoch === m.producerEpoch;
    }
  } else {
    isValidEpoch = (!req.isFromClient || req.producerEpoch === m.producerEpoch) && req.producerEpoch >= m.producerEpoch;
  }
  const isRetry = retryOnEpochBump || retryOnOverflow;

  const complete = (nextState: TransactionState, noPartitionAdded: boolean): EndTxnDecision => {
    // The bump exhausts the epochs: the completion moves to a new producer id (the fence's abort too).
    let nextProducerId = NO_PRODUCER_ID;
    if (m.isProducerEpochExhausted) {
      if (newProducerId === null) return { kind: 'needsProducerId' };
      nextProducerId = newProducerId;
    }
    if (nextState === TransactionState.PrepareAbort && isEpochFence) {
      m.pendingState = null;
      m.producerEpoch = req.producerEpoch;
      m.lastProducerEpoch = NO_PRODUCER_EPOCH;
    }
    return { kind: 'append', transit: m.prepareAbortOrCommit(nextState, req.clientTransactionVersion, nextProducerId, now, noPartitionAdded), isEpochFence };
  };

  if (m.producerId !== req.producerId && !retryOnOverflow) return fail(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  if (!isValidEpoch) return fail(ErrorCode.PRODUCER_FENCED);
  if (m.pendingState !== null && m.pendingState !== TransactionState.PrepareEpochFence) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
  const current = (): EndTxnDecision => ({ kind: 'answer', errorCode: ErrorCode.NONE, producerId: m.producerId, producerEpoch: m.producerEpoch });
  switch (m.state) {
    case TransactionState.Ongoing:
      return complete(commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort, false);
    case TransactionState.CompleteCommit:
      if (commit) return isRetry ? current() : fail(ErrorCode.INVALID_TXN_STATE);
      return isRetry ? fail(ErrorCode.INVALID_TXN_STATE) : complete(TransactionState.PrepareAbort, true);
    case TransactionState.CompleteAbort:
      if (!commit) return isRetry ? current() : complete(TransactionState.PrepareAbort, true);
      return fail(ErrorCode.INVALID_TXN_STATE);
    case TransactionState.PrepareCommit:
      return fail(commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE);
    case TransactionState.PrepareAbort:
      return fail(commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS);
    case TransactionState.Empty:
      return commit ? fail(ErrorCode.INVALID_TXN_STATE) : complete(TransactionState.PrepareAbort, true);
    default:
      return illegal(m);
  }
}

/**
 * The checks once PrepareCommit/PrepareAbort is written (Kafka's preSendResult): still the
 * same producer, epoch and prepared state, with no other transition under way. Returns an
 * error code, or NONE when the markers may go.
 */
export function checkBeforeMarkers(m: TransactionMetadata, req: EndTxnRequestInput): number {
  const v2 = supportsEpochBump(req.clientTransactionVersion);
  if (m.producerId !== req.producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
  const epochOk = v2 ? m.producerEpoch === req.producerEpoch || m.producerEpoch === req.producerEpoch + 1 : m.producerEpoch === req.producerEpoch;
  if (!epochOk) return ErrorCode.PRODUCER_FENCED;
  if (m.pendingTransitionInProgress) return ErrorCode.CONCURRENT_TRANSACTIONS;
  const commit = req.result === TransactionResult.Commit;
  switch (m.state) {
    case TransactionState.PrepareCommit:
      return commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
    case TransactionState.PrepareAbort:
      return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
    case TransactionState.Dead:
    case TransactionState.PrepareEpochFence:
      return illegal(m);
    default:
      return ErrorCode.INVALID_TXN_STATE;
  }
}
