import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../src/start-broker.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { encodeRequestFrame } from '../../src/protocol/header.js';
import { decodeResponseFrame } from '../../src/protocol/header.js';
import { encodeBatchSync } from '../../src/protocol/records/encode.js';
import { WireClient } from '../helpers/wire-client.js';
import { ZERO_UUID } from '../../src/protocol/primitives/codec-helpers.js';

const apiVersionsRequest = { clientSoftwareName: 'millrace-test', clientSoftwareVersion: '1.0', clusterId: null, nodeId: -1 };

test('ApiVersions advertises exactly the registered handlers and the features Millrace has', async () => {
  const broker = await startBroker();
  const client = await WireClient.connect(broker.bootstrapServers);
  try {
    const res = await client.request(ApiKey.ApiVersions, 3, apiVersionsRequest);
    assert.equal(res.errorCode, ErrorCode.NONE);
    const keys = new Map(res.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    assert.deepEqual(keys.get(ApiKey.ApiVersions), [0, 5]);
    assert.deepEqual(keys.get(ApiKey.Metadata), [0, 13]);
    assert.deepEqual(keys.get(ApiKey.EndTxn), [0, 5]);
    assert.deepEqual(keys.get(ApiKey.WriteTxnMarkers), [1, 1], 'Kafka 4.0 removed v0');
    // Kafka advertises SASL on every listener; on a PLAINTEXT one it answers ILLEGAL_SASL_STATE.
    assert.deepEqual(keys.get(ApiKey.SaslHandshake), [0, 1]);
    assert.deepEqual(keys.get(ApiKey.SaslAuthenticate), [0, 2]);
    assert.deepEqual(res.finalizedFeatures.map((f) => f.name), ['metadata.version', 'group.version', 'streams.version', 'transaction.version', 'share.version', 'eligible.leader.replicas.version']);
    assert.deepEqual(res.finalizedFeatures.find((f) => f.name === 'eligible.leader.replicas.version'), { name: 'eligible.leader.replicas.version', maxVersionLevel: 1, minVersionLevel: 1 });
    assert.deepEqual(res.supportedFeatures.find((f) => f.name === 'eligible.leader.replicas.version'), { name: 'eligible.leader.replicas.version', minVersion: 0, maxVersion: 1 });
    assert.deepEqual(res.finalizedFeatures.find((f) => f.name === 'share.version'), { name: 'share.version', maxVersionLevel: 2, minVersionLevel: 2 });
    assert.deepEqual(res.finalizedFeatures.find((f) => f.name === 'transaction.version'), { name: 'transaction.version', maxVersionLevel: 2, minVersionLevel: 2 });
    // metadata.version up to 4.4-IV2 (33), what a new Kafka 4.4 cluster finalizes.
    assert.deepEqual(res.supportedFeatures.find((f) => f.name === 'metadata.version'), { name: 'metadata.version', minVersion: 7, maxVersion: 33 });
    assert.deepEqual(res.finalizedFeatures.find((f) => f.name === 'metadata.version'), { name: 'metadata.version', maxVersionLevel: 33, minVersionLevel: 33 });
    assert.deepEqual(res.supportedFeatures.find((f) => f.name === 'group.version'), { name: 'group.version', minVersion: 0, maxVersion: 1 });
    const v0 = await client.request(ApiKey.ApiVersions, 0, apiVersionsRequest);
    assert.equal(v0.apiKeys.length, res.apiKeys.length);
  } finally {
    client.close();
    await broker.close();
  }
});

test('ApiVersions at an unknown version gets a v0 UNSUPPORTED_VERSION answer (KIP-511)', async () => {
  const broker = await startBroker();
  const client = await WireClient.connect(broker.bootstrapServers);
  try {
    // A v3 request with its version field rewritten to 99, as a newer client would send.
    const frame = encodeRequestFrame(ApiKey.ApiVersions, 3, { correlationId: 77, clientId: 'future' }, apiVersionsRequest);
    frame.writeInt16BE(99, 6);
    const raw = await client.sendRaw(frame, 77)!;
    const res = decodeResponseFrame(raw, ApiKey.ApiVersions, 0, { sizePrefixed: true });
    assert.equal(res.header.correlationId, 77);
    assert.equal(res.body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    assert.ok(res.body.apiKeys.some((k) => k.apiKey === ApiKey.Metadata && k.maxVersion === 13));
  } finally {
    client.close();
    await broker.close();
  }
});

test('bad input closes only the offending connection', async () => {
  const broker = await startBroker();
  const good = await WireClient.connect(broker.bootstrapServers);
  try {
    const cases: Array<[string, Buffer]> = [
      ['unknown API key', (() => {
        const f = encodeRequestFrame(ApiKey.Metadata, 1, { correlationId: 1, clientId: 'x' }, { topics: [], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
        f.writeInt16BE(999, 4);
        return f;
      })()],
      ['unsupported Metadata version', (() => {
        const f = encodeRequestFrame(ApiKey.Metadata, 1, { correlationId: 1, clientId: 'x' }, { topics: [], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
        f.writeInt16BE(99, 6);
        return f;
      })()],
      ['garbage body', Buffer.concat([Buffer.from([0, 0, 0, 12]), Buffer.from([0, 3, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff])])],
      ['2 GB size prefix', Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3])],
      ['negative size prefix', Buffer.from([0xff, 0xff, 0xff, 0xfe])],
    ];
    for (const [name, bytes] of cases) {
      const bad = await WireClient.connect(broker.bootstrapServers);
      bad.sendRaw(bytes);
      await bad.waitClosed();
      const res = await good.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false, includeClusterAuthorizedOperations: false });
      assert.equal(res.errorCode, ErrorCode.NONE, `after ${name}`);
    }
  } finally {
    good.close();
    await broker.close();
  }
});

test('Metadata auto-creates topics with num.partitions, and topics survive a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-broker-test-'));
  try {
    const first = await startBroker({ logDir: dir, config: { 'num.partitions': 3 } });
    const c1 = await WireClient.connect(first.bootstrapServers);
    const orders = () =>
      c1.request(ApiKey.Metadata, 12, {
        topics: [{ topicId: Buffer.alloc(16), name: 'orders' }],
        allowAutoTopicCreation: true,
        includeTopicAuthorizedOperations: false,
        includeClusterAuthorizedOperations: false,
      });
    // As on Kafka 4.4: the request that creates the topic does not see it yet.
    const creating = await orders();
    assert.deepEqual([creating.topics[0]!.errorCode, creating.topics[0]!.partitions.length], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0]);
    const created = await orders();
    assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);
    assert.equal(created.topics[0]!.partitions.length, 3);
    const id = Buffer.from(created.topics[0]!.topicId);
    assert.notDeepEqual(id, Buffer.alloc(16));
    const refused = await c1.request(ApiKey.Metadata, 12, {
      topics: [{ topicId: Buffer.alloc(16), name: 'no-auto' }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
      includeClusterAuthorizedOperations: false,
    });
    assert.equal(refused.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    c1.close();
    await first.close();

    const second = await startBroker({ logDir: dir });
    const c2 = await WireClient.connect(second.bootstrapServers);
    const byId = await c2.request(ApiKey.Metadata, 12, {
      topics: [{ topicId: id, name: null }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: true,
      includeClusterAuthorizedOperations: false,
    });
    assert.equal(byId.topics[0]!.name, 'orders');
    assert.equal(byId.topics[0]!.partitions.length, 3);
    assert.ok(byId.topics[0]!.topicAuthorizedOperations > 0);
    const v0all = await c2.request(ApiKey.Metadata, 0, { topics: [], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false, includeClusterAuthorizedOperations: false });
    assert.deepEqual(v0all.topics.map((t) => t.name), ['orders']);
    c2.close();
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on start, a partition whose high watermark checkpoint lags its log serves up to the log end', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-hw-test-'));
  try {
    const first = await startBroker({ logDir: dir });
    const c1 = await WireClient.connect(first.bootstrapServers);
    await c1.request(ApiKey.Metadata, 12, { topics: [{ topicId: Buffer.alloc(16), name: 'hw' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false, includeClusterAuthorizedOperations: false });
    const records = encodeBatchSync([{ value: Buffer.from('a') }, { value: Buffer.from('b') }, { value: Buffer.from('c') }]);
    const produced = await c1.request(ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'hw', topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }] });
    assert.equal(produced.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    c1.close();
    await first.close();
    // As after an unclean stop: the checkpoint says nothing is replicated yet.
    writeFileSync(join(dir, 'replication-offset-checkpoint'), '0\n1\nhw 0 0\n');

    const second = await startBroker({ logDir: dir });
    const c2 = await WireClient.connect(second.bootstrapServers);
    try {
      const offsets = await c2.request(ApiKey.ListOffsets, 7, {
        replicaId: -1, isolationLevel: 0, timeoutMs: 0,
        topics: [{ name: 'hw', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }],
      });
      assert.equal(offsets.topics[0]!.partitions[0]!.offset, 3n);
    } finally {
      c2.close();
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dynamic broker settings saved by IncrementalAlterConfigs apply again after a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-dyn-test-'));
  const produce = (c: WireClient) =>
    c.request(ApiKey.Produce, 9, {
      transactionalId: null, acks: 1, timeoutMs: 5000,
      topicData: [{ name: 'dyn', topicId: ZERO_UUID, partitionData: [{ index: 0, records: encodeBatchSync([{ value: Buffer.alloc(500, 1) }]) }] }],
    });
  try {
    const first = await startBroker({ logDir: dir });
    const c1 = await WireClient.connect(first.bootstrapServers);
    try {
      await c1.request(ApiKey.Metadata, 12, { topics: [{ topicId: Buffer.alloc(16), name: 'dyn' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false, includeClusterAuthorizedOperations: false });
      const altered = await c1.request(ApiKey.IncrementalAlterConfigs, 1, {
        resources: [{ resourceType: 4, resourceName: '', configs: [{ name: 'message.max.bytes', configOperation: 0, value: '200' }] }],
        validateOnly: false,
      });
      assert.equal(altered.responses[0]!.errorCode, ErrorCode.NONE);
      assert.equal((await produce(c1)).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
    } finally {
      c1.close();
      await first.close();
    }
    const second = await startBroker({ logDir: dir });
    const c2 = await WireClient.connect(second.bootstrapServers);
    try {
      assert.equal((await produce(c2)).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
    } finally {
      c2.close();
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
