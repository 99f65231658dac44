// `millrace group` for share and streams groups through the real bin against one embedded
// broker: list with --type and --state, describe's three views (offsets, --members, --state,
// with --verbose) as kafka-share-groups.sh and kafka-streams-groups.sh print them, and a share
// group's reset-offsets (refused while it has members, a dry run, --execute) and delete-offsets,
// and delete-offsets of a consumer group's committed offsets.
// The members are driven over the wire (ShareGroupHeartbeat, ShareFetch, StreamsGroupHeartbeat).
// Commands that succeed run in this process (quicker); refusals through the bin, whose exit
// code and stderr they are.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { ZERO_UUID } from '../../src/protocol/primitives/codec-helpers.js';
import { encodeBatchSync } from '../../src/protocol/records/encode.js';
import { defaultStreamsGroupHeartbeatRequest } from '../../src/protocol/generated/streams-group-heartbeat-request.js';
import { Admin } from '../../src/client/admin.js';
import { KafkaClient } from '../../src/client/client.js';
import { makeTopic, startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { Command } from 'commander';
import { registerGroup } from '../../src/cli/group.js';
import { cli } from './cli-harness.js';

let tb: TestBroker;
const b = () => ['--bootstrap-server', tb.bootstrap];

before(async () => {
  tb = await startTestBroker({ config: { 'group.streams.initial.rebalance.delay.ms': 0, 'group.streams.assignment.interval.ms': 0 } });
});

after(async () => {
  await tb?.close();
});

async function produce(topic: string, partition: number, count: number): Promise<void> {
  const records = encodeBatchSync(Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`r${i}`), offsetDelta: i })), { defaultTimestamp: Date.now() });
  const r = await tb.client.request(ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: partition, records }] }] });
  assert.equal(r.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
}

/** Runs `millrace group ...` in this process and returns what it printed (it must succeed). */
async function ok(args: readonly string[]): Promise<string> {
  assert.equal(args[0], 'group');
  let printed = '';
  const program = new Command('millrace').exitOverride();
  registerGroup(program, { write: (chunk: string) => (printed += chunk) });
  const before = process.exitCode;
  await program.parseAsync(['node', 'millrace', ...args]);
  assert.equal(process.exitCode, before, `millrace ${args.join(' ')} failed`);
  return printed;
}

/** Rows of a table: the lines after the header, split on runs of spaces. */
function rows(text: string, header: RegExp): string[][] {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => header.test(l));
  assert.ok(at >= 0, `no header ${header} in:\n${text}`);
  return lines.slice(at + 1).filter((l) => l !== '').map((l) => l.split(/ {2,}/));
}

