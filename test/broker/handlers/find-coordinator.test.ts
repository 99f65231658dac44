// FindCoordinator per key type and version: groups are served by this broker; transactional
// ids (no transaction coordinator yet), share groups (none either) and unknown key types get
// INVALID_REQUEST, which no client retries, at every version, single key (v0-3) and batched
// (v4-6). The Java producer's initTransactions() fails at once with the message.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_TRANSACTION_COORDINATOR } from '../../../src/broker/handlers/find-coordinator.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode, errorMessage } from '../../../src/protocol/generated/errors.js';
import { defaultFindCoordinatorRequest } from '../../../src/protocol/generated/find-coordinator-request.js';
import { KafkaResponseError } from '../../../src/client/errors.js';
import { startTestBroker, type TestBroker } from '../../helpers/test-broker.js';

let ab: TestBroker;
before(async () => {
  ab = await startTestBroker({ config: { 'offsets.topic.num.partitions': 2 } });
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

test('v0-v3: a group is served here; transactional ids, share groups and unknown types get INVALID_REQUEST', async () => {
  const self = { nodeId: ab.broker.nodeId, port: ab.broker.port };
  for (let v = 0; v <= 3; v++) {
    const g = await single(v, GROUP);
    assert.deepEqual([g[0], g[2], g[4]], [ErrorCode.NONE, self.nodeId, self.port], `v${v} group`);
    if (v === 0) continue; // v0 has no key type: always a group.
    assert.equal(g[1], 'NONE');
    assert.deepEqual(await single(v, TRANSACTION), [ErrorCode.INVALID_REQUEST, NO_TRANSACTION_COORDINATOR, -1, '', -1], `v${v} transaction`);
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
    assert.deepEqual(await batched(v, TRANSACTION, ['tx1', 'tx2']), [
      ['tx1', ErrorCode.INVALID_REQUEST, NO_TRANSACTION_COORDINATOR, -1, '', -1],
      ['tx2', ErrorCode.INVALID_REQUEST, NO_TRANSACTION_COORDINATOR, -1, '', -1],
    ]);
    // Kafka with share groups disabled: INVALID_REQUEST and its default (empty) message.
    assert.deepEqual(await batched(v, SHARE, ['s:t:0']), [['s:t:0', ErrorCode.INVALID_REQUEST, '', -1, '', -1]]);
    assert.deepEqual(await batched(v, 9, ['x']), [['x', ErrorCode.INVALID_REQUEST, errorMessage(ErrorCode.INVALID_REQUEST), -1, '', -1]]);
  }
});

test('INVALID_REQUEST is not retriable, so clients fail fast instead of looking for the coordinator forever', () => {
  assert.equal(new KafkaResponseError(ErrorCode.INVALID_REQUEST, 'x').retriable, false);
  assert.equal(new KafkaResponseError(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'x').retriable, true, 'what it answered before');
});
