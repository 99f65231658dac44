/**
 * ListTransactions (key 66) on the coordinator: the transactions of this broker's partitions
 * of __transaction_state, filtered by state names (unknown names come back in
 * unknownStateFilters), producer ids, from v1 by running longer than DurationFilter ms, and from
 * v2 by a regular expression the whole transactional id must match (KIP-1152).
 *
 * Kafka compiles the pattern with RE2/J; here it is a JavaScript RegExp anchored at both ends,
 * as the consumer group's topic regex is (group/consumer/subscriptions.ts). RE2's syntax is a
 * subset of JavaScript's for the patterns ids use; with the `u` flag JavaScript also rejects the
 * malformed escapes RE2 rejects.
 */
import type { ListTransactionsRequest } from '../../protocol/generated/list-transactions-request.js';
import type { ListTransactionsResponse } from '../../protocol/generated/list-transactions-response.js';
import type { TransactionCoordinator } from './transaction-coordinator.js';

export function listTransactions(coordinator: TransactionCoordinator, request: ListTransactionsRequest, apiVersion: number): ListTransactionsResponse {
  const producerIds = new Set(request.producerIdFilters.map((id) => Number(id)));
  const duration = apiVersion >= 1 ? Number(request.durationFilter) : -1;
  return coordinator.listTransactions(producerIds, request.stateFilters, duration, apiVersion >= 2 ? request.transactionalIdPattern : null);
}

/**
 * The transactional id filter: null for none (a null or empty pattern), undefined for a pattern
 * that does not compile (INVALID_REGULAR_EXPRESSION).
 */
export function compileTransactionalIdPattern(source: string | null): RegExp | null | undefined {
  if (source === null || source === '') return null;
  try {
    return new RegExp(`^(?:${source})$`, 'u');
  } catch {
    return undefined;
  }
}
