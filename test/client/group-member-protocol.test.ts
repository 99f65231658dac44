import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeConsumerAssignment, decodeSubscription, encodeAssignment, encodeSubscription, rangeAssign, roundRobinAssign,
} from '../../src/client/group-member-protocol.js';
import * as Subscription from '../../src/protocol/generated/consumer-protocol-subscription.js';

const member = (memberId: string, topics: string[], groupInstanceId: string | null = null) => ({ memberId, groupInstanceId, topics });

test('range gives each subscriber a contiguous range per topic, the first ones one more (Kafka RangeAssignor)', () => {
  const out = rangeAssign([member('c', ['t']), member('a', ['t', 'u']), member('b', ['t'])], new Map([['t', 7], ['u', 2]]));
  assert.deepEqual(out.get('a'), [{ topic: 't', partitions: [0, 1, 2] }, { topic: 'u', partitions: [0, 1] }]);
  assert.deepEqual(out.get('b'), [{ topic: 't', partitions: [3, 4] }]);
  assert.deepEqual(out.get('c'), [{ topic: 't', partitions: [5, 6] }]);
  // static members sort by instance id, before dynamic ones; unknown topics assign nothing
  const statics = rangeAssign([member('m1', ['t'], 'z'), member('m2', ['t'], 'y'), member('m0', ['t', 'gone'])], new Map([['t', 3]]));
  assert.deepEqual([statics.get('m2'), statics.get('m1'), statics.get('m0')], [[{ topic: 't', partitions: [0] }], [{ topic: 't', partitions: [1] }], [{ topic: 't', partitions: [2] }]]);
});

test('round robin deals every partition in topic order to the subscribed members in turn', () => {
  const out = roundRobinAssign([member('a', ['t', 'u']), member('b', ['t'])], new Map([['t', 3], ['u', 2]]));
  assert.deepEqual(out.get('a'), [{ topic: 't', partitions: [0, 2] }, { topic: 'u', partitions: [0, 1] }]);
  assert.deepEqual(out.get('b'), [{ topic: 't', partitions: [1] }]);
});

test('subscriptions and assignments in Kafka\'s encoding, newer versions read by their common prefix', () => {
  assert.deepEqual(decodeSubscription(encodeSubscription(['a', 'b'])), ['a', 'b']);
  const v3 = Subscription.defaultConsumerProtocolSubscription();
  v3.topics = ['orders'];
  v3.ownedPartitions = [{ topic: 'orders', partitions: [1] }];
  v3.generationId = 4;
  v3.rackId = 'r1';
  const body = Subscription.encode(v3, 3);
  const framed = Buffer.concat([Buffer.from([0, 3]), body]);
  assert.deepEqual(decodeSubscription(framed), ['orders']);
  // a version from the future: read with the highest schema we know
  framed.writeInt16BE(9, 0);
  assert.deepEqual(decodeSubscription(framed), ['orders']);
  const assigned = [{ topic: 'orders', partitions: [0, 2] }];
  assert.deepEqual(decodeConsumerAssignment(encodeAssignment(assigned)), assigned);
  assert.deepEqual(decodeConsumerAssignment(Buffer.alloc(0)), []);
});