test('share group: list, describe (offsets, members, state), reset-offsets and delete-offsets', async () => {
  const c = tb.client;
  const topic = await makeTopic(tb, 'jobs', 2);
  const heartbeat = async (memberId: string, memberEpoch: number) => {
    const r = await c.request(ApiKey.ShareGroupHeartbeat, 1, { groupId: 'workers', memberId, memberEpoch, rackId: null, subscribedTopicNames: memberEpoch === 0 ? ['jobs'] : null });
    assert.equal(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '');
  };
  const fetch = (shareSessionEpoch: number) => c.request(ApiKey.ShareFetch, 2, {
    groupId: 'workers', memberId: 'member-1', shareSessionEpoch, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, maxRecords: 100, batchSize: 100, shareAcquireMode: 0,
    isRenewAck: false, topics: [{ topicId: topic.id, partitions: [0, 1].map((partitionIndex) => ({ partitionIndex, acknowledgementBatches: [] })) }], forgottenTopicsData: [],
  });
  await produce('jobs', 0, 5);
  await heartbeat('member-1', 0);
  // The first fetch places the share-partitions at the log end (share.auto.offset.reset latest);
  // the next acquires the 3 records produced since; accepting the first writes the state.
  assert.equal((await fetch(0)).errorCode, ErrorCode.NONE);
  await produce('jobs', 0, 3);
  const acquired = await fetch(1);
  assert.deepEqual(acquired.responses[0]!.partitions.find((p) => p.partitionIndex === 0)!.acquiredRecords, [{ firstOffset: 5n, lastOffset: 7n, deliveryCount: 1 }]);
  const ack = await c.request(ApiKey.ShareAcknowledge, 2, { groupId: 'workers', memberId: 'member-1', shareSessionEpoch: 2, isRenewAck: false, topics: [{ topicId: topic.id, partitions: [{ partitionIndex: 0, acknowledgementBatches: [{ firstOffset: 5n, lastOffset: 5n, acknowledgeTypes: [1] }] }] }] });
  assert.equal(ack.errorCode, ErrorCode.NONE);

  const listed = await ok(['group', 'list', '--type', 'share', ...b()]);
  assert.deepEqual(rows(listed, /^GROUP +TYPE/), [['workers', 'share', 'Stable', 'share']]);
  assert.deepEqual(rows(await ok(['group', 'list', '--type', 'share', '--state', 'empty', ...b()]), /^GROUP/), []);
  const badType = await cli(['group', 'list', '--type', 'queue', ...b()]);
  assert.notEqual(badType.code, 0);
  assert.match(badType.stderr, /--type queue: expected one of classic, consumer, share, streams/);

  // Default view: start offset and lag per share-partition; "-" where there is no state yet.
  assert.deepEqual(rows(await ok(['group', 'describe', 'workers', ...b()]), /^GROUP +TOPIC +PARTITION +START-OFFSET +LAG$/),
    [['workers', 'jobs', '0', '6', '2'], ['workers', 'jobs', '1', '-', '-']]);
  assert.deepEqual(rows(await ok(['group', 'describe', 'workers', '--verbose', ...b()]), /^GROUP +TOPIC +PARTITION +LEADER-EPOCH +START-OFFSET +LAG$/)[0],
    ['workers', 'jobs', '0', '0', '6', '2']);
  const members = rows(await ok(['group', 'describe', 'workers', '--members', '--verbose', ...b()]), /^GROUP +CONSUMER-ID +HOST +CLIENT-ID +#PARTITIONS +MEMBER-EPOCH +ASSIGNMENT$/);
  assert.equal(members.length, 1);
  const [g, id, host, clientId, count, epoch, assignment] = members[0]!;
  assert.deepEqual([g, id, clientId, count, epoch, assignment], ['workers', 'member-1', 'millrace-test', '2', '1', 'jobs:0,1']);
  assert.match(host!, /127\.0\.0\.1/);
  const state = await ok(['group', 'describe', 'workers', '--state', '--verbose', ...b()]);
  assert.match(state, new RegExp(`^GROUP +COORDINATOR \\(ID\\) +STATE +GROUP-EPOCH +ASSIGNMENT-EPOCH +#MEMBERS\\nworkers +${tb.bootstrap.replace(/\./g, '\\.')}  \\(\\d+\\) +Stable +1 +1 +1\\n$`));
  const json = JSON.parse(await ok(['group', 'describe', 'workers', '--json', ...b()])) as { type: string; group: { state: string; members: unknown[] }; offsets: unknown[] };
  assert.equal(json.type, 'share');
  assert.equal(json.group.members.length, 1);
  assert.deepEqual(json.offsets, [
    { topic: 'jobs', partition: 0, startOffset: 6, leaderEpoch: 0, lag: 2 },
    { topic: 'jobs', partition: 1, startOffset: null, leaderEpoch: null, lag: null },
  ]);

  // Start offsets are reset only in an empty group, as kafka-share-groups.sh says.
  const busy = await cli(['group', 'reset-offsets', 'workers', '--topic', 'jobs', '--to-earliest', '--execute', ...b()]);
  assert.notEqual(busy.code, 0);
  assert.match(busy.stderr, /Share group 'workers' is not empty\./);
  await heartbeat('member-1', -1);
  assert.match(await ok(['group', 'describe', 'workers', '--members', ...b()]), /^\nShare group 'workers' has no active members\.\n$/);
  assert.equal(await ok(['group', 'reset-offsets', 'workers', '--topic', 'jobs:0', '--to-earliest', ...b()]),
    'GROUP    TOPIC  PARTITION  NEW-OFFSET\nworkers  jobs   0          0\n');
  const shift = await cli(['group', 'reset-offsets', 'workers', '--topic', 'jobs', '--shift-by', '1', ...b()]);
  assert.match(shift.stderr, /--shift-by is not a share group reset/);
  await ok(['group', 'reset-offsets', 'workers', '--topic', 'jobs:0', '--to-earliest', '--execute', ...b()]);
  // Millrace describes the share-partitions of the members' subscriptions: a member again shows the new start.
  await heartbeat('member-2', 0);
  assert.deepEqual(rows(await ok(['group', 'describe', 'workers', ...b()]), /^GROUP +TOPIC/)[0], ['workers', 'jobs', '0', '0', '8']);

  const stillBusy = await cli(['group', 'delete-offsets', 'workers', '--topic', 'jobs', ...b()]);
  assert.notEqual(stillBusy.code, 0);
  assert.match(stillBusy.stderr, /NON_EMPTY_GROUP/);
  await heartbeat('member-2', -1);
  assert.equal(await ok(['group', 'delete-offsets', 'workers', '--topic', 'jobs', ...b()]), 'TOPIC  STATUS\njobs   Successful\n');
  await heartbeat('member-3', 0);
  assert.deepEqual(rows(await ok(['group', 'describe', 'workers', ...b()]), /^GROUP +TOPIC/)[0], ['workers', 'jobs', '0', '-', '-']);
  const unknown = await cli(['group', 'delete-offsets', 'nobody', '--topic', 'jobs', ...b()]);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /GROUP_ID_NOT_FOUND/);
});

