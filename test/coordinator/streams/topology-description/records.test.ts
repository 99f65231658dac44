// The stored and failed description epochs travel in the group metadata record (Kafka 4.4's
// tagged fields 2 and 3 of StreamsGroupMetadataValue) and come back on replay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeStreamsRecord, encodeStreamsKey, encodeStreamsValue } from '../../../../src/coordinator/streams/streams-record-codec.js';
import { groupMetadataRecord, StreamsRecordType } from '../../../../src/coordinator/streams/streams-records.js';
import * as MetadataValue from '../../../../src/protocol/generated/internal/streams-group-metadata-value.js';

test('StoredDescriptionTopologyEpoch and FailedDescriptionTopologyEpoch round-trip; Kafka\'s defaults when absent', () => {
  const value = { epoch: 4, metadataHash: 9n, validatedTopologyEpoch: 2, storedDescriptionTopologyEpoch: 2, failedDescriptionTopologyEpoch: 1 };
  const r = groupMetadataRecord('g', value);
  const back = decodeStreamsRecord(StreamsRecordType.GroupMetadata, encodeStreamsKey(r), encodeStreamsValue(r));
  assert.deepEqual(back?.value, value);
  const plain = Buffer.concat([Buffer.from([0, 0]), MetadataValue.encode({ ...MetadataValue.defaults(), epoch: 1, metadataHash: 0n }, 0)]);
  const old = decodeStreamsRecord(StreamsRecordType.GroupMetadata, encodeStreamsKey(r), plain);
  assert.deepEqual(old?.value, { epoch: 1, metadataHash: 0n, validatedTopologyEpoch: -1, storedDescriptionTopologyEpoch: -1, failedDescriptionTopologyEpoch: -1 });
});
