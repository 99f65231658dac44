// The ACL matrix for the admin and transaction APIs over SASL/PLAIN: the allowed principal
// succeeds, the denied one gets Kafka's *_AUTHORIZATION_FAILED code and nothing changes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { defaultCreatableTopic } from '../../../src/protocol/generated/create-topics-request.js';
import { defaultDescribeConfigsResource } from '../../../src/protocol/generated/describe-configs-request.js';
import { defaultInitProducerIdRequest } from '../../../src/protocol/generated/init-producer-id-request.js';
import { defaultAddPartitionsToTxnRequest } from '../../../src/protocol/generated/add-partitions-to-txn-request.js';
import { defaultEndTxnRequest } from '../../../src/protocol/generated/end-txn-request.js';
import { defaultAddOffsetsToTxnRequest } from '../../../src/protocol/generated/add-offsets-to-txn-request.js';
import { defaultTxnOffsetCommitRequest } from '../../../src/protocol/generated/txn-offset-commit-request.js';
import { defaultListTransactionsRequest } from '../../../src/protocol/generated/list-transactions-request.js';
import { defaultFindCoordinatorRequest } from '../../../src/protocol/generated/find-coordinator-request.js';
import { defaultDescribeLogDirsRequest } from '../../../src/protocol/generated/describe-log-dirs-request.js';
import { defaultElectLeadersRequest } from '../../../src/protocol/generated/elect-leaders-request.js';
import { defaultDescribeClusterRequest } from '../../../src/protocol/generated/describe-cluster-request.js';
import { defaultWriteTxnMarkersRequest } from '../../../src/protocol/generated/write-txn-markers-request.js';
import { defaultDeleteTopicState } from '../../../src/protocol/generated/delete-topics-request.js';
import { AclOperation as Op, PatternType as Pat, ResourceType as Res } from '../../../src/cluster/acls.js';
import type { TestBroker } from '../../helpers/test-broker.js';
import { allow, startAclMatrix, type AclMatrix } from './helpers.js';
import type { WireClient } from '../../helpers/wire-client.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';

const TOPIC = 'adm-t';
const TXN = 'tx-1';
const CONFIG_TOPIC = 2;
const CONFIG_BROKER = 4;

let m: AclMatrix;
let tb: TestBroker;
let admin: WireClient;
let allowed: WireClient;
let denied: WireClient;

before(async () => {
  m = await startAclMatrix(
    { 'transaction.state.log.num.partitions': 1, 'offsets.topic.num.partitions': 1 },
    [
      allow(Res.Topic, 'adm-', Pat.Prefixed, Op.All),
      allow(Res.Cluster, 'kafka-cluster', Pat.Literal, Op.All),
      allow(Res.TransactionalId, 'tx-', Pat.Prefixed, Op.All),
      allow(Res.Group, 'g-', Pat.Prefixed, Op.All),
    ],
  );
  ({ tb, admin, allowed, denied } = m);
});

after(async () => {
  await m?.close();
});

