import assert from 'node:assert/strict';
import { codecName } from '../../../src/protocol/compression/index.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { decodeRequestFrame, decodeResponseFrame } from '../../../src/protocol/header.js';
import { BatchCursor, BatchFault, decodeBatch } from '../../../src/protocol/records/index.js';
import type { DriverFacts } from './drivers.js';
import { readFixture, type GoldenClient, type GoldenFileEntry } from './fixtures.js';

/**
 * Checks a client's decoded frames against what its capture driver did (drivers.ts): topic
 * `golden-<client>` with 3 partitions in CreateTopics, Metadata, Produce, Fetch (by name, or
 * by the topic id the broker's responses gave), ListOffsets, offsets and configs requests;
 * group and transactional ids; the software name in ApiVersions; the records fetched back.
 * Returns how many facts of each kind were checked, so the caller can require coverage.
 */

export interface FactCounts {
  createTopics: number;
  metadataListings: number;
  topicIds: number;
  topicNames: number;
  topicIdRefs: number;
  groupIds: number;
  produceTopics: number;
  fetchTopics: number;
  fetchedRecords: number;
  controlBatches: number;
  softwareNames: number;
  advertisedVersions: number;
}

const ZERO_UUID_HEX = '0'.repeat(32);

interface Decoded {
  entry: GoldenFileEntry;
  buf: Buffer;
}

