// AddOffsetsToTxn (key 25), versions 0-4. v1 is v0; v2 may answer PRODUCER_FENCED (older
// versions get INVALID_PRODUCER_EPOCH); v3 is flexible; v4 may answer TRANSACTION_ABORTABLE.
// The group's partition of __consumer_offsets joins the transaction, so that its
// TxnOffsetCommit gets the transaction's marker. transaction.version 2 clients skip it: their
// TxnOffsetCommit v5 adds the partition itself (txn-offset-commit.ts).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { addOffsetsToTxn } from '../../coordinator/txn/add-offsets-to-txn.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { AclOperation, ResourceType } from '../../cluster/acls.js';
import { authorize, authorizeGroup } from '../authorize.js';
import { defineHandler } from './handler.js';

export const addOffsetsToTxnHandler = defineHandler({
  apiKey: ApiKey.AddOffsetsToTxn,
  minVersion: 0,
  maxVersion: 4,
  handle(request, info, broker) {
    if (!authorize(broker, info, AclOperation.Write, ResourceType.TransactionalId, request.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    if (!authorizeGroup(broker, info, AclOperation.Read, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    return addOffsetsToTxn(broker.transactions, request, info.apiVersion);
  },
});
