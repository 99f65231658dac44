// DescribeTransactions (key 65), version 0 (KIP-664): each transactional id's state, producer
// id and epoch, timeout, start time and partitions, or its error (TRANSACTIONAL_ID_NOT_FOUND,
// COORDINATOR_LOAD_IN_PROGRESS, ...), in request order.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { describeTransactions } from '../../coordinator/txn/describe-transactions.js';
import { defineHandler } from './handler.js';

export const describeTransactionsHandler = defineHandler({
  apiKey: ApiKey.DescribeTransactions,
  minVersion: 0,
  maxVersion: 0,
  handle(request, _info, broker) {
    return describeTransactions(broker.transactions, request);
  },
});
