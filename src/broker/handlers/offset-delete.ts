// OffsetDelete (key 47), version 0 (KIP-496). Deletes committed offsets of a group that has
// no members, or, for a consumer group with members, of topics it does not subscribe to
// (GROUP_SUBSCRIBED_TO_TOPIC for the others). Group errors (GROUP_ID_NOT_FOUND,
// NON_EMPTY_GROUP, INVALID_GROUP_ID) are top-level; unknown topics and partitions get
// UNKNOWN_TOPIC_OR_PARTITION.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { OffsetDeleteResponse } from '../../protocol/generated/offset-delete-response.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeGroup, authorizeTopic } from '../authorize.js';
import { defineHandler } from './handler.js';

const failed = (errorCode: number): OffsetDeleteResponse => ({ errorCode, throttleTimeMs: 0, topics: [] });
const key = (topic: string, partition: number) => `${partition}:${topic}`;

export const offsetDeleteHandler = defineHandler({
  apiKey: ApiKey.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  async handle(request, info, broker) {
    if (!authorizeGroup(broker, info, AclOperation.Delete, request.groupId)) return failed(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const groups = broker.groups;
    const status = groups.statusError();
    if (status !== ErrorCode.NONE) return failed(status);
    if (request.groupId === '') return failed(ErrorCode.INVALID_GROUP_ID);
    const notHere = groups.groupError(request.groupId);
    if (notHere !== ErrorCode.NONE) return failed(notHere);
    const codes = new Map<string, number>();
    const valid: Array<{ name: string; partitions: Array<{ partitionIndex: number }> }> = [];
    for (const t of request.topics) {
      const topic = broker.metadata.topic(t.name);
      const partitions = [];
      const denied = !authorizeTopic(broker, info, AclOperation.Read, t.name);
      for (const p of t.partitions) {
        if (denied) codes.set(key(t.name, p.partitionIndex), ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        else if (topic === undefined || !topic.partitions.some((m) => m.partition === p.partitionIndex)) codes.set(key(t.name, p.partitionIndex), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        else partitions.push({ partitionIndex: p.partitionIndex });
      }
      if (partitions.length > 0) valid.push({ name: t.name, partitions });
    }
    const result = await groups.deleteOffsets(request.groupId, valid);
    if (result.errorCode !== ErrorCode.NONE) return failed(result.errorCode);
    for (const t of result.topics) for (const p of t.partitions) codes.set(key(t.name, p.partitionIndex), p.errorCode);
    return {
      errorCode: ErrorCode.NONE,
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codes.get(key(t.name, p.partitionIndex)) ?? ErrorCode.NONE })),
      })),
    };
  },
});
