// CreateTopics (key 19), versions 2-7 (Kafka 4.0 removed 0-1). v4 lets num_partitions and
// replication_factor be -1 for the broker defaults; v5 is flexible and returns the new topic's
// partition count, replication factor and configs (with their sources); v6 adds nothing but
// the quota behaviour; v7 returns the topic id. Duplicated names get INVALID_REQUEST each;
// validate_only checks everything and creates nothing.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { CreatableTopicResult } from '../../protocol/generated/create-topics-response.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { ZERO_UUID } from '../../protocol/primitives/codec-helpers.js';
import { effectiveTopicConfigs } from '../config-admin/effective.js';
import { CLUSTER_METADATA_TOPIC, createNewTopic, MAX_PARTITIONS_PER_REQUEST } from '../topics.js';
import { AclOperation } from '../../cluster/acls.js';
import { authorizeCluster, authorizeTopic } from '../authorize.js';
import { defineHandler } from './handler.js';

function failure(name: string, errorCode: number, errorMessage: string | null): CreatableTopicResult {
  return { name, topicId: ZERO_UUID, errorCode, errorMessage, topicConfigErrorCode: ErrorCode.NONE, numPartitions: -1, replicationFactor: -1, configs: [] };
}

export const createTopicsHandler = defineHandler({
  apiKey: ApiKey.CreateTopics,
  minVersion: 2,
  maxVersion: 7,
  async handle(request, info, broker) {
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const t of request.topics) {
      if (seen.has(t.name)) duplicates.add(t.name);
      seen.add(t.name);
    }
    const topics: CreatableTopicResult[] = [];
    let budget = MAX_PARTITIONS_PER_REQUEST;
    // CREATE on the cluster, or else on each topic (ControllerApis.createTopics).
    const clusterCreate = authorizeCluster(broker, info, AclOperation.Create);
    for (const t of request.topics) {
      if (duplicates.has(t.name) || t.name === CLUSTER_METADATA_TOPIC) continue;
      if (!clusterCreate && !authorizeTopic(broker, info, AclOperation.Create, t.name)) {
        topics.push(failure(t.name, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.'));
        continue;
      }
      const r = await createNewTopic(broker, t, request.validateOnly, budget);
      if (!r.ok) {
        topics.push(failure(t.name, r.errorCode, r.message));
        continue;
      }
      budget -= r.topic.partitions.length;
      const given: Record<string, string> = {};
      for (const c of t.configs) given[c.name] = c.value!;
      // The created topic's configs are shown only to a principal that may describe them.
      const mayDescribeConfigs = authorizeTopic(broker, info, AclOperation.DescribeConfigs, t.name);
      topics.push({
        name: t.name,
        topicId: r.topic.id,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        topicConfigErrorCode: mayDescribeConfigs ? ErrorCode.NONE : ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        numPartitions: r.topic.partitions.length,
        replicationFactor: r.replicationFactor,
        configs:
          info.apiVersion >= 5 && mayDescribeConfigs
            ? effectiveTopicConfigs(broker, given).map((c) => ({ name: c.name, value: c.isSensitive ? null : c.value, readOnly: c.readOnly, configSource: c.source, isSensitive: c.isSensitive }))
            : [],
      });
    }
    for (const name of duplicates) topics.push(failure(name, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'));
    if (seen.has(CLUSTER_METADATA_TOPIC) && !duplicates.has(CLUSTER_METADATA_TOPIC)) {
      topics.push(failure(CLUSTER_METADATA_TOPIC, ErrorCode.INVALID_REQUEST, `Creation of internal topic ${CLUSTER_METADATA_TOPIC} is prohibited.`));
    }
    return { throttleTimeMs: 0, topics };
  },
});
