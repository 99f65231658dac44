import type { CreatableTopic } from '../../../src/protocol/generated/create-topics-request.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import type { TestBroker } from '../../helpers/test-broker.js';

/** A CreateTopics entry. */
export function newTopic(
  name: string,
  numPartitions = 1,
  replicationFactor = 1,
  configs: Record<string, string | null> = {},
  assignments: Array<{ partitionIndex: number; brokerIds: number[] }> = [],
): CreatableTopic {
  return { name, numPartitions, replicationFactor, assignments, configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) };
}

/** Creates topics over the wire (v7) and fails the test on any error. */
export async function createTopics(ab: TestBroker, ...topics: CreatableTopic[]): Promise<Map<string, Buffer>> {
  const res = await ab.client.request(ApiKey.CreateTopics, 7, { topics, timeoutMs: 10_000, validateOnly: false });
  const ids = new Map<string, Buffer>();
  for (const t of res.topics) {
    if (t.errorCode !== 0) throw new Error(`creating ${t.name}: ${t.errorCode} ${t.errorMessage}`);
    ids.set(t.name, t.topicId);
  }
  return ids;
}
