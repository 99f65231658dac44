// Tagged fields: known ones written only when not at their default (as Kafka does), unknown
// ones kept on decode and written back in tag order, sizes checked on decode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiVersionsResponse, ConsumerGroupMemberMetadataValue, FetchRequest, FetchResponse, MetadataResponse,
} from '../../../src/protocol/generated/index.js';
import { ProtocolDecodeError } from '../../../src/protocol/primitives/errors.js';

test('unknown tagged fields survive decode → encode, merged with known tags in tag order', () => {
  // FetchRequest v12 knows tag 0 (ClusterId); ReplicaState (tag 1) only exists from v15,
  // so at v12 a tag 1 is unknown and must be kept.
  const msg = {
    ...FetchRequest.defaults(),
    clusterId: 'c',
    _unknownTaggedFields: [
      { tag: 1, data: Buffer.from([0xaa, 0xbb]) },
      { tag: 5, data: Buffer.from([0xcc]) },
    ],
  };
  const bytes = FetchRequest.encode(msg, 12);
  // The message's own tagged fields come last: count 3, tag 0 "c", tag 1, tag 5.
  assert.equal(bytes.subarray(bytes.length - 12).toString('hex'), '03' + '00' + '02' + '0263' + '01' + '02aabb' + '05' + '01cc');
  const decoded = FetchRequest.decode(bytes, 0, 12);
  assert.equal(decoded.clusterId, 'c');
  assert.deepEqual(decoded._unknownTaggedFields, msg._unknownTaggedFields);
  assert.ok(FetchRequest.encode(decoded, 12).equals(bytes));
});

test('unknown tagged fields in nested structs survive too', () => {
  const msg = MetadataResponse.defaults();
  msg.brokers = [{ nodeId: 1, host: 'h', port: 9092, rack: null, _unknownTaggedFields: [{ tag: 7, data: Buffer.from('xyz') }] }];
  msg._unknownTaggedFields = [{ tag: 100, data: Buffer.alloc(0) }];
  const bytes = MetadataResponse.encode(msg, 12);
  const decoded = MetadataResponse.decode(bytes, 0, 12);
  assert.deepEqual(decoded.brokers[0]!._unknownTaggedFields, [{ tag: 7, data: Buffer.from('xyz') }]);
  assert.deepEqual(decoded._unknownTaggedFields, [{ tag: 100, data: Buffer.alloc(0) }]);
  assert.ok(MetadataResponse.encode(decoded, 12).equals(bytes));
});

test('known tagged fields at their default are not written', () => {
  const base = ApiVersionsResponse.defaults();
  assert.equal(base.finalizedFeaturesEpoch, -1n);
  // v3: error code, empty api keys, throttle time, no tagged fields.
  assert.equal(ApiVersionsResponse.encode(base, 3).toString('hex'), '0000' + '01' + '00000000' + '00');
  const withEpoch = ApiVersionsResponse.encode({ ...base, finalizedFeaturesEpoch: 5n, zkMigrationReady: true }, 3);
  assert.equal(withEpoch.toString('hex'), '0000' + '01' + '00000000' + '02' + '0108' + '0000000000000005' + '030101');
  const decoded = ApiVersionsResponse.decode(withEpoch, 0, 3);
  assert.equal(decoded.finalizedFeaturesEpoch, 5n);
  assert.equal(decoded.zkMigrationReady, true);
});

test('tagged struct fields: omitted at the default struct, written when they differ', () => {
  const response = FetchResponse.defaults();
  const partition = {
    partitionIndex: 0, errorCode: 0, highWatermark: 10n, lastStableOffset: 10n, logStartOffset: 0n,
    divergingEpoch: { epoch: -1, endOffset: -1n }, currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1n, epoch: -1 }, abortedTransactions: null, preferredReadReplica: -1, records: null,
  };
  response.responses = [{ topic: '', topicId: Buffer.alloc(16, 1), partitions: [partition] }];
  const plain = FetchResponse.encode(response, 16);
  partition.currentLeader = { leaderId: 3, leaderEpoch: 7 };
  const led = FetchResponse.encode(response, 16);
  // tag 1, size 9 (leader id, epoch, empty tagged fields)
  assert.equal(led.length - plain.length, 11);
  assert.ok(led.includes(Buffer.from('0109000000030000000700', 'hex')));
  assert.deepEqual(FetchResponse.decode(led, 0, 16).responses[0]!.partitions[0]!.currentLeader, { leaderId: 3, leaderEpoch: 7 });
});

test('a nullable tagged struct with a non-null default is written as null when null', () => {
  const value = ConsumerGroupMemberMetadataValue.defaults();
  const atDefault = ConsumerGroupMemberMetadataValue.encode(value, 0);
  assert.equal(atDefault[atDefault.length - 1], 0, 'no tagged fields at the default');
  const asNull = ConsumerGroupMemberMetadataValue.encode({ ...value, classicMemberMetadata: null }, 0);
  assert.equal(asNull.subarray(asNull.length - 4).toString('hex'), '01000100');
  assert.equal(ConsumerGroupMemberMetadataValue.decode(asNull, 0, 0).classicMemberMetadata, null);
});

test('a known tagged field whose size does not match its bytes is a ProtocolDecodeError', () => {
  const good = ApiVersionsResponse.encode({ ...ApiVersionsResponse.defaults(), finalizedFeaturesEpoch: 5n }, 3);
  const bad = Buffer.concat([good.subarray(0, good.length - 9), Buffer.from([9]), good.subarray(good.length - 8), Buffer.from([0])]);
  assert.throws(() => ApiVersionsResponse.decode(bad, 0, 3), (e: unknown) =>
    e instanceof ProtocolDecodeError && /tagged field ended/.test(e.message) && e.path === 'finalizedFeaturesEpoch');
});
