// FindCoordinator per key type and version: groups and transactional ids are served by this
// broker (__consumer_offsets and __transaction_state created on their first lookup); share
// groups (none here) and unknown key types get INVALID_REQUEST, which no client retries, at
// every version, single key (v0-3) and batched (v4-6).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TRANSACTION_STATE_TOPIC } from '../../../src/coordinator/txn/transaction-log.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode, errorMessage } from '../../../src/protocol/generated/errors.js';
import { defaultFindCoordinatorRequest } from '../../../src/protocol/generated/find-coordinator-request.js';
import { KafkaResponseError } from '../../../src/client/errors.js';
import { startTestBroker, type TestBroker } from '../../helpers/test-broker.js';

let ab: TestBroker;
before(async () => {
  ab = await startTestBroker({ config: { 'offsets.topic.num.partitions': 2, 'transaction.state.log.num.partitions': 3 } });
});
after(() => ab.close());

const GROUP = 0;
const TRANSACTION = 1;
const SHARE = 2;

async function single(version: number, keyType: number) {
  const r = await ab.client.request(ApiKey.FindCoordinator, version, { ...defaultFindCoordinatorRequest(), key: 'k', keyType });
  return [r.errorCode, r.errorMessage, r.nodeId, r.host, r.port] as const;
}

async function batched(version: number, keyType: number, keys: string[]) {
  const r = await ab.client.request(ApiKey.FindCoordinator, version, { ...defaultFindCoordinatorRequest(), keyType, coordinatorKeys: keys });
  assert.equal(r.errorCode, ErrorCode.NONE);
  return r.coordinators.map((c) => [c.key, c.errorCode, c.errorMessage, c.nodeId, c.host, c.port] as const);
}

test('v0-v3: groups and transactional ids are served here; share groups and unknown types get INVALID_REQUEST', async () => {
  const self = { nodeId: ab.broker.nodeId, port: ab.broker.port };
  for (let v = 0; v <= 3; v++) {
    const g = await single(v, GROUP);
    assert.deepEqual([g[0], g[2], g[4]], [ErrorCode.NONE, self.nodeId, self.port], `v${v} group`);
    if (v === 0) continue; // v0 has no key type: always a group.
    assert.equal(g[1], 'NONE');
    const t = await single(v, TRANSACTION);
    assert.deepEqual([t[0], t[1], t[2], t[4]], [ErrorCode.NONE, 'NONE', self.nodeId, self.port], `v${v} transaction`);
    assert.deepEqual(await single(v, SHARE), [ErrorCode.INVALID_REQUEST, errorMessage(ErrorCode.INVALID_REQUEST), -1, '', -1], `v${v} share`);
    assert.deepEqual(await single(v, 9), [ErrorCode.INVALID_REQUEST, errorMessage(ErrorCode.INVALID_REQUEST), -1, '', -1], `v${v} unknown`);
  }
});

test('v4-v6: one result per key, each with the same answer', async () => {
  const self = { nodeId: ab.broker.nodeId, port: ab.broker.port };
  for (let v = 4; v <= 6; v++) {
    assert.deepEqual((await batched(v, GROUP, ['a', 'b'])).map((c) => [c[0], c[1], c[2], c[3], c[5]]), [
      ['a', ErrorCode.NONE, '', self.nodeId, self.port],
      ['b', ErrorCode.NONE, '', self.nodeId, self.port],
    ]);
    assert.deepEqual((await batched(v, TRANSACTION, ['tx1', 'tx2'])).map((c) => [c[0], c[1], c[2], c[3], c[5]]), [
      ['tx1', ErrorCode.NONE, '', self.nodeId, self.port],
      ['tx2', ErrorCode.NONE, '', self.nodeId, self.port],
    ]);
    // Kafka with share groups disabled: INVALID_REQUEST and its default (empty) message.
    assert.deepEqual(await batched(v, SHARE, ['s:t:0']), [['s:t:0', ErrorCode.INVALID_REQUEST, '', -1, '', -1]]);
    assert.deepEqual(await batched(v, 9, ['x']), [['x', ErrorCode.INVALID_REQUEST, errorMessage(ErrorCode.INVALID_REQUEST), -1, '', -1]]);
  }
});

test('the first transactional id lookup creates __transaction_state with Kafka\'s configs', async () => {
  assert.equal((await single(3, TRANSACTION))[0], ErrorCode.NONE);
  const topic = ab.broker.metadata.topic(TRANSACTION_STATE_TOPIC);
  assert.ok(topic !== undefined);
  assert.equal(topic.partitions.length, 3, 'transaction.state.log.num.partitions');
  assert.equal(topic.internal, true);
  assert.deepEqual(topic.configs, {
    'cleanup.policy': 'compact',
    'compression.type': 'uncompressed',
    'unclean.leader.election.enable': 'false',
    'min.insync.replicas': '1', // transaction.state.log.min.isr, capped at the replication factor
    'segment.bytes': '104857600', // transaction.state.log.segment.bytes
  });
  assert.equal(ab.broker.logs.logConfigFor(TRANSACTION_STATE_TOPIC)['segment.bytes'], 104_857_600);
  assert.ok(ab.broker.transactions.txnManager.transactionMetadataCache.size === 3, 'every partition loaded');
});

test('INVALID_REQUEST is not retriable, so clients fail fast instead of looking for the coordinator forever', () => {
  assert.equal(new KafkaResponseError(ErrorCode.INVALID_REQUEST, 'x').retriable, false);
  assert.equal(new KafkaResponseError(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'x').retriable, true, 'what it answered before');
});
