// The replica fetcher as a state machine, over a scripted leader (a fake transport) and an
// in-memory follower log: what it asks (OffsetForLeaderEpoch, Fetch with ReplicaState,
// ListOffsets) and how it truncates and appends on each kind of answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplicaFetcher, type FollowerLog, type ReplicaTransport } from '../../../src/cluster/replication/replica-fetcher.js';
import { SILENT_LOGGER } from '../../../src/cluster/cluster-logger.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import type { FetchRequest } from '../../../src/protocol/generated/fetch-request.js';
import { defaultEpochEndOffset, type FetchResponse } from '../../../src/protocol/generated/fetch-response.js';
import type { OffsetForLeaderEpochRequest } from '../../../src/protocol/generated/offset-for-leader-epoch-request.js';
import type { OffsetForLeaderEpochResponse } from '../../../src/protocol/generated/offset-for-leader-epoch-response.js';
import type { ListOffsetsRequest } from '../../../src/protocol/generated/list-offsets-request.js';
import type { ListOffsetsResponse } from '../../../src/protocol/generated/list-offsets-response.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { batchBaseOffset, batchPartitionLeaderEpoch, batchSize } from '../../../src/protocol/records/header.js';
import type { EpochEndOffset } from '../../../src/storage/leader-epoch-cache.js';
import { eventually } from '../../helpers/eventually.js';

const TOPIC_ID = Buffer.alloc(16, 7);

/** One record per batch: offset and the epoch of its batch. */
class MemoryFollowerLog implements FollowerLog {
  readonly topic = 't';
  readonly partition = 0;
  readonly topicId = TOPIC_ID;
  logStartOffset = 0;
  highWatermark = 0;
  entries: Array<{ offset: number; epoch: number }> = [];
  truncations: number[] = [];

  constructor(epochs: number[] = []) {
    epochs.forEach((epoch, offset) => this.entries.push({ offset, epoch }));
  }

  get logEndOffset(): number {
    const last = this.entries[this.entries.length - 1];
    return last === undefined ? this.logStartOffset : last.offset + 1;
  }

  get latestEpoch(): number {
    return this.entries[this.entries.length - 1]?.epoch ?? -1;
  }

  endOffsetForEpoch(epoch: number): EpochEndOffset {
    const latest = this.latestEpoch;
    if (latest < 0 || epoch < 0 || epoch > latest) return { epoch: -1, endOffset: -1 };
    if (epoch === latest) return { epoch, endOffset: this.logEndOffset };
    const next = this.entries.find((e) => e.epoch > epoch)!;
    const floor = [...this.entries].reverse().find((e) => e.epoch <= epoch);
    return { epoch: floor?.epoch ?? epoch, endOffset: next.offset };
  }

  async truncateTo(offset: number): Promise<void> {
    if (offset < this.logEndOffset) this.truncations.push(offset);
    this.entries = this.entries.filter((e) => e.offset < offset);
    this.highWatermark = Math.min(this.highWatermark, this.logEndOffset);
  }

  async truncateFullyAndStartAt(offset: number): Promise<void> {
    this.entries = [];
    this.logStartOffset = offset;
    this.highWatermark = offset;
  }

  appendAsFollower(records: Buffer): void {
    for (let at = 0; at < records.length; at += batchSize(records, at)) {
      this.entries.push({ offset: batchBaseOffset(records, at), epoch: batchPartitionLeaderEpoch(records, at) });
    }
  }

  updateFromLeader(highWatermark: number): void {
    this.highWatermark = Math.min(highWatermark, this.logEndOffset);
  }
}

function batches(...list: Array<[offset: number, epoch: number]>): Buffer {
  return Buffer.concat(list.map(([baseOffset, partitionLeaderEpoch]) => encodeBatchSync([{ value: Buffer.from(`r${baseOffset}`) }], { baseOffset, partitionLeaderEpoch })));
}

function fetchAnswer(p: { errorCode?: number; records?: Buffer; highWatermark?: number; diverging?: [number, number] }): FetchResponse {
  const divergingEpoch = defaultEpochEndOffset();
  if (p.diverging !== undefined) {
    divergingEpoch.epoch = p.diverging[0];
    divergingEpoch.endOffset = BigInt(p.diverging[1]);
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    sessionId: 0,
    nodeEndpoints: [],
    responses: [
      {
        topic: '',
        topicId: TOPIC_ID,
        partitions: [
          {
            partitionIndex: 0,
            errorCode: p.errorCode ?? ErrorCode.NONE,
            highWatermark: BigInt(p.highWatermark ?? -1),
            lastStableOffset: -1n,
            logStartOffset: 0n,
            divergingEpoch,
            currentLeader: { leaderId: -1, leaderEpoch: -1 },
            snapshotId: { endOffset: -1n, epoch: -1 },
            abortedTransactions: null,
            preferredReadReplica: -1,
            records: p.records ?? null,
          },
        ],
      },
    ],
  };
}

