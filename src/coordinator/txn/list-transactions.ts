/**
 * ListTransactions (key 66) on the coordinator: the transactions of this broker's partitions
 * of __transaction_state, filtered by state names (unknown names come back in
 * unknownStateFilters), producer ids and, from v1, by running longer than DurationFilter ms.
 */
import type { ListTransactionsRequest } from '../../protocol/generated/list-transactions-request.js';
import type { ListTransactionsResponse } from '../../protocol/generated/list-transactions-response.js';
import type { TransactionCoordinator } from './transaction-coordinator.js';

export function listTransactions(coordinator: TransactionCoordinator, request: ListTransactionsRequest, apiVersion: number): ListTransactionsResponse {
  const producerIds = new Set(request.producerIdFilters.map((id) => Number(id)));
  const duration = apiVersion >= 1 ? Number(request.durationFilter) : -1;
  return coordinator.listTransactions(producerIds, request.stateFilters, duration);
}
