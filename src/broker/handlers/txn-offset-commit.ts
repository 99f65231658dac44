// TxnOffsetCommit (key 28), versions 0-6. v1 is v0; v2 adds each partition's committed leader
// epoch; v3 is flexible and adds the member id, group instance id and generation id, checked
// against the group; v4 may answer TRANSACTION_ABORTABLE (KIP-890 part 1); v5 comes from
// transaction.version 2 clients, which send no AddOffsetsToTxn: the group's partition of
// __consumer_offsets is added to the transaction here (KIP-890 part 2); v6 names topics by id
// (KIP-1319), an id no topic has getting UNKNOWN_TOPIC_ID. The offsets stay pending until the
// transaction's marker (src/broker/txn/txn-offset-commit.ts).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { txnOffsetCommit } from '../txn/txn-offset-commit.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { TxnOffsetCommitRequest } from '../../protocol/generated/txn-offset-commit-request.js';
import { AclOperation, ResourceType } from '../../cluster/acls.js';
import { authorize, authorizeGroup, authorizeTopic } from '../authorize.js';
import { defineHandler } from './handler.js';

export const txnOffsetCommitHandler = defineHandler({
  apiKey: ApiKey.TxnOffsetCommit,
  minVersion: 0,
  maxVersion: 6,
  handle(request, info, broker) {
    // v6: each id's topic name, '' for an id no topic has (KafkaApis fills them in the same way).
    if (info.apiVersion >= 6) for (const t of request.topics) t.name = broker.metadata.topicById(t.topicId)?.name ?? '';
    // WRITE on the transactional id, READ on the group, then READ on each topic (KafkaApis).
    const refused = !authorize(broker, info, AclOperation.Write, ResourceType.TransactionalId, request.transactionalId)
      ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
      : !authorizeGroup(broker, info, AclOperation.Read, request.groupId) ? ErrorCode.GROUP_AUTHORIZATION_FAILED : ErrorCode.NONE;
    if (refused !== ErrorCode.NONE) return { throttleTimeMs: 0, topics: everyPartition(request.topics, refused) };
    const unknownIds = info.apiVersion >= 6 ? request.topics.filter((t) => t.name === '') : [];
    const denied = broker.authorizer === null ? [] : request.topics.filter((t) => t.name !== '' && !authorizeTopic(broker, info, AclOperation.Read, t.name));
    if (unknownIds.length === 0 && denied.length === 0) return txnOffsetCommit(broker, request, info.apiVersion);
    const refusedTopics = everyPartition(unknownIds, ErrorCode.UNKNOWN_TOPIC_ID).concat(everyPartition(denied, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
    const allowed = request.topics.filter((t) => !denied.includes(t) && !unknownIds.includes(t));
    if (allowed.length === 0) return { throttleTimeMs: 0, topics: refusedTopics };
    return txnOffsetCommit(broker, { ...request, topics: allowed }, info.apiVersion).then((r) => ({ ...r, topics: r.topics.concat(refusedTopics) }));
  },
});

function everyPartition(topics: TxnOffsetCommitRequest['topics'], errorCode: number): Array<{ name: string; topicId: Buffer; partitions: Array<{ partitionIndex: number; errorCode: number }> }> {
  return topics.map((t) => ({ name: t.name, topicId: t.topicId, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) }));
}