/** A leader that answers from scripts, in order, and then holds each request until `close`. */
class ScriptedLeader implements ReplicaTransport {
  fetches: FetchRequest[] = [];
  epochQueries: OffsetForLeaderEpochRequest[] = [];
  offsetQueries: ListOffsetsRequest[] = [];
  fetchScript: FetchResponse[] = [];
  epochScript: Array<[epoch: number, endOffset: number]> = [];
  offsetScript: number[] = [];
  private held: Array<(err: Error) => void> = [];

  private hold<T>(): Promise<T> {
    return new Promise<T>((_resolve, reject) => this.held.push(reject));
  }

  close(): void {
    for (const reject of this.held) reject(new Error('closed'));
    this.held = [];
  }

  fetch(_leader: number, request: FetchRequest): Promise<FetchResponse> {
    this.fetches.push(structuredClone(request));
    const next = this.fetchScript.shift();
    return next === undefined ? this.hold() : Promise.resolve(next);
  }

  offsetForLeaderEpoch(_leader: number, request: OffsetForLeaderEpochRequest): Promise<OffsetForLeaderEpochResponse> {
    this.epochQueries.push(structuredClone(request));
    const next = this.epochScript.shift();
    if (next === undefined) return this.hold();
    return Promise.resolve({
      throttleTimeMs: 0,
      topics: [{ topic: 't', partitions: [{ errorCode: ErrorCode.NONE, partition: 0, leaderEpoch: next[0], endOffset: BigInt(next[1]) }] }],
    });
  }

  listOffsets(_leader: number, request: ListOffsetsRequest): Promise<ListOffsetsResponse> {
    this.offsetQueries.push(structuredClone(request));
    const next = this.offsetScript.shift();
    if (next === undefined) return this.hold();
    return Promise.resolve({
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.NONE, timestamp: -1n, offset: BigInt(next), leaderEpoch: -1 }] }],
    });
  }
}

async function run(log: MemoryFollowerLog, leader: ScriptedLeader, leaderEpoch: number, done: () => boolean): Promise<void> {
  const fetcher = new ReplicaFetcher(1, leader, {
    nodeId: 7,
    brokerEpoch: () => 42,
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: 1 << 20,
    responseMaxBytes: 10 << 20,
    backoffMs: 1,
    logger: SILENT_LOGGER,
  });
  fetcher.add(log, leaderEpoch);
  try {
    await eventually('the fetcher to get there', done);
  } finally {
    const stopping = fetcher.stop();
    leader.close();
    await stopping;
  }
}

test('a new follower truncates where its epochs and the leader\'s part, then fetches with its replica id, broker epoch and last epoch', async () => {
  // Offsets 3-4 were written in epoch 1 by a leader whose epoch-1 writes never committed; the
  // new leader (epoch 2) says epoch 1 is unknown to it and epoch 0 ends at 3.
  const log = new MemoryFollowerLog([0, 0, 0, 1, 1]);
  const leader = new ScriptedLeader();
  leader.epochScript.push([0, 3]);
  leader.fetchScript.push(fetchAnswer({ records: batches([3, 2]), highWatermark: 4 }));
  await run(log, leader, 2, () => log.highWatermark === 4);
  assert.deepEqual(leader.epochQueries[0], { replicaId: 7, topics: [{ topic: 't', partitions: [{ partition: 0, currentLeaderEpoch: 2, leaderEpoch: 1 }] }] });
  assert.deepEqual(log.truncations, [3]);
  const f = leader.fetches[0]!;
  assert.equal(f.replicaId, -1, 'v15+: the replica is named in ReplicaState');
  assert.deepEqual(f.replicaState, { replicaId: 7, replicaEpoch: 42n });
  const p = f.topics[0]!.partitions[0]!;
  assert.equal(p.fetchOffset, 3n);
  assert.equal(p.lastFetchedEpoch, 0);
  assert.equal(p.currentLeaderEpoch, 2);
  assert.deepEqual(log.entries.map((e) => e.epoch), [0, 0, 0, 2]);
});

test('an epoch the leader does not have: the follower cuts to the end of its own largest epoch below, and asks again', async () => {
  const log = new MemoryFollowerLog([0, 0, 1, 1, 3, 3]);
  const leader = new ScriptedLeader();
  // Asked for epoch 3, the leader answers epoch 2 (which the follower never had) ending at 5.
  leader.epochScript.push([2, 5], [1, 4]);
  await run(log, leader, 4, () => leader.fetches.length > 0);
  assert.deepEqual(log.truncations, [4], 'epoch 1 of the follower ends at 4: cut there');
  assert.equal(leader.epochQueries[1]!.topics[0]!.partitions[0]!.leaderEpoch, 1, 'then asked for its new latest epoch');
  assert.equal(log.logEndOffset, 4);
});

/**
 * A log whose epoch history ends in an epoch with no batches: this broker became leader at
 * `assigned.start` (the epoch cache took the entry) and was replaced before it wrote anything.
 */
