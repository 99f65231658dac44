import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import type { EpochEndOffset } from '../../../src/protocol/generated/offset-for-leader-epoch-response.js';
import { append, values } from '../fetch/helpers.js';
import { type TestBroker, logOf, makeTopic, startTestBroker } from '../../helpers/test-broker.js';

let tb: TestBroker;

before(async () => {
  tb = await startTestBroker();
  await makeTopic(tb, 'ep', 1);
  append(tb, 'ep', 0, values('a', 4));
  append(tb, 'ep', 0, values('b', 2), { advanceHw: false });
});

after(async () => {
  await tb.close();
});

async function ask(version: number, leaderEpoch: number, currentLeaderEpoch = -1, topic = 'ep', partition = 0): Promise<EpochEndOffset> {
  const res = await tb.client.request(ApiKey.OffsetForLeaderEpoch, version, {
    replicaId: -1,
    topics: [{ topic, partitions: [{ partition, currentLeaderEpoch, leaderEpoch }] }],
  });
  assert.equal(res.topics[0]!.topic, topic);
  return res.topics[0]!.partitions[0]!;
}

const tuple = (r: EpochEndOffset) => [r.errorCode, r.leaderEpoch, Number(r.endOffset)];

test('OffsetForLeaderEpoch v2 (lowest) and v4 (highest): the current epoch ends at the log end offset', async () => {
  for (const v of [2, 3, 4]) {
    assert.deepEqual(tuple(await ask(v, 0)), [0, 0, 6], `v${v}`);
    assert.deepEqual(tuple(await ask(v, 0, 0)), [0, 0, 6], `v${v} with the current epoch`);
  }
});

test('an epoch newer than the current one, or -1, is undefined: epoch -1, offset -1', async () => {
  assert.deepEqual(tuple(await ask(4, 3)), [0, -1, -1]);
  assert.deepEqual(tuple(await ask(4, -1)), [0, -1, -1]);
});

test('after a leader change, an older epoch ends where the next known epoch starts (the leader-epoch checkpoint)', async () => {
  const topic = tb.broker.metadata.topic('ep')!;
  const pm = topic.partitions[0]!;
  const log = logOf(tb, 'ep');
  const epochs = tb.broker.partitions.get(topic, 0)!.epochCache(log);
  // What a broker taking over as leader in epoch 2 does (ReplicaManager.makeLeader).
  pm.leaderEpoch = 2;
  epochs.assign(2, log.logEndOffset);
  log.maybeIncrementLogStartOffset(1);
  try {
    assert.deepEqual(tuple(await ask(4, 1)), [0, 0, 6], 'epoch 1 never led: the largest epoch below it, ending where epoch 2 starts');
    assert.deepEqual(tuple(await ask(4, 0)), [0, 0, 6]);
    assert.deepEqual(tuple(await ask(4, 2, 2)), [0, 2, 6]);
    assert.deepEqual(tuple(await ask(4, 0, 1)), [ErrorCode.FENCED_LEADER_EPOCH, -1, -1]);
    assert.deepEqual(epochs.epochEntries(), [{ epoch: 0, startOffset: 1 }, { epoch: 2, startOffset: 6 }], 'the history starts at the log start');
  } finally {
    pm.leaderEpoch = 0;
    epochs.truncateFromEnd(6);
  }
});

test('errors: a newer current epoch, an unknown topic or partition', async () => {
  assert.deepEqual(tuple(await ask(4, 0, 1)), [ErrorCode.UNKNOWN_LEADER_EPOCH, -1, -1]);
  assert.deepEqual(tuple(await ask(2, 0, -1, 'nope')), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1]);
  assert.deepEqual(tuple(await ask(3, 0, -1, 'ep', 4)), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1]);
});
