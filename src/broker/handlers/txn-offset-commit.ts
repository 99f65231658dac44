// TxnOffsetCommit (key 28), versions 0-5. v1 is v0; v2 adds each partition's committed leader
// epoch; v3 is flexible and adds the member id, group instance id and generation id, checked
// against the group; v4 may answer TRANSACTION_ABORTABLE (KIP-890 part 1); v5 comes from
// transaction.version 2 clients, which send no AddOffsetsToTxn: the group's partition of
// __consumer_offsets is added to the transaction here (KIP-890 part 2). The offsets stay
// pending until the transaction's marker (src/broker/txn/txn-offset-commit.ts).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { txnOffsetCommit } from '../txn/txn-offset-commit.js';
import { defineHandler } from './handler.js';

export const txnOffsetCommitHandler = defineHandler({
  apiKey: ApiKey.TxnOffsetCommit,
  minVersion: 0,
  maxVersion: 5,
  handle(request, info, broker) {
    return txnOffsetCommit(broker, request, info.apiVersion);
  },
});
