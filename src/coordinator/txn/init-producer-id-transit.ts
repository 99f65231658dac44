/**
 * InitProducerId's decision for a transactional id that has metadata (Kafka's
 * prepareInitProducerIdTransit):
 *
 * - a transition under way, or a transaction being prepared: CONCURRENT_TRANSACTIONS (retry);
 * - KIP-360: a producer that gives its current id and epoch keeps the id (its epoch is bumped,
 *   or kept for the retry of a bump that succeeded); one with another id is PRODUCER_FENCED,
 *   unless the metadata is new (epoch -1) or the id is the previous one with an exhausted epoch;
 * - Empty or Complete*: the epoch is bumped, which fences every older producer; an exhausted
 *   epoch (Short.MaxValue - 1) moves to a new producer id at epoch 0;
 * - Ongoing: the producer is fenced (PrepareEpochFence: the epoch is bumped, by the fence at
 *   transaction.version 0, by the abort at 2), the transaction is aborted, and the client is
 *   told CONCURRENT_TRANSACTIONS so that it retries.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { IllegalTransitionError, isEpochExhausted, type TransactionMetadata, type TxnTransitMetadata } from './transaction-metadata.js';
import { NO_PRODUCER_EPOCH, stateName, TransactionState } from './transaction-state.js';

export interface ProducerIdAndEpoch {
  producerId: number;
  epoch: number;
}

export type InitProducerIdDecision =
  | { kind: 'error'; errorCode: number }
  | { kind: 'needsProducerId' }
  | { kind: 'transit'; transit: TxnTransitMetadata };

export function prepareInitProducerIdTransit(
  m: TransactionMetadata,
  transactionTimeoutMs: number,
  expected: ProducerIdAndEpoch | null,
  now: number,
  newProducerId: number | null,
  fenceBumpsEpoch: boolean,
): InitProducerIdDecision {
  const isValidProducerId = (e: ProducerIdAndEpoch) =>
    m.producerEpoch === NO_PRODUCER_EPOCH || e.producerId === m.producerId || (e.producerId === m.previousProducerId && isEpochExhausted(e.epoch));
  if (m.pendingTransitionInProgress) return { kind: 'error', errorCode: ErrorCode.CONCURRENT_TRANSACTIONS };
  if (expected !== null && !isValidProducerId(expected)) return { kind: 'error', errorCode: ErrorCode.PRODUCER_FENCED };
  switch (m.state) {
    case TransactionState.PrepareAbort:
    case TransactionState.PrepareCommit:
      return { kind: 'error', errorCode: ErrorCode.CONCURRENT_TRANSACTIONS };
    case TransactionState.CompleteAbort:
    case TransactionState.CompleteCommit:
    case TransactionState.Empty: {
      if (m.isProducerEpochExhausted && (expected === null || expected.epoch === m.producerEpoch)) {
        if (newProducerId === null) return { kind: 'needsProducerId' };
        return { kind: 'transit', transit: m.prepareProducerIdRotation(newProducerId, transactionTimeoutMs, now, expected !== null) };
      }
      const r = m.prepareIncrementProducerEpoch(transactionTimeoutMs, expected === null ? null : expected.epoch, now);
      return typeof r === 'number' ? { kind: 'error', errorCode: r } : { kind: 'transit', transit: r };
    }
    case TransactionState.Ongoing:
      // This epoch is never returned: the client's retry bumps it again (and rotates the id if that exhausts it).
      return { kind: 'transit', transit: m.prepareFenceProducerEpoch(fenceBumpsEpoch) };
    default:
      throw new IllegalTransitionError(`Found transactionalId ${m.transactionalId} with state ${stateName(m.state)}. This is illegal as we should never have transitioned to this state.`);
  }
}
