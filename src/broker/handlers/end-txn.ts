// EndTxn (key 26), versions 0-5. v1 is v0; v2 may answer PRODUCER_FENCED (older versions get
// INVALID_PRODUCER_EPOCH); v3 is flexible; v4 may answer TRANSACTION_ABORTABLE; v5 is sent by
// transaction.version 2 clients (KIP-890 part 2): every EndTxn bumps the producer epoch and
// the response carries the producer id and epoch to go on with. The transaction is prepared
// (PrepareCommit / PrepareAbort written to __transaction_state) before the answer; its markers
// are written in the background (src/coordinator/txn/end-txn.ts, transaction-coordinator.ts).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { endTxn } from '../../coordinator/txn/end-txn.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { AclOperation, ResourceType } from '../../cluster/acls.js';
import { authorize } from '../authorize.js';
import { defineHandler } from './handler.js';

export const endTxnHandler = defineHandler({
  apiKey: ApiKey.EndTxn,
  minVersion: 0,
  maxVersion: 5,
  handle(request, info, broker) {
    if (!authorize(broker, info, AclOperation.Write, ResourceType.TransactionalId, request.transactionalId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 };
    }
    return endTxn(broker.transactions, request, info.apiVersion);
  },
});
