import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';
import { createTopics, newTopic } from '../config-admin/admin-helpers.js';
import { startTestBroker } from '../../helpers/test-broker.js';

test('DeleteTopics v1 (lowest) deletes by name and removes the logs', async () => {
  const ab = await startTestBroker();
  try {
    await createTopics(ab, newTopic('gone', 2), newTopic('twice'));
    assert.ok(existsSync(join(ab.logDir, 'gone-1')));
    const res = await ab.client.request(ApiKey.DeleteTopics, 1, { topics: [], topicNames: ['gone', 'nosuch', 'twice', 'twice'], timeoutMs: 10_000 });
    const by = new Map(res.responses.map((r) => [r.name, r.errorCode]));
    assert.deepEqual(Object.fromEntries(by), { gone: ErrorCode.NONE, nosuch: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, twice: ErrorCode.INVALID_REQUEST });
    assert.equal(res.responses.length, 3);
    assert.equal(ab.broker.metadata.topic('gone'), undefined);
    assert.ok(ab.broker.metadata.topic('twice') !== undefined, 'a duplicated name is not deleted');
    assert.equal(ab.broker.logs.getLog('gone', 0), undefined);
    assert.ok(!existsSync(join(ab.logDir, 'gone-1')));
    // The name can be used again, with fresh configs and an empty log.
    await createTopics(ab, newTopic('gone', 1, 1, { 'retention.ms': '5' }));
    assert.equal(ab.broker.logs.getLog('gone', 0)!.logEndOffset, 0);
  } finally {
    await ab.close();
  }
});

test('DeleteTopics v6 deletes by id or by name, with Kafka\'s errors for ids, duplicates and both', async () => {
  const ab = await startTestBroker();
  try {
    const ids = await createTopics(ab, newTopic('by-id'), newTopic('by-name'), newTopic('both'), newTopic('dup-id'), newTopic('name-and-id'));
    const unknownId = Buffer.alloc(16, 7);
    const res = await ab.client.request(ApiKey.DeleteTopics, 6, {
      topics: [
        { name: null, topicId: ids.get('by-id')! },
        { name: 'by-name', topicId: ZERO_UUID },
        { name: 'both', topicId: ids.get('both')! },
        { name: null, topicId: ZERO_UUID },
        { name: null, topicId: unknownId },
        { name: 'nosuch', topicId: ZERO_UUID },
        { name: null, topicId: ids.get('dup-id')! },
        { name: null, topicId: ids.get('dup-id')! },
        { name: 'name-and-id', topicId: ZERO_UUID },
        { name: null, topicId: ids.get('name-and-id')! },
      ],
      topicNames: [],
      timeoutMs: 10_000,
    });
    const answer = (name: string | null, id: Buffer) => res.responses.filter((r) => r.name === name && r.topicId.equals(id));
    const one = (name: string | null, id: Buffer) => {
      const found = answer(name, id);
      assert.equal(found.length, 1, `one answer for ${name} ${id.toString('hex')}`);
      return [found[0]!.errorCode, found[0]!.errorMessage];
    };
    assert.deepEqual(one('by-id', ids.get('by-id')!), [ErrorCode.NONE, null]);
    assert.deepEqual(one('by-name', ids.get('by-name')!), [ErrorCode.NONE, null]);
    assert.deepEqual(one('both', ids.get('both')!), [ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.']);
    assert.deepEqual(one(null, ZERO_UUID), [ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.']);
    assert.deepEqual(one(null, unknownId), [ErrorCode.UNKNOWN_TOPIC_ID, 'This server does not host this topic ID.']);
    assert.deepEqual(one('nosuch', ZERO_UUID), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.']);
    assert.deepEqual(one(null, ids.get('dup-id')!), [ErrorCode.INVALID_REQUEST, 'Duplicate topic id.']);
    assert.deepEqual(one('name-and-id', ids.get('name-and-id')!), [ErrorCode.INVALID_REQUEST, 'The provided topic name maps to an ID that was already supplied.']);
    assert.equal(res.responses.length, 8);
    assert.deepEqual([...ab.broker.metadata.topics()].map((t) => t.name).sort(), ['both', 'dup-id', 'name-and-id']);
  } finally {
    await ab.close();
  }
});

test('DeleteTopics with delete.topic.enable=false: TOPIC_DELETION_DISABLED (INVALID_REQUEST before v3)', async () => {
  const ab = await startTestBroker({ config: { 'delete.topic.enable': false } });
  try {
    await createTopics(ab, newTopic('kept'));
    const v5 = await ab.client.request(ApiKey.DeleteTopics, 5, { topics: [], topicNames: ['kept', 'nosuch'], timeoutMs: 10_000 });
    assert.deepEqual(v5.responses.map((r) => [r.name, r.errorCode]), [['kept', ErrorCode.TOPIC_DELETION_DISABLED], ['nosuch', ErrorCode.TOPIC_DELETION_DISABLED]]);
    const v2 = await ab.client.request(ApiKey.DeleteTopics, 2, { topics: [], topicNames: ['kept'], timeoutMs: 10_000 });
    assert.deepEqual(v2.responses.map((r) => [r.name, r.errorCode]), [['kept', ErrorCode.INVALID_REQUEST]]);
    const v6 = await ab.client.request(ApiKey.DeleteTopics, 6, { topics: [{ name: 'kept', topicId: ZERO_UUID }], topicNames: [], timeoutMs: 10_000 });
    assert.equal(v6.responses[0]!.errorCode, ErrorCode.TOPIC_DELETION_DISABLED);
    assert.ok(ab.broker.metadata.topic('kept') !== undefined);
  } finally {
    await ab.close();
  }
});
