// ShareFetch and ShareAcknowledge on an embedded broker, less the wire: sessions (open,
// incremental with piggybacked acknowledgements, close releasing the member's records, epoch
// errors), a fetch that parks until records are produced, one that ends empty at its max wait,
// a release waking a parked fetch of another member, renew-only fetches, and a closed
// connection releasing its sessions' records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { AcknowledgeType, ShareAcquireMode } from '../../../src/coordinator/share/record-state.js';
import { shareAcknowledge, shareFetch, type ShareFetchParams } from '../../../src/broker/share/share-fetch.js';
import { makeTopic, startTestBroker, type TestBroker } from '../../helpers/test-broker.js';

async function produce(tb: TestBroker, n: number): Promise<void> {
  const records = encodeBatchSync(Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`r${i}`), offsetDelta: i })), { defaultTimestamp: Date.now() });
  const res = await tb.client.request(ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'q', topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }] });
  assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
}

async function setup(): Promise<{ tb: TestBroker; params: (memberId: string, epoch: number, over?: Partial<ShareFetchParams>) => ShareFetchParams }> {
  const tb = await startTestBroker();
  const topicId = (await makeTopic(tb, 'q')).id.toString('hex');
  // The share-partition is placed (at the log end) before anything is produced.
  await tb.broker.share.sharePartitions.partition({ groupId: 'g', topicId, partition: 0 });
  const params = (memberId: string, epoch: number, over: Partial<ShareFetchParams> = {}): ShareFetchParams => ({
    groupId: 'g', memberId, sessionEpoch: epoch, connectionId: `c-${memberId}`, maxWaitMs: 0, maxBytes: 1 << 20, maxRecords: 500, batchSize: 500,
    mode: ShareAcquireMode.BatchOptimized, isRenewAck: false, readCommitted: false, fetch: epoch === 0 ? [{ topicId, partition: 0 }] : [], forgotten: [], acks: [], ...over,
  });
  return { tb, params };
}

test('a session acquires, acknowledges on the next fetch, and its close releases what is held', async () => {
  const { tb, params } = await setup();
  try {
    await produce(tb, 10);
    const first = await shareFetch(tb.broker, params('m1', 0, { maxRecords: 4, mode: ShareAcquireMode.RecordLimit }));
    assert.equal(first.errorCode, ErrorCode.NONE);
    assert.deepEqual(first.partitions[0]!.acquired, [{ firstOffset: 0, lastOffset: 3, deliveryCount: 1 }]);
    const topicId = first.partitions[0]!.topicId;
    const ack = { topicId, partition: 0, batches: [{ firstOffset: 0, lastOffset: 3, acknowledgeTypes: [AcknowledgeType.Accept] }] };
    const second = await shareFetch(tb.broker, params('m1', 1, { acks: [ack], maxRecords: 3, mode: ShareAcquireMode.RecordLimit }));
    assert.equal(second.partitions[0]!.ackErrorCode, ErrorCode.NONE);
    assert.deepEqual(second.partitions[0]!.acquired, [{ firstOffset: 4, lastOffset: 6, deliveryCount: 1 }]);
    // Epochs: a repeated one, an unknown session, acknowledgements on an opening request.
    assert.equal((await shareFetch(tb.broker, params('m1', 1))).errorCode, ErrorCode.INVALID_SHARE_SESSION_EPOCH);
    assert.equal((await shareFetch(tb.broker, params('m9', 4))).errorCode, ErrorCode.SHARE_SESSION_NOT_FOUND);
    assert.equal((await shareFetch(tb.broker, params('m9', 0, { acks: [ack] }))).errorCode, ErrorCode.INVALID_REQUEST);
    // m2 takes the rest; m1 closes its session, and what it held goes to m2's next fetch.
    assert.deepEqual((await shareFetch(tb.broker, params('m2', 0))).partitions[0]!.acquired, [{ firstOffset: 7, lastOffset: 9, deliveryCount: 1 }]);
    const closed = await shareAcknowledge(tb.broker, 'g', 'm1', -1, 'c-m1', []);
    assert.equal(closed.errorCode, ErrorCode.NONE);
    assert.equal(tb.broker.share.sessions.get('g', 'm1'), undefined);
    assert.deepEqual((await shareFetch(tb.broker, params('m2', 1))).partitions[0]!.acquired, [{ firstOffset: 4, lastOffset: 6, deliveryCount: 2 }]);
  } finally {
    await tb.close();
  }
});

