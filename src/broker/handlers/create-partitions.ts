// CreatePartitions (key 37), versions 0-3. v1 is v0 (the quota behaviour differs in Kafka),
// v2 is flexible, v3 adds nothing on the wire. Only increases are allowed; assignments, when
// given, name the replicas of each new partition; validate_only checks without creating.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { CreatePartitionsTopicResult } from '../../protocol/generated/create-partitions-response.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { addPartitions, MAX_PARTITIONS_PER_REQUEST } from '../topics.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeTopic } from '../authorize.js';
import { defineHandler } from './handler.js';

export const createPartitionsHandler = defineHandler({
  apiKey: ApiKey.CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  async handle(request, info, broker) {
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const t of request.topics) {
      if (seen.has(t.name)) duplicates.add(t.name);
      seen.add(t.name);
    }
    const results: CreatePartitionsTopicResult[] = [];
    for (const name of duplicates) results.push({ name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' });
    let budget = MAX_PARTITIONS_PER_REQUEST;
    for (const t of request.topics) {
      if (duplicates.has(t.name)) continue;
      if (!authorizeTopic(broker, info, AclOperation.Alter, t.name)) {
        results.push({ name: t.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'The topic authorization is failed.' });
        continue;
      }
      const before = broker.metadata.topic(t.name)?.partitions.length ?? 0;
      const problem = await addPartitions(broker, t.name, t.count, t.assignments, request.validateOnly, budget);
      if (problem === null) {
        budget -= t.count - before;
        results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
      } else results.push({ name: t.name, errorCode: problem.errorCode, errorMessage: problem.message });
    }
    return { throttleTimeMs: 0, results };
  },
});
