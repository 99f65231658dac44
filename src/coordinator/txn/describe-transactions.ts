/**
 * DescribeTransactions (key 65, v0) on the coordinator: each id's state, producer, timeout,
 * start time and partitions, or its error (TRANSACTIONAL_ID_NOT_FOUND, NOT_COORDINATOR,
 * COORDINATOR_LOAD_IN_PROGRESS, ...), in request order, duplicates answered once each time.
 */
import type { DescribeTransactionsRequest } from '../../protocol/generated/describe-transactions-request.js';
import type { DescribeTransactionsResponse } from '../../protocol/generated/describe-transactions-response.js';
import type { TransactionCoordinator } from './transaction-coordinator.js';

export function describeTransactions(coordinator: TransactionCoordinator, request: DescribeTransactionsRequest): DescribeTransactionsResponse {
  return { throttleTimeMs: 0, transactionStates: request.transactionalIds.map((id) => coordinator.describeTransaction(id)) };
}
