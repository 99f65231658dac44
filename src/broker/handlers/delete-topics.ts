// DeleteTopics (key 20), versions 1-6 (Kafka 4.0 removed 0). v4 is flexible; v5 adds per-topic
// error messages; v6 names topics by name or by id (exactly one of the two). Duplicates get
// INVALID_REQUEST. With delete.topic.enable=false every topic gets TOPIC_DELETION_DISABLED
// (INVALID_REQUEST before v3). Internal topics are deletable, as in Kafka 4.0.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { DeletableTopicResult } from '../../protocol/generated/delete-topics-response.js';
import { ErrorCode, errorMessage } from '../../protocol/generated/errors.js';
import { ZERO_UUID } from '../../protocol/primitives/codec-helpers.js';
import { deleteTopic } from '../topics.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeTopic } from '../authorize.js';
import { defineHandler } from './handler.js';

export const deleteTopicsHandler = defineHandler({
  apiKey: ApiKey.DeleteTopics,
  minVersion: 1,
  maxVersion: 6,
  async handle(request, info, broker) {
    const v = info.apiVersion;
    const requested = v >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const responses: DeletableTopicResult[] = [];
    const respond = (name: string | null, topicId: Buffer, errorCode: number, message: string | null = null) =>
      responses.push({ name, topicId, errorCode, errorMessage: message });
    if (!broker.config.bool('delete.topic.enable')) {
      const code = v < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED;
      for (const t of requested) respond(t.name, t.topicId, code);
      return { throttleTimeMs: 0, responses };
    }

    const names = new Set<string>();
    const duplicateNames = new Set<string>();
    const ids = new Map<string, Buffer>();
    const duplicateIds = new Map<string, Buffer>();
    const addName = (name: string) => {
      if (duplicateNames.has(name) || names.has(name)) {
        duplicateNames.add(name);
        names.delete(name);
      } else names.add(name);
    };
    for (const t of requested) {
      const hasId = !t.topicId.equals(ZERO_UUID);
      if (t.name === null) {
        const key = t.topicId.toString('hex');
        if (!hasId) respond(null, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.');
        else if (duplicateIds.has(key) || ids.has(key)) {
          duplicateIds.set(key, t.topicId);
          ids.delete(key);
        } else ids.set(key, t.topicId);
      } else if (hasId) {
        respond(t.name, t.topicId, ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.');
      } else addName(t.name);
    }
    for (const name of duplicateNames) respond(name, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.');
    for (const id of duplicateIds.values()) respond(null, id, ErrorCode.INVALID_REQUEST, 'Duplicate topic id.');

    // Topic id (hex) → name of everything to delete.
    const toDelete = new Map<string, { name: string; id: Buffer }>();
    for (const [key, id] of ids) {
      const topic = broker.metadata.topicById(id);
      if (topic === undefined) respond(null, id, ErrorCode.UNKNOWN_TOPIC_ID, errorMessage(ErrorCode.UNKNOWN_TOPIC_ID));
      // A topic given by id is named in the answer only to a principal that may describe it.
      else if (!authorizeTopic(broker, info, AclOperation.Describe, topic.name)) respond(null, id, ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage(ErrorCode.TOPIC_AUTHORIZATION_FAILED));
      else if (!authorizeTopic(broker, info, AclOperation.Delete, topic.name)) respond(topic.name, id, ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage(ErrorCode.TOPIC_AUTHORIZATION_FAILED));
      else toDelete.set(key, { name: topic.name, id });
    }
    for (const name of names) {
      // DELETE on the topic before anything is said about whether it exists.
      if (!authorizeTopic(broker, info, AclOperation.Delete, name)) {
        respond(name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage(ErrorCode.TOPIC_AUTHORIZATION_FAILED));
        continue;
      }
      const topic = broker.metadata.topic(name);
      if (topic === undefined) {
        respond(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        continue;
      }
      const key = topic.id.toString('hex');
      if (duplicateIds.has(key) || toDelete.has(key)) {
        // Named and also given by id: Kafka deletes neither and says so for the name.
        duplicateIds.set(key, topic.id);
        toDelete.delete(key);
        respond(name, topic.id, ErrorCode.INVALID_REQUEST, 'The provided topic name maps to an ID that was already supplied.');
      } else toDelete.set(key, { name, id: topic.id });
    }
    for (const { name, id } of toDelete.values()) {
      const deleted = await deleteTopic(broker, name);
      if (deleted === undefined) respond(name, id, ErrorCode.UNKNOWN_TOPIC_ID, errorMessage(ErrorCode.UNKNOWN_TOPIC_ID));
      else respond(name, id, ErrorCode.NONE);
    }
    return { throttleTimeMs: 0, responses };
  },
});