test('a fetch with nothing to acquire waits for records; one past its max wait ends empty', async () => {
  const { tb, params } = await setup();
  try {
    const waiting = shareFetch(tb.broker, params('m1', 0, { maxWaitMs: 30_000 }));
    await new Promise((r) => setImmediate(r));
    assert.equal(tb.broker.share.waiters.size, 1);
    await produce(tb, 3);
    const got = await waiting;
    assert.deepEqual(got.partitions[0]!.acquired, [{ firstOffset: 0, lastOffset: 2, deliveryCount: 1 }]);
    const empty = await shareFetch(tb.broker, params('m2', 0, { maxWaitMs: 20 }));
    assert.equal(empty.errorCode, ErrorCode.NONE);
    assert.deepEqual(empty.partitions[0]!.acquired, []);
    assert.equal(tb.broker.share.waiters.size, 0);
  } finally {
    await tb.close();
  }
});

test('a release wakes another member\'s parked fetch; a renew-only fetch acquires nothing', async () => {
  const { tb, params } = await setup();
  try {
    await produce(tb, 2);
    const topicId = (await shareFetch(tb.broker, params('m1', 0))).partitions[0]!.topicId;
    const parked = shareFetch(tb.broker, params('m2', 0, { maxWaitMs: 30_000 }));
    await new Promise((r) => setImmediate(r));
    const renew = await shareFetch(tb.broker, params('m1', 1, { isRenewAck: true, acks: [{ topicId, partition: 0, batches: [{ firstOffset: 0, lastOffset: 1, acknowledgeTypes: [AcknowledgeType.Renew] }] }] }));
    assert.equal(renew.partitions[0]!.ackErrorCode, ErrorCode.NONE);
    assert.deepEqual(renew.partitions[0]!.acquired, []);
    const released = await shareAcknowledge(tb.broker, 'g', 'm1', 2, 'c-m1', [{ topicId, partition: 0, batches: [{ firstOffset: 0, lastOffset: 1, acknowledgeTypes: [AcknowledgeType.Release] }] }]);
    assert.equal(released.partitions[0]!.errorCode, ErrorCode.NONE);
    assert.deepEqual((await parked).partitions[0]!.acquired, [{ firstOffset: 0, lastOffset: 1, deliveryCount: 2 }]);
  } finally {
    await tb.close();
  }
});

test('a closed connection ends its sessions and releases what their members held', async () => {
  const { tb, params } = await setup();
  try {
    await produce(tb, 4);
    assert.equal((await shareFetch(tb.broker, params('m1', 0))).partitions[0]!.acquired.length, 1);
    tb.broker.share.connectionClosed('c-m1');
    assert.equal(tb.broker.share.sessions.get('g', 'm1'), undefined);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual((await shareFetch(tb.broker, params('m2', 0))).partitions[0]!.acquired, [{ firstOffset: 0, lastOffset: 3, deliveryCount: 2 }]);
  } finally {
    await tb.close();
  }
});

test('a parked fetch whose session ends meanwhile is answered', async () => {
  const { tb, params } = await setup();
  try {
    const parked = shareFetch(tb.broker, params('m1', 0, { maxWaitMs: 60_000 }));
    await new Promise((r) => setImmediate(r));
    assert.equal(tb.broker.share.waiters.size, 1);
    tb.broker.share.connectionClosed('c-m1');
    await produce(tb, 1);
    const got = await parked;
    assert.equal(got.errorCode, ErrorCode.NONE);
    assert.deepEqual(got.partitions[0]!.acquired, []);
    assert.equal(tb.broker.share.waiters.size, 0);
  } finally {
    await tb.close();
  }
});

test('a member leaving its share group ends its session and releases what it held', async () => {
  const { tb, params } = await setup();
  try {
    await tb.broker.groups.ready();
    const hb = (memberEpoch: number) => tb.broker.groups.shareGroupHeartbeat({ groupId: 'g', memberId: 'm1', memberEpoch, rackId: null, subscribedTopicNames: memberEpoch === 0 ? ['q'] : null, clientId: 'c', clientHost: '/127.0.0.1' });
    assert.equal((await hb(0)).errorCode, ErrorCode.NONE);
    await produce(tb, 2);
    assert.equal((await shareFetch(tb.broker, params('m1', 0))).partitions[0]!.acquired.length, 1);
    assert.equal((await hb(-1)).errorCode, ErrorCode.NONE);
    assert.equal(tb.broker.share.sessions.get('g', 'm1'), undefined);
    assert.deepEqual((await shareFetch(tb.broker, params('m2', 0))).partitions[0]!.acquired, [{ firstOffset: 0, lastOffset: 1, deliveryCount: 2 }]);
  } finally {
    await tb.close();
  }
});
