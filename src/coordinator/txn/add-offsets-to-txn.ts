/**
 * AddOffsetsToTxn (key 25) as Kafka's KafkaApis.handleAddOffsetsToTxnRequest answers it, on
 * the coordinator: the group's partition of __consumer_offsets joins the transaction, so that
 * its TxnOffsetCommit gets a marker. v0-1 get INVALID_PRODUCER_EPOCH where newer versions get
 * PRODUCER_FENCED (KIP-588).
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { AddOffsetsToTxnRequest } from '../../protocol/generated/add-offsets-to-txn-request.js';
import type { AddOffsetsToTxnResponse } from '../../protocol/generated/add-offsets-to-txn-response.js';
import type { TransactionCoordinator } from './transaction-coordinator.js';

export async function addOffsetsToTxn(coordinator: TransactionCoordinator, request: AddOffsetsToTxnRequest, apiVersion: number): Promise<AddOffsetsToTxnResponse> {
  let errorCode = await coordinator.addOffsetsToTransaction(request.transactionalId, Number(request.producerId), request.producerEpoch, request.groupId);
  if (apiVersion < 2 && errorCode === ErrorCode.PRODUCER_FENCED) errorCode = ErrorCode.INVALID_PRODUCER_EPOCH;
  return { throttleTimeMs: 0, errorCode };
}
