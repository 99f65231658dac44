// ListTransactions (key 66), versions 0-2 (KIP-664): the transactions this broker coordinates,
// filtered by state names (names Kafka does not know come back in unknownStateFilters) and
// producer ids; v1 adds DurationFilter, transactions running for longer than it (KIP-994); v2
// TransactionalIdPattern, a regular expression the whole id must match (KIP-1152).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { listTransactions } from '../../coordinator/txn/list-transactions.js';
import { AclOperation, ResourceType } from '../../cluster/acls.js';
import { authorize } from '../authorize.js';
import { defineHandler } from './handler.js';

export const listTransactionsHandler = defineHandler({
  apiKey: ApiKey.ListTransactions,
  minVersion: 0,
  maxVersion: 2,
  handle(request, info, broker) {
    const response = listTransactions(broker.transactions, request, info.apiVersion);
    // Only the transactional ids the principal may describe are listed.
    if (broker.authorizer !== null) response.transactionStates = response.transactionStates.filter((s) => authorize(broker, info, AclOperation.Describe, ResourceType.TransactionalId, s.transactionalId));
    return response;
  },
});