test('CreateTopics, CreatePartitions: CREATE and ALTER; nothing created or grown for the denied', async () => {
  const create = (c: WireClient) => c.request(ApiKey.CreateTopics, 7, { timeoutMs: 5000, validateOnly: false, topics: [{ ...defaultCreatableTopic(), name: TOPIC, numPartitions: 1, replicationFactor: 1 }] });
  const d = await create(denied);
  assert.deepEqual([d.topics[0]!.errorCode, d.topics[0]!.errorMessage], [ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.']);
  assert.equal(tb.broker.metadata.topic(TOPIC), undefined);
  const a = await create(allowed);
  assert.deepEqual([a.topics[0]!.errorCode, a.topics[0]!.topicConfigErrorCode], [0, 0]);
  assert.ok((a.topics[0]!.configs?.length ?? 0) > 0);
  const grow = (c: WireClient) => c.request(ApiKey.CreatePartitions, 3, { timeoutMs: 5000, validateOnly: false, topics: [{ name: TOPIC, count: 2, assignments: null }] });
  assert.equal((await grow(denied)).results[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal(tb.broker.metadata.topic(TOPIC)!.partitions.length, 1);
  assert.equal((await grow(allowed)).results[0]!.errorCode, 0);
  assert.equal(tb.broker.metadata.topic(TOPIC)!.partitions.length, 2);
});

test('DescribeConfigs, IncrementalAlterConfigs and AlterConfigs: DESCRIBE_CONFIGS / ALTER_CONFIGS on the topic or the cluster', async () => {
  const describe = (c: WireClient) => c.request(ApiKey.DescribeConfigs, 4, {
    resources: [
      { ...defaultDescribeConfigsResource(), resourceType: CONFIG_TOPIC, resourceName: TOPIC, configurationKeys: null },
      { ...defaultDescribeConfigsResource(), resourceType: CONFIG_BROKER, resourceName: String(tb.broker.nodeId), configurationKeys: ['log.retention.ms'] },
    ],
    includeSynonyms: false, includeDocumentation: false,
  });
  const d = await describe(denied);
  assert.deepEqual(d.results.map((r) => [r.errorCode, r.configs.length]), [[ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0], [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 0]]);
  const a = await describe(allowed);
  assert.deepEqual(a.results.map((r) => r.errorCode), [0, 0]);
  const alter = (c: WireClient) => c.request(ApiKey.IncrementalAlterConfigs, 1, {
    validateOnly: false,
    resources: [{ resourceType: CONFIG_TOPIC, resourceName: TOPIC, configs: [{ name: 'retention.ms', configOperation: 0, value: '12345' }] }],
  });
  assert.equal((await alter(denied)).responses[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal(tb.broker.metadata.topic(TOPIC)!.configs['retention.ms'], undefined);
  assert.equal((await alter(allowed)).responses[0]!.errorCode, 0);
  assert.equal(tb.broker.metadata.topic(TOPIC)!.configs['retention.ms'], '12345');
  // The legacy AlterConfigs (replaces the whole set) checks the same operations.
  const legacy = (c: WireClient, resourceType: number, resourceName: string) => c.request(ApiKey.AlterConfigs, 2, {
    validateOnly: false,
    resources: [{ resourceType, resourceName, configs: [{ name: resourceType === CONFIG_TOPIC ? 'retention.ms' : 'log.cleaner.threads', value: resourceType === CONFIG_TOPIC ? '54321' : '2' }] }],
  });
  assert.equal((await legacy(denied, CONFIG_TOPIC, TOPIC)).responses[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal((await legacy(denied, CONFIG_BROKER, String(tb.broker.nodeId))).responses[0]!.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  assert.equal(tb.broker.metadata.topic(TOPIC)!.configs['retention.ms'], '12345');
  assert.equal((await legacy(allowed, CONFIG_TOPIC, TOPIC)).responses[0]!.errorCode, 0);
  assert.equal(tb.broker.metadata.topic(TOPIC)!.configs['retention.ms'], '54321');
});

test('InitProducerId: IDEMPOTENT_WRITE (or WRITE on some topic) for idempotence, WRITE on the transactional id', async () => {
  const init = (c: WireClient, transactionalId: string | null) => c.request(ApiKey.InitProducerId, 5, { ...defaultInitProducerIdRequest(), transactionalId, transactionTimeoutMs: 60_000 });
  assert.equal((await init(denied, null)).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  assert.equal((await init(allowed, null)).errorCode, 0);
  assert.equal((await init(denied, TXN)).errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  // Finding the coordinator creates __transaction_state, as in Kafka.
  const fc = (c: WireClient) => c.request(ApiKey.FindCoordinator, 4, { ...defaultFindCoordinatorRequest(), keyType: 1, coordinatorKeys: [TXN] });
  assert.equal((await fc(denied)).coordinators[0]!.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  let found = await fc(allowed);
  for (let i = 0; i < 50 && found.coordinators[0]!.errorCode !== 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    found = await fc(allowed);
  }
  assert.equal(found.coordinators[0]!.errorCode, 0);
  let ok = await init(allowed, TXN);
  for (let i = 0; i < 50 && (ok.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || ok.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE || ok.errorCode === ErrorCode.NOT_COORDINATOR || ok.errorCode === ErrorCode.CONCURRENT_TRANSACTIONS); i++) {
    await new Promise((r) => setTimeout(r, 100));
    ok = await init(allowed, TXN);
  }
  assert.equal(ok.errorCode, 0);


  const ids = { transactionalId: TXN, producerId: ok.producerId, producerEpoch: ok.producerEpoch };
  const add = await denied.request(ApiKey.AddPartitionsToTxn, 3, {
    ...defaultAddPartitionsToTxnRequest(), v3AndBelowTransactionalId: TXN, v3AndBelowProducerId: ok.producerId, v3AndBelowProducerEpoch: ok.producerEpoch, v3AndBelowTopics: [{ name: TOPIC, partitions: [0] }],
  });
  assert.equal(add.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  // v4+ is for brokers: CLUSTER_ACTION, which denied lacks.
  const add4 = await denied.request(ApiKey.AddPartitionsToTxn, 4, { ...defaultAddPartitionsToTxnRequest(), transactions: [] });
  assert.equal(add4.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  const addOk = await allowed.request(ApiKey.AddPartitionsToTxn, 3, {
    ...defaultAddPartitionsToTxnRequest(), v3AndBelowTransactionalId: TXN, v3AndBelowProducerId: ok.producerId, v3AndBelowProducerEpoch: ok.producerEpoch,
    v3AndBelowTopics: [{ name: TOPIC, partitions: [0] }, { name: 'other', partitions: [0] }],
  });
  // WRITE on adm-t but not on "other": that one is refused, adm-t not attempted.
  assert.deepEqual(addOk.resultsByTopicV3AndBelow.map((t) => [t.name, t.resultsByPartition[0]!.partitionErrorCode]).sort(), [
    [TOPIC, ErrorCode.OPERATION_NOT_ATTEMPTED], ['other', ErrorCode.TOPIC_AUTHORIZATION_FAILED],
  ]);
  assert.equal((await denied.request(ApiKey.AddOffsetsToTxn, 4, { ...defaultAddOffsetsToTxnRequest(), ...ids, groupId: 'g-1' })).errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  assert.equal((await allowed.request(ApiKey.AddOffsetsToTxn, 4, { ...defaultAddOffsetsToTxnRequest(), ...ids, groupId: 'nope' })).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const toc = await denied.request(ApiKey.TxnOffsetCommit, 3, {
    ...defaultTxnOffsetCommitRequest(), ...ids, groupId: 'g-1',
    topics: [{ name: TOPIC, topicId: ZERO_UUID, partitions: [{ partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
  assert.equal(toc.topics[0]!.partitions[0]!.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  // A transactional Produce needs WRITE on the transactional id before anything else.
  const txnBatch = encodeBatchSync([{ value: Buffer.from('t') }], { producerId: Number(ok.producerId), producerEpoch: ok.producerEpoch, baseSequence: 0, transactional: true });
  const txnProduce = await denied.request(ApiKey.Produce, 9, { transactionalId: TXN, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, topicId: ZERO_UUID, partitionData: [{ index: 0, records: txnBatch }] }] });
  assert.equal(txnProduce.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  assert.equal((await denied.request(ApiKey.EndTxn, 4, { ...defaultEndTxnRequest(), ...ids, committed: false })).errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);

  const dt = (c: WireClient) => c.request(ApiKey.DescribeTransactions, 0, { transactionalIds: [TXN] });
  assert.equal((await dt(denied)).transactionStates[0]!.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  assert.equal((await dt(allowed)).transactionStates[0]!.errorCode, 0);
  const lt = async (c: WireClient) => (await c.request(ApiKey.ListTransactions, 1, defaultListTransactionsRequest())).transactionStates.map((s) => s.transactionalId);
  assert.deepEqual(await lt(denied), []);
  assert.deepEqual(await lt(allowed), [TXN]);
  const markers = await denied.request(ApiKey.WriteTxnMarkers, 1, {
    ...defaultWriteTxnMarkersRequest(),
    markers: [{ producerId: ok.producerId, producerEpoch: ok.producerEpoch, transactionResult: false, topics: [{ name: TOPIC, partitionIndexes: [0] }], coordinatorEpoch: 0 , transactionVersion: 0}],
  });
  assert.equal(markers.markers[0]!.topics[0]!.partitions[0]!.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
});

test('DescribeProducers, DescribeLogDirs, ElectLeaders, reassignments, SCRAM credentials, DescribeCluster operations', async () => {
  const dp = (c: WireClient) => c.request(ApiKey.DescribeProducers, 0, { topics: [{ name: TOPIC, partitionIndexes: [0] }] });
  assert.equal((await dp(denied)).topics[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal((await dp(allowed)).topics[0]!.partitions[0]!.errorCode, 0);
  const logDirs = (c: WireClient) => c.request(ApiKey.DescribeLogDirs, 4, { ...defaultDescribeLogDirsRequest(), topics: null });
  const dld = await logDirs(denied);
  assert.deepEqual([dld.errorCode, dld.results], [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, []]);
  assert.ok((await logDirs(allowed)).results.length > 0);
  // AlterReplicaLogDirs: ALTER on the cluster, else every partition named is refused.
  const alterDirs = (c: WireClient) => c.request(ApiKey.AlterReplicaLogDirs, 2, { dirs: [{ path: '/nowhere', topics: [{ name: TOPIC, partitions: [0, 1] }] }] });
  assert.deepEqual((await alterDirs(denied)).results.map((t) => [t.topicName, t.partitions.map((p) => [p.partitionIndex, p.errorCode])]), [[TOPIC, [[0, ErrorCode.CLUSTER_AUTHORIZATION_FAILED], [1, ErrorCode.CLUSTER_AUTHORIZATION_FAILED]]]]);
  assert.equal((await alterDirs(allowed)).results[0]!.partitions[0]!.errorCode, ErrorCode.LOG_DIR_NOT_FOUND);
  const elect = await denied.request(ApiKey.ElectLeaders, 2, { ...defaultElectLeadersRequest(), electionType: 0, topicPartitions: [{ topic: TOPIC, partitions: [0] }], timeoutMs: 1000 });
  assert.deepEqual([elect.errorCode, elect.replicaElectionResults[0]!.partitionResult[0]!.errorCode], [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.CLUSTER_AUTHORIZATION_FAILED]);
  const reassign = await denied.request(ApiKey.AlterPartitionReassignments, 0, { timeoutMs: 1000, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, replicas: [1] }] }] });
  assert.equal(reassign.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  assert.equal((await denied.request(ApiKey.ListPartitionReassignments, 0, { timeoutMs: 1000, topics: null })).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  assert.equal((await allowed.request(ApiKey.ListPartitionReassignments, 0, { timeoutMs: 1000, topics: null })).errorCode, 0);
  assert.equal((await denied.request(ApiKey.DescribeUserScramCredentials, 0, { users: null })).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  assert.equal((await allowed.request(ApiKey.DescribeUserScramCredentials, 0, { users: null })).errorCode, 0);
  const alterScram = await denied.request(ApiKey.AlterUserScramCredentials, 0, { deletions: [{ name: 'x', mechanism: 1 }], upsertions: [] });
  assert.deepEqual(alterScram.results.map((r) => [r.user, r.errorCode]), [['x', ErrorCode.CLUSTER_AUTHORIZATION_FAILED]]);
  const cluster = async (c: WireClient) => (await c.request(ApiKey.DescribeCluster, 1, { ...defaultDescribeClusterRequest(), includeClusterAuthorizedOperations: true, endpointType: 1 })).clusterAuthorizedOperations;
  assert.equal(await cluster(denied), 0);
  assert.equal(await cluster(allowed), 8096);
});

test('DeleteTopics: DELETE on the topic; the denied delete leaves it, by name or by id', async () => {
  const id = tb.broker.metadata.topic(TOPIC)!.id;
  const byName = await denied.request(ApiKey.DeleteTopics, 6, { topics: [{ ...defaultDeleteTopicState(), name: TOPIC, topicId: ZERO_UUID }], topicNames: [], timeoutMs: 5000 });
  assert.equal(byName.responses[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const byId = await denied.request(ApiKey.DeleteTopics, 6, { topics: [{ ...defaultDeleteTopicState(), name: null, topicId: id }], topicNames: [], timeoutMs: 5000 });
  // Not allowed to describe it either: the answer does not name it.
  assert.deepEqual([byId.responses[0]!.errorCode, byId.responses[0]!.name], [ErrorCode.TOPIC_AUTHORIZATION_FAILED, null]);
  assert.notEqual(tb.broker.metadata.topic(TOPIC), undefined);
  const ok = await allowed.request(ApiKey.DeleteTopics, 6, { topics: [{ ...defaultDeleteTopicState(), name: TOPIC, topicId: ZERO_UUID }], topicNames: [], timeoutMs: 5000 });
  assert.equal(ok.responses[0]!.errorCode, 0);
});