class EmptyEpochFollowerLog extends MemoryFollowerLog {
  constructor(epochs: number[], public assigned: { epoch: number; start: number } | null) {
    super(epochs);
  }

  override get latestEpoch(): number {
    return this.assigned?.epoch ?? super.latestEpoch;
  }

  override endOffsetForEpoch(epoch: number): EpochEndOffset {
    const a = this.assigned;
    if (a === null || epoch > a.epoch) return super.endOffsetForEpoch(epoch);
    if (epoch === a.epoch) return { epoch, endOffset: this.logEndOffset };
    return { epoch: super.latestEpoch, endOffset: a.start };
  }

  override async truncateTo(offset: number): Promise<void> {
    await super.truncateTo(offset);
    if (this.assigned !== null && this.assigned.start >= offset) this.assigned = null;
  }
}

test('an epoch begun here as leader with nothing written goes at the log end, so the next fetch sends the epoch before it', async () => {
  // Offsets 0-4 of epoch 3; this broker led epoch 4 from offset 5 and wrote nothing. The new
  // leader (epoch 5) never had epoch 4: its epoch 3 ends at 7, past this log's end.
  const log = new EmptyEpochFollowerLog([3, 3, 3, 3, 3], { epoch: 4, start: 5 });
  const leader = new ScriptedLeader();
  leader.epochScript.push([3, 7]);
  leader.fetchScript.push(fetchAnswer({ records: batches([5, 3]), highWatermark: 6 }));
  await run(log, leader, 5, () => log.highWatermark === 6);
  assert.equal(leader.epochQueries[0]!.topics[0]!.partitions[0]!.leaderEpoch, 4);
  assert.equal(log.assigned, null, 'the empty epoch left the history');
  assert.deepEqual(log.truncations, [], 'no record was cut');
  const p = leader.fetches[0]!.topics[0]!.partitions[0]!;
  assert.equal(p.fetchOffset, 5n);
  assert.equal(p.lastFetchedEpoch, 3, 'with epoch 4 it would be answered as diverging at 5, again and again');
});

test('a diverging epoch in a fetch answer truncates the follower; the next fetch starts there', async () => {
  const log = new MemoryFollowerLog([0, 0, 1, 1]);
  const leader = new ScriptedLeader();
  leader.epochScript.push([1, 4]);
  leader.fetchScript.push(fetchAnswer({ diverging: [0, 2], highWatermark: 2 }));
  await run(log, leader, 2, () => leader.fetches.length >= 2);
  assert.deepEqual(log.truncations, [2]);
  assert.equal(leader.fetches[1]!.topics[0]!.partitions[0]!.fetchOffset, 2n);
});

test('out of range: a leader with less than the follower (unclean election) cuts it back; a leader starting later makes it start again there', async () => {
  const behind = new MemoryFollowerLog([0, 0, 0, 0, 0]);
  const unclean = new ScriptedLeader();
  unclean.epochScript.push([0, 5]);
  unclean.fetchScript.push(fetchAnswer({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE }));
  unclean.offsetScript.push(2);
  await run(behind, unclean, 1, () => unclean.fetches.length >= 2);
  assert.equal(unclean.offsetQueries[0]!.topics[0]!.partitions[0]!.timestamp, -1n, 'the leader\'s log end');
  assert.equal(unclean.offsetQueries[0]!.replicaId, 7);
  assert.equal(behind.logEndOffset, 2);

  const short = new MemoryFollowerLog([0, 0]);
  const ahead = new ScriptedLeader();
  ahead.epochScript.push([0, 2]);
  ahead.fetchScript.push(fetchAnswer({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE }));
  ahead.offsetScript.push(50, 10);
  await run(short, ahead, 1, () => ahead.fetches.length >= 2);
  assert.equal(ahead.offsetQueries[1]!.topics[0]!.partitions[0]!.timestamp, -2n, 'then its log start');
  assert.equal(short.logStartOffset, 10);
  assert.equal(ahead.fetches[1]!.topics[0]!.partitions[0]!.fetchOffset, 10n);
});

test('an error answer holds the partition back and fetches again; a partial batch at the end is left for the next fetch', async () => {
  const log = new MemoryFollowerLog();
  const leader = new ScriptedLeader();
  const two = batches([0, 0], [1, 0]);
  const partial = two.subarray(0, two.length - 5);
  leader.fetchScript.push(fetchAnswer({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER }), fetchAnswer({ records: partial, highWatermark: 2 }));
  await run(log, leader, 0, () => leader.fetches.length >= 3);
  assert.equal(leader.epochQueries.length, 0, 'a follower with no epochs asks nothing: it starts from its high watermark');
  assert.deepEqual(log.entries.map((e) => e.offset), [0]);
  assert.equal(leader.fetches[2]!.topics[0]!.partitions[0]!.fetchOffset, 1n);
});
