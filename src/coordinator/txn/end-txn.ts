/**
 * EndTxn (key 26) as Kafka's KafkaApis.handleEndTxnRequest answers it, on the coordinator.
 * v5+ is sent by clients that use transaction version 2 (KIP-890): the epoch is bumped at
 * every EndTxn, and the response carries the producer id and epoch to continue with. v0-1 get
 * INVALID_PRODUCER_EPOCH where newer versions get PRODUCER_FENCED (KIP-588).
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { EndTxnRequest } from '../../protocol/generated/end-txn-request.js';
import type { EndTxnResponse } from '../../protocol/generated/end-txn-response.js';
import type { TransactionCoordinator } from './transaction-coordinator.js';
import { TransactionResult, TransactionVersion } from './transaction-state.js';

/** Kafka's transactionVersionForEndTxn: v5+ means the client uses transaction version 2. */
export function transactionVersionForEndTxn(apiVersion: number): TransactionVersion {
  return apiVersion > 4 ? TransactionVersion.TV2 : TransactionVersion.TV0;
}

export async function endTxn(coordinator: TransactionCoordinator, request: EndTxnRequest, apiVersion: number): Promise<EndTxnResponse> {
  const r = await coordinator.endTransaction(request.transactionalId, {
    producerId: Number(request.producerId),
    producerEpoch: request.producerEpoch,
    result: request.committed ? TransactionResult.Commit : TransactionResult.Abort,
    isFromClient: true,
    clientTransactionVersion: transactionVersionForEndTxn(apiVersion),
  });
  const errorCode = apiVersion < 2 && r.errorCode === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : r.errorCode;
  return { throttleTimeMs: 0, errorCode, producerId: BigInt(r.producerId), producerEpoch: r.producerEpoch };
}
