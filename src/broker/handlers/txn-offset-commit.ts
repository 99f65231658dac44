// TxnOffsetCommit (key 28), versions 0-5. v1 is v0; v2 adds each partition's committed leader
// epoch; v3 is flexible and adds the member id, group instance id and generation id, checked
// against the group; v4 may answer TRANSACTION_ABORTABLE (KIP-890 part 1); v5 comes from
// transaction.version 2 clients, which send no AddOffsetsToTxn: the group's partition of
// __consumer_offsets is added to the transaction here (KIP-890 part 2). The offsets stay
// pending until the transaction's marker (src/broker/txn/txn-offset-commit.ts).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { txnOffsetCommit } from '../txn/txn-offset-commit.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { TxnOffsetCommitRequest } from '../../protocol/generated/txn-offset-commit-request.js';
import { AclOperation, ResourceType } from '../../cluster/acls.js';
import { authorize, authorizeGroup, authorizeTopic } from '../authorize.js';
import { defineHandler } from './handler.js';
import { ZERO_UUID } from '../../protocol/primitives/codec-helpers.js';

export const txnOffsetCommitHandler = defineHandler({
  apiKey: ApiKey.TxnOffsetCommit,
  minVersion: 0,
  maxVersion: 5,
  handle(request, info, broker) {
    // WRITE on the transactional id, READ on the group, then READ on each topic (KafkaApis).
    const refused = !authorize(broker, info, AclOperation.Write, ResourceType.TransactionalId, request.transactionalId)
      ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
      : !authorizeGroup(broker, info, AclOperation.Read, request.groupId) ? ErrorCode.GROUP_AUTHORIZATION_FAILED : ErrorCode.NONE;
    if (refused !== ErrorCode.NONE) return { throttleTimeMs: 0, topics: everyPartition(request.topics, refused) };
    if (broker.authorizer === null) return txnOffsetCommit(broker, request, info.apiVersion);
    const denied = request.topics.filter((t) => !authorizeTopic(broker, info, AclOperation.Read, t.name));
    if (denied.length === 0) return txnOffsetCommit(broker, request, info.apiVersion);
    const refusedTopics = everyPartition(denied, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const allowed = request.topics.filter((t) => !denied.includes(t));
    if (allowed.length === 0) return { throttleTimeMs: 0, topics: refusedTopics };
    return txnOffsetCommit(broker, { ...request, topics: allowed }, info.apiVersion).then((r) => ({ ...r, topics: r.topics.concat(refusedTopics) }));
  },
});

function everyPartition(topics: TxnOffsetCommitRequest['topics'], errorCode: number): Array<{ name: string; topicId: Buffer; partitions: Array<{ partitionIndex: number; errorCode: number }> }> {
  return topics.map((t) => ({ name: t.name, topicId: ZERO_UUID, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) }));
}
