// DeleteShareGroupOffsets (key 92), version 0: forgets the share-partition state of whole
// topics for a share group (KIP-932): those its ShareGroupStatePartitionMetadata has state for;
// the others answer UNKNOWN_TOPIC_OR_PARTITION (share-offsets.ts). The group must be empty
// (NON_EMPTY_GROUP). DELETE on the group and READ on each topic (KafkaApis).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { DeleteShareGroupOffsetsResponse, DeleteShareGroupOffsetsResponseTopic } from '../../protocol/generated/delete-share-group-offsets-response.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup, authorizeTopic } from '../authorize.js';
import { deleteShareGroupOffsets } from '../share/share-offsets.js';
import { shareGroupProtocolEnabled, UNSUPPORTED_VERSION_MESSAGE } from '../feature-gates.js';
import { defineHandler } from './handler.js';

const fail = (errorCode: number, errorMessage: string | null = null): DeleteShareGroupOffsetsResponse => ({ throttleTimeMs: 0, errorCode, errorMessage, responses: [] });

export const deleteShareGroupOffsetsHandler = defineHandler({
  apiKey: ApiKey.DeleteShareGroupOffsets,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, info, broker) {
    if (!shareGroupProtocolEnabled(broker)) return fail(ErrorCode.UNSUPPORTED_VERSION, UNSUPPORTED_VERSION_MESSAGE);
    if (!authorizeGroup(broker, info, AclOperation.Delete, request.groupId)) return fail(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const status = broker.groups.statusError();
    if (status !== ErrorCode.NONE) return fail(status);
    const responses: DeleteShareGroupOffsetsResponseTopic[] = [];
    const allowed: string[] = [];
    for (const t of request.topics) {
      if (authorizeTopic(broker, info, AclOperation.Read, t.topicName)) allowed.push(t.topicName);
      else responses.push({ topicName: t.topicName, topicId: broker.metadata.topic(t.topicName)?.id ?? Buffer.alloc(16), errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null });
    }
    const r = await deleteShareGroupOffsets(broker, request.groupId, allowed);
    if (r.errorCode !== ErrorCode.NONE) return fail(r.errorCode, r.errorMessage);
    for (const t of r.topics) responses.push({ topicName: t.topicName, topicId: t.topicId, errorCode: t.errorCode, errorMessage: t.errorMessage });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, responses };
  },
});
