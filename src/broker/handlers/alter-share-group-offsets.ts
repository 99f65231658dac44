// AlterShareGroupOffsets (key 91), version 0: sets share-partitions' start offsets; each
// share-partition's state starts over there (KIP-932). The group must be empty
// (NON_EMPTY_GROUP). READ on the group and on each topic (KafkaApis).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { AlterShareGroupOffsetsResponse, AlterShareGroupOffsetsResponseTopic } from '../../protocol/generated/alter-share-group-offsets-response.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup, authorizeTopic } from '../authorize.js';
import { alterShareGroupOffsets } from '../share/share-offsets.js';
import { shareGroupProtocolEnabled, UNSUPPORTED_VERSION_MESSAGE } from '../feature-gates.js';
import { defineHandler } from './handler.js';

const fail = (errorCode: number, errorMessage: string | null = null): AlterShareGroupOffsetsResponse => ({ throttleTimeMs: 0, errorCode, errorMessage, responses: [] });

export const alterShareGroupOffsetsHandler = defineHandler({
  apiKey: ApiKey.AlterShareGroupOffsets,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, info, broker) {
    if (!shareGroupProtocolEnabled(broker)) return fail(ErrorCode.UNSUPPORTED_VERSION, UNSUPPORTED_VERSION_MESSAGE);
    if (!authorizeGroup(broker, info, AclOperation.Read, request.groupId)) return fail(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const status = broker.groups.statusError();
    if (status !== ErrorCode.NONE) return fail(status);
    const responses: AlterShareGroupOffsetsResponseTopic[] = [];
    const allowed = [];
    for (const t of request.topics) {
      if (authorizeTopic(broker, info, AclOperation.Read, t.topicName)) {
        allowed.push({ name: t.topicName, partitions: t.partitions.map((p) => ({ partition: p.partitionIndex, startOffset: Number(p.startOffset) })) });
        continue;
      }
      responses.push({
        topicName: t.topicName, topicId: broker.metadata.topic(t.topicName)?.id ?? Buffer.alloc(16),
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null })),
      });
    }
    const r = await alterShareGroupOffsets(broker, request.groupId, allowed);
    if (r.errorCode !== ErrorCode.NONE) return fail(r.errorCode, r.errorMessage);
    for (const t of r.topics) {
      responses.push({ topicName: t.topicName, topicId: t.topicId, partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: p.errorCode, errorMessage: null })) });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, responses };
  },
});