test('streams group: describe (offsets, members, state) as kafka-streams-groups.sh', async () => {
  const c = tb.client;
  await makeTopic(tb, 'words', 2);
  await produce('words', 1, 4);
  const app = 'wordcount';
  const info = (name: string) => ({ name, partitions: 0, replicationFactor: 0, topicConfigs: [] });
  const topology = {
    epoch: 1,
    subtopologies: [
      { subtopologyId: '0', sourceTopics: ['words'], sourceTopicRegex: [], stateChangelogTopics: [], repartitionSinkTopics: [`${app}-rep`], repartitionSourceTopics: [], copartitionGroups: [] },
      { subtopologyId: '1', sourceTopics: [], sourceTopicRegex: [], stateChangelogTopics: [info(`${app}-changelog`)], repartitionSinkTopics: [], repartitionSourceTopics: [info(`${app}-rep`)], copartitionGroups: [] },
    ],
  };
  const joined = await c.request(ApiKey.StreamsGroupHeartbeat, 1, {
    ...defaultStreamsGroupHeartbeatRequest(), groupId: app, memberId: 'm1', memberEpoch: 0, rebalanceTimeoutMs: 30_000, topology,
    activeTasks: [], standbyTasks: [], warmupTasks: [], processId: 'p1', userEndpoint: null, clientTags: [],
  });
  assert.equal(joined.errorCode, ErrorCode.NONE, joined.errorMessage ?? '');
  // The internal topics are created after the first heartbeat; the next one gets the tasks.
  const beat = await c.request(ApiKey.StreamsGroupHeartbeat, 1, { ...defaultStreamsGroupHeartbeatRequest(), groupId: app, memberId: 'm1', memberEpoch: 1, activeTasks: [], standbyTasks: [], warmupTasks: [] });
  assert.equal(beat.errorCode, ErrorCode.NONE);
  assert.equal((beat.activeTasks ?? []).reduce((n, t) => n + t.partitions.length, 0), 4);

  assert.deepEqual(rows(await ok(['group', 'list', '--type', 'streams', ...b()]), /^GROUP/), [[app, 'streams', 'Stable', 'streams']]);
  // Nothing committed: each partition lags from its log start.
  assert.deepEqual(rows(await ok(['group', 'describe', app, ...b()]), /^GROUP +TOPIC +PARTITION +OFFSET-LAG$/), [
    [app, `${app}-rep`, '0', '0'], [app, `${app}-rep`, '1', '0'], [app, 'words', '0', '0'], [app, 'words', '1', '4'],
  ]);
  assert.deepEqual(rows(await ok(['group', 'describe', app, '--offsets', '--verbose', ...b()]), /^GROUP +TOPIC +PARTITION +CURRENT-OFFSET +LEADER-EPOCH +LOG-END-OFFSET +OFFSET-LAG$/).at(-1),
    [app, 'words', '1', '-', '-', '4', '4']);
  assert.deepEqual(rows(await ok(['group', 'describe', app, '--members', ...b()]), /^GROUP +MEMBER +PROCESS +CLIENT-ID +ASSIGNMENTS$/),
    [[app, 'm1', 'p1', 'millrace-test', 'ACTIVE: 0:[0,1]; 1:[0,1];']]);
  const verbose = rows(await ok(['group', 'describe', app, '--members', '--verbose', ...b()]),
    /^GROUP +TARGET-ASSIGNMENT-EPOCH +TOPOLOGY-EPOCH +MEMBER +MEMBER-PROTOCOL +MEMBER-EPOCH +PROCESS +CLIENT-ID +ASSIGNMENTS$/);
  assert.deepEqual(verbose, [[app, '2', '1', 'm1', 'streams', '2', 'p1', 'millrace-test', 'ACTIVE: 0:[0,1]; 1:[0,1]; TARGET-ACTIVE: 0:[0,1]; 1:[0,1];']]);
  const state = await ok(['group', 'describe', app, '--state', ...b()]);
  assert.match(state, new RegExp(`^GROUP +COORDINATOR \\(ID\\) +ASSIGNOR +STATE +#MEMBERS\\n${app} +${tb.bootstrap.replace(/\./g, '\\.')} \\(\\d+\\) +sticky +Stable +1\\n$`));
  const both = await cli(['group', 'describe', app, '--members', '--state', ...b()]);
  assert.notEqual(both.code, 0);

  const left = await c.request(ApiKey.StreamsGroupHeartbeat, 1, { ...defaultStreamsGroupHeartbeatRequest(), groupId: app, memberId: 'm1', memberEpoch: -1 });
  assert.equal(left.errorCode, ErrorCode.NONE);
  assert.equal(await ok(['group', 'describe', app, ...b()]), `Streams group '${app}' has no active members.\n`);
});

test('consumer group: delete-offsets removes the committed offsets of the partitions named', async () => {
  await makeTopic(tb, 'orders', 2);
  const client = new KafkaClient({ bootstrapServers: [tb.bootstrap] });
  try {
    await new Admin(client).commitOffsets('billing', new Map([['orders', new Map([[0, 0n], [1, 0n]])]]));
  } finally {
    client.close();
  }
  assert.equal(await ok(['group', 'delete-offsets', 'billing', '--topic', 'orders:1', ...b()]), 'TOPIC   PARTITION  STATUS\norders  1          Successful\n');
  const left = JSON.parse(await ok(['group', 'describe', 'billing', '--json', ...b()])) as { type: string; partitions: { topic: string; partition: number }[] };
  assert.equal(left.type, 'classic');
  assert.deepEqual(left.partitions.map((p) => [p.topic, p.partition]), [['orders', 0]]);
});
