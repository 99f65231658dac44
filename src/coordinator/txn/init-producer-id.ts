/**
 * InitProducerId as Kafka 4.0's KafkaApis.handleInitProducerIdRequest and
 * TransactionCoordinator.handleInitProducerId decide it:
 *
 * - producerId and producerEpoch must both be -1 or both be set, else INVALID_REQUEST;
 * - no transactional id: an idempotent producer. Kafka "blindly accepts" the request and
 *   returns a new producer id with epoch 0, also when the request carries the producer's
 *   current id and epoch (KIP-360's bump of an idempotent producer after
 *   UNKNOWN_PRODUCER_ID or OUT_OF_ORDER_SEQUENCE_NUMBER is exactly that: a fresh id);
 * - an empty transactional id: INVALID_REQUEST; a transaction timeout outside
 *   (0, transaction.max.timeout.ms]: INVALID_TRANSACTION_TIMEOUT;
 * - otherwise the transaction coordinator answers (`transactional`: the broker's
 *   TransactionCoordinator, transaction-coordinator.ts); with none (null, in tests of this
 *   function alone) COORDINATOR_NOT_AVAILABLE, Kafka's error when no transaction coordinator
 *   can serve the id.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { ProducerIdsUnavailableError, type ProducerIdManager } from './producer-id-manager.js';

export interface InitProducerIdInput {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  /** -1 when the producer has none yet. */
  producerId: number;
  /** -1 when the producer has none yet. */
  producerEpoch: number;
}

export interface InitProducerIdResult {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

/** The transaction coordinator's part: producer ids of transactional ids. */
export interface TransactionalIdCoordinator {
  initProducerId(input: InitProducerIdInput): Promise<InitProducerIdResult>;
}

function failed(errorCode: number): InitProducerIdResult {
  return { errorCode, producerId: -1, producerEpoch: -1 };
}

export async function initProducerId(
  input: InitProducerIdInput,
  ids: ProducerIdManager,
  transactionMaxTimeoutMs: number,
  transactional: TransactionalIdCoordinator | null,
): Promise<InitProducerIdResult> {
  const hasId = input.producerId !== -1;
  const hasEpoch = input.producerEpoch !== -1;
  if (hasId !== hasEpoch) return failed(ErrorCode.INVALID_REQUEST);
  if (input.transactionalId === null) {
    try {
      return { errorCode: ErrorCode.NONE, producerId: await ids.generateProducerId(), producerEpoch: 0 };
    } catch (e) {
      // RPCProducerIdManager's answer while it has no block: retriable.
      if (e instanceof ProducerIdsUnavailableError) return failed(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      throw e;
    }
  }
  if (input.transactionalId.length === 0) return failed(ErrorCode.INVALID_REQUEST);
  if (input.transactionTimeoutMs <= 0 || input.transactionTimeoutMs > transactionMaxTimeoutMs) {
    return failed(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  }
  if (transactional === null) return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  return transactional.initProducerId(input);
}
