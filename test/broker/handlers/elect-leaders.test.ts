// ElectLeaders on a single node: its one broker leads every partition, so every election is
// not needed; unknown partitions and election types get Kafka's errors, in every version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { createTopics, newTopic } from '../config-admin/admin-helpers.js';
import { startTestBroker } from '../../helpers/test-broker.js';

test('ElectLeaders v0-v2 on a single node: ELECTION_NOT_NEEDED, UNKNOWN_TOPIC_OR_PARTITION; a null list reports nothing', async () => {
  const ab = await startTestBroker();
  try {
    await createTopics(ab, newTopic('two', 2));
    for (const version of [0, 1, 2]) {
      for (const electionType of version === 0 ? [0] : [0, 1]) {
        const res = await ab.client.request(ApiKey.ElectLeaders, version, {
          electionType,
          topicPartitions: [{ topic: 'two', partitions: [0, 1, 2] }, { topic: 'nosuch', partitions: [0] }],
          timeoutMs: 10_000,
        });
        assert.equal(res.errorCode, ErrorCode.NONE);
        assert.deepEqual(res.replicaElectionResults.map((t) => [t.topic, t.partitionResult.map((p) => [p.partitionId, p.errorCode])]), [
          ['two', [[0, ErrorCode.ELECTION_NOT_NEEDED], [1, ErrorCode.ELECTION_NOT_NEEDED], [2, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
          ['nosuch', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
        ], `v${version} type ${electionType}`);
        assert.equal(res.replicaElectionResults[0]!.partitionResult[2]!.errorMessage, 'No such partition as two-2');
      }
      const all = await ab.client.request(ApiKey.ElectLeaders, version, { electionType: 0, topicPartitions: null, timeoutMs: 10_000 });
      assert.deepEqual(all.replicaElectionResults, [], `v${version}: every partition has its preferred leader`);
    }
    const bad = await ab.client.request(ApiKey.ElectLeaders, 2, { electionType: 5, topicPartitions: null, timeoutMs: 10_000 });
    assert.equal(bad.errorCode, ErrorCode.INVALID_REQUEST);
  } finally {
    await ab.close();
  }
});
