// DescribeTransactions (key 65), version 0 (KIP-664): each transactional id's state, producer
// id and epoch, timeout, start time and partitions, or its error (TRANSACTIONAL_ID_NOT_FOUND,
// COORDINATOR_LOAD_IN_PROGRESS, ...), in request order.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { describeTransactions } from '../../coordinator/txn/describe-transactions.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { AclOperation, ResourceType } from '../../cluster/acls.js';
import { authorize, authorizeTopic } from '../authorize.js';
import { defineHandler } from './handler.js';

export const describeTransactionsHandler = defineHandler({
  apiKey: ApiKey.DescribeTransactions,
  minVersion: 0,
  maxVersion: 0,
  handle(request, info, broker) {
    const response = describeTransactions(broker.transactions, request);
    if (broker.authorizer === null) return response;
    // DESCRIBE on each transactional id; of an allowed one, only the topics the principal may
    // describe are listed (KafkaApis.handleDescribeTransactionsRequest).
    response.transactionStates = response.transactionStates.map((s) => {
      if (!authorize(broker, info, AclOperation.Describe, ResourceType.TransactionalId, s.transactionalId)) {
        return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, transactionalId: s.transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] };
      }
      return { ...s, topics: s.topics.filter((t) => authorizeTopic(broker, info, AclOperation.Describe, t.topic)) };
    });
    return response;
  },
});