export async function checkDriverFacts(client: GoldenClient, facts: DriverFacts): Promise<FactCounts> {
  const n: FactCounts = {
    createTopics: 0, metadataListings: 0, topicIds: 0, topicNames: 0, topicIdRefs: 0, groupIds: 0,
    produceTopics: 0, fetchTopics: 0, fetchedRecords: 0, controlBatches: 0, softwareNames: 0, advertisedVersions: 0,
  };
  const files: Decoded[] = client.index.files.map((entry) => ({ entry, buf: readFixture(client, entry) }));
  const ids = new Set<string>();

  const topicName = (name: string | null, where: string): void => {
    assert.equal(name, facts.topic, `${where}: topic name`);
    n.topicNames++;
  };
  const groupId = (id: string, where: string): void => {
    assert.ok(facts.groups.includes(id), `${where}: group id ${id} is not one of ${facts.groups.join(', ')}`);
    n.groupIds++;
  };
  const transactionalId = (id: string | null, where: string): void => {
    if (id !== null) assert.ok(facts.transactionalIds.includes(id), `${where}: transactional id ${id}`);
  };
  const learnId = (id: Buffer, where: string): void => {
    const hex = id.toString('hex');
    if (hex === ZERO_UUID_HEX) return;
    ids.add(hex);
    n.topicIds++;
    assert.equal(ids.size, 1, `${where}: one topic, one id (saw ${[...ids].join(', ')})`);
  };

  // Responses first: they give the topic id that later Fetch requests refer to.
  for (const { entry, buf } of files) {
    if (entry.direction !== 'response') continue;
    const v = entry.apiVersion;
    const where = `${client.name}/${entry.file}`;
    switch (entry.apiKey) {
      case ApiKey.CreateTopics: {
        const body = decodeResponseFrame(buf, ApiKey.CreateTopics, v).body;
        assert.equal(body.topics.length, 1, where);
        const t = body.topics[0]!;
        topicName(t.name, where);
        assert.equal(t.errorCode, 0, `${where}: errorCode`);
        if (v >= 5) assert.equal(t.numPartitions, 3, `${where}: numPartitions`);
        if (v >= 7) learnId(t.topicId, where);
        break;
      }
      case ApiKey.Metadata:
      case ApiKey.DescribeTopicPartitions: {
        const topics = entry.apiKey === ApiKey.Metadata
          ? decodeResponseFrame(buf, ApiKey.Metadata, v).body.topics
          : decodeResponseFrame(buf, ApiKey.DescribeTopicPartitions, v).body.topics;
        // An all-topics Metadata sent before CreateTopics lists only earlier clients' topics.
        const mine = topics.find((t) => t.name === facts.topic);
        if (mine === undefined) break;
        assert.equal(mine.errorCode, 0, `${where}: errorCode`);
        assert.deepEqual(mine.partitions.map((p) => p.partitionIndex).sort(), [0, 1, 2], `${where}: partitions`);
        n.metadataListings++;
        if (entry.apiKey === ApiKey.DescribeTopicPartitions || v >= 10) learnId(mine.topicId, where);
        break;
      }
      case ApiKey.Produce:
        for (const t of decodeResponseFrame(buf, ApiKey.Produce, v).body.responses) topicName(t.name, where);
        break;
      case ApiKey.ApiVersions: {
        const body = decodeResponseFrame(buf, ApiKey.ApiVersions, v).body;
        assert.equal(body.errorCode, 0, `${where}: errorCode`);
        for (const sent of client.index.files) {
          if (sent.direction !== 'request') continue;
          const range = body.apiKeys.find((k) => k.apiKey === sent.apiKey);
          assert.ok(range !== undefined && range.minVersion <= sent.apiVersion && sent.apiVersion <= range.maxVersion,
            `${where}: Kafka advertises ${sent.apiName} v${sent.apiVersion}, which ${sent.file} used`);
          n.advertisedVersions++;
        }
        break;
      }
    }
  }

  const topicRef = (name: string | null, id: Buffer, byId: boolean, where: string): void => {
    if (!byId) return topicName(name, where);
    assert.ok(ids.has(id.toString('hex')), `${where}: topic id ${id.toString('hex')} is not the id the broker gave ${facts.topic}`);
    n.topicIdRefs++;
  };

  for (const { entry, buf } of files) {
    if (entry.direction !== 'request') continue;
    const where = `${client.name}/${entry.file}`;
    const req = decodeRequestFrame(buf);
    const v = req.apiVersion;
    switch (req.apiKey) {
      case ApiKey.CreateTopics:
        assert.deepEqual(req.body.topics.map((t) => [t.name, t.numPartitions]), [[facts.topic, 3]], where);
        n.createTopics++;
        break;
      case ApiKey.Metadata:
        // null (v1+) or an empty list (v0) asks for every topic
        for (const t of req.body.topics ?? []) topicRef(t.name, t.topicId, t.name === null, where);
        break;
      case ApiKey.DescribeTopicPartitions:
        for (const t of req.body.topics) topicName(t.name, where);
        break;
      case ApiKey.Produce:
        for (const t of req.body.topicData) {
          topicName(t.name, where);
          for (const p of t.partitionData) assert.ok(p.index >= 0 && p.index < 3, `${where}: partition ${p.index}`);
          n.produceTopics++;
        }
        break;
      case ApiKey.Fetch:
        for (const t of [...req.body.topics, ...req.body.forgottenTopicsData]) {
          topicRef(t.topic, t.topicId, v >= 13, where);
          n.fetchTopics++;
        }
        break;
      case ApiKey.ListOffsets:
        for (const t of req.body.topics) topicName(t.name, where);
        break;
      case ApiKey.OffsetCommit:
        groupId(req.body.groupId, where);
        for (const t of req.body.topics) topicName(t.name, where);
        break;
      case ApiKey.OffsetFetch:
        if (v < 8) {
          groupId(req.body.groupId, where);
          for (const t of req.body.topics ?? []) topicName(t.name, where);
        } else {
          for (const g of req.body.groups) {
            groupId(g.groupId, where);
            for (const t of g.topics ?? []) topicName(t.name, where);
          }
        }
        break;
      case ApiKey.JoinGroup:
      case ApiKey.SyncGroup:
      case ApiKey.Heartbeat:
      case ApiKey.LeaveGroup:
        groupId(req.body.groupId, where);
        break;
      case ApiKey.ConsumerGroupHeartbeat:
        groupId(req.body.groupId, where);
        for (const t of req.body.subscribedTopicNames ?? []) topicName(t, where);
        break;
      case ApiKey.DescribeGroups:
        for (const g of req.body.groups) groupId(g, where);
        break;
      case ApiKey.ConsumerGroupDescribe:
        for (const g of req.body.groupIds) groupId(g, where);
        break;
      case ApiKey.FindCoordinator: {
        const keys = v < 4 ? [req.body.key] : req.body.coordinatorKeys;
        for (const key of keys) {
          if (req.body.keyType === 0) groupId(key, where);
          else transactionalId(key, where);
        }
        break;
      }
      case ApiKey.DescribeConfigs:
        for (const r of req.body.resources) {
          assert.equal(r.resourceType, 2, `${where}: resource type TOPIC`);
          topicName(r.resourceName, where);
        }
        break;
      case ApiKey.InitProducerId:
      case ApiKey.EndTxn:
        transactionalId(req.body.transactionalId, where);
        break;
      case ApiKey.ApiVersions:
        if (v >= 3) {
          assert.deepEqual({ name: req.body.clientSoftwareName, version: req.body.clientSoftwareVersion }, facts.software, where);
          n.softwareNames++;
        }
        break;
    }
  }

  for (const { entry, buf } of files) {
    if (entry.direction !== 'response' || entry.apiKey !== ApiKey.Fetch) continue;
    const where = `${client.name}/${entry.file}`;
    const body = decodeResponseFrame(buf, ApiKey.Fetch, entry.apiVersion).body;
    assert.equal(body.errorCode, 0, `${where}: errorCode`);
    for (const t of body.responses) {
      topicRef(t.topic, t.topicId, entry.apiVersion >= 13, where);
      for (const p of t.partitions) {
        assert.equal(p.errorCode, 0, `${where}: partition ${p.partitionIndex} errorCode`);
        if (p.records !== null) await checkFetchedRecords(p.records, facts, `${where} partition ${p.partitionIndex}`, n);
      }
    }
  }
  return n;
}

/** Every record a driver produced is key k<i>, value v<i> ten times, header h=<i> (kcat: h=<codec>). */
async function checkFetchedRecords(records: Buffer, facts: DriverFacts, where: string, n: FactCounts): Promise<void> {
  const cursor = new BatchCursor(records);
  while (cursor.next()) {
    const batch = await decodeBatch(records, cursor.offset, cursor.offset + cursor.size);
    if (batch.isControl) {
      n.controlBatches++;
      continue;
    }
    for (const r of batch.records) {
      const key = r.key?.toString('utf8') ?? '';
      const i = /^k(\d+)$/.exec(key)?.[1];
      assert.ok(i !== undefined, `${where}: offset ${r.offset} key ${JSON.stringify(key)}`);
      assert.equal(r.value?.toString('utf8'), `v${i}`.repeat(10), `${where}: offset ${r.offset} value`);
      const h = facts.headerValue === 'index' ? i : codecName(batch.compression);
      assert.deepEqual(r.headers.map((x) => [x.key, x.value?.toString('utf8')]), [['h', h]], `${where}: offset ${r.offset} headers`);
      n.fetchedRecords++;
    }
  }
  assert.equal(cursor.fault, BatchFault.Ok, `${where}: batch framing`);
}
