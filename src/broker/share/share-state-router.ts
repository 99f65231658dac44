/**
 * The share-partition leader's persister in a cluster (Kafka's DefaultStatePersister over
 * PersisterStateManager): a share-partition's state lives in one partition of
 * __share_group_state, whose leader is its share coordinator. Calls for a state partition led
 * here (or before the topic exists: the local coordinator creates it) go to the local
 * ShareStateTopic; the others go to the leader as Read/Write/Initialize/DeleteShareGroupState
 * requests. NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE and COORDINATOR_LOAD_IN_PROGRESS (a
 * leadership moving, a metadata image behind, a partition loading) and a failed request are
 * tried again after a growing backoff, a few times, as Kafka's persister does.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { ReadShareGroupStateRequest } from '../../protocol/generated/read-share-group-state-request.js';
import type { ReadShareGroupStateResponse } from '../../protocol/generated/read-share-group-state-response.js';
import type { WriteShareGroupStateRequest } from '../../protocol/generated/write-share-group-state-request.js';
import type { WriteShareGroupStateResponse } from '../../protocol/generated/write-share-group-state-response.js';
import type { InitializeShareGroupStateRequest } from '../../protocol/generated/initialize-share-group-state-request.js';
import type { InitializeShareGroupStateResponse } from '../../protocol/generated/initialize-share-group-state-response.js';
import type { DeleteShareGroupStateRequest } from '../../protocol/generated/delete-share-group-state-request.js';
import type { DeleteShareGroupStateResponse } from '../../protocol/generated/delete-share-group-state-response.js';
import type { PersistedShareState, RecordState } from '../../coordinator/share/record-state.js';
import type { ShareStatePersister, ShareStateRead } from '../../coordinator/share/share-state-persister.js';
import type { SharePartitionKey } from '../../coordinator/share/share-state-records.js';
import type { ShareStateTopic } from '../../coordinator/share/share-state-topic.js';

/** The requests to other brokers' share coordinators. */
export interface ShareStateTransport {
  readShareGroupState(brokerId: number, request: ReadShareGroupStateRequest): Promise<ReadShareGroupStateResponse>;
  writeShareGroupState(brokerId: number, request: WriteShareGroupStateRequest): Promise<WriteShareGroupStateResponse>;
  initializeShareGroupState(brokerId: number, request: InitializeShareGroupStateRequest): Promise<InitializeShareGroupStateResponse>;
  deleteShareGroupState(brokerId: number, request: DeleteShareGroupStateRequest): Promise<DeleteShareGroupStateResponse>;
}

export interface ShareStateRouterOptions {
  nodeId: number;
  /** The leader of a __share_group_state partition; -1 when the topic or its leader is not known. */
  leaderOf(statePartition: number): number;
  /** The requests to other brokers; null on a single node, or before the broker has them. */
  transport(): ShareStateTransport | null;
  /** Waits before an attempt again (a timer; tests pass their own). */
  sleep(ms: number): Promise<void>;
}

/** Attempts per call, and the first backoff (doubled each time, as Kafka's persister backs off). */
const ATTEMPTS = 6;
const FIRST_BACKOFF_MS = 50;

const RETRIABLE: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);

export class ShareStateRouter implements ShareStatePersister {
  private readonly local: ShareStateTopic;
  private readonly o: ShareStateRouterOptions;

  constructor(local: ShareStateTopic, options: ShareStateRouterOptions) {
    this.local = local;
    this.o = options;
  }

  initialize(key: SharePartitionKey, stateEpoch: number, startOffset: number): Promise<number> {
    return this.route(key, () => this.local.initialize(key, stateEpoch, startOffset), async (id) => {
      const r = await this.o.transport()!.initializeShareGroupState(id, {
        groupId: key.groupId,
        topics: [{ topicId: topicIdOf(key), partitions: [{ partition: key.partition, stateEpoch, startOffset: BigInt(startOffset) }] }],
      });
      return onlyPartition(r.results)?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
    }, (code) => code);
  }

  read(key: SharePartitionKey, leaderEpoch: number): Promise<ShareStateRead> {
    return this.route<ShareStateRead>(key, () => this.local.read(key, leaderEpoch), async (id) => {
      const r = await this.o.transport()!.readShareGroupState(id, {
        groupId: key.groupId,
        topics: [{ topicId: topicIdOf(key), partitions: [{ partition: key.partition, leaderEpoch }] }],
      });
      const p = onlyPartition(r.results);
      if (p === undefined) return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, state: null };
      if (p.errorCode !== ErrorCode.NONE) return { errorCode: p.errorCode, state: null };
      // The wire does not carry the delivered count (-1: unknown); no state reads as start offset -1.
      const batches = p.stateBatches.map((b) => ({ firstOffset: Number(b.firstOffset), lastOffset: Number(b.lastOffset), deliveryState: b.deliveryState as RecordState, deliveryCount: b.deliveryCount }));
      return { errorCode: ErrorCode.NONE, state: { stateEpoch: p.stateEpoch, startOffset: Number(p.startOffset), deliveryCompleteCount: -1, batches } };
    }, (errorCode) => ({ errorCode, state: null }));
  }

  write(key: SharePartitionKey, leaderEpoch: number, state: PersistedShareState): Promise<number> {
    return this.route(key, () => this.local.write(key, leaderEpoch, state), async (id) => {
      const r = await this.o.transport()!.writeShareGroupState(id, {
        groupId: key.groupId,
        topics: [{
          topicId: topicIdOf(key),
          partitions: [{
            partition: key.partition, stateEpoch: state.stateEpoch, leaderEpoch, startOffset: BigInt(state.startOffset), deliveryCompleteCount: state.deliveryCompleteCount,
            stateBatches: state.batches.map((b) => ({ firstOffset: BigInt(b.firstOffset), lastOffset: BigInt(b.lastOffset), deliveryState: b.deliveryState, deliveryCount: b.deliveryCount })),
          }],
        }],
      });
      return onlyPartition(r.results)?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
    }, (code) => code);
  }

  delete(key: SharePartitionKey): Promise<number> {
    return this.route(key, () => this.local.delete(key), async (id) => {
      const r = await this.o.transport()!.deleteShareGroupState(id, { groupId: key.groupId, topics: [{ topicId: topicIdOf(key), partitions: [{ partition: key.partition }] }] });
      return onlyPartition(r.results)?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
    }, (code) => code);
  }

  /** One call, at the state partition's leader, again while it answers a coordinator error. */
  private async route<T>(key: SharePartitionKey, local: () => Promise<T>, remote: (brokerId: number) => Promise<T>, fromCode: (code: number) => T): Promise<T> {
    let backoff = FIRST_BACKOFF_MS;
    for (let attempt = 1; ; attempt++) {
      const leader = this.o.leaderOf(this.local.partitionFor(key));
      let result: T;
      if (leader < 0 || leader === this.o.nodeId) result = await local();
      else if (this.o.transport() === null) result = fromCode(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      else result = await remote(leader).catch(() => fromCode(ErrorCode.COORDINATOR_NOT_AVAILABLE));
      if (attempt >= ATTEMPTS || !RETRIABLE.has(errorCodeOf(result))) return result;
      await this.o.sleep(backoff);
      backoff *= 2;
    }
  }
}

function topicIdOf(key: SharePartitionKey): Buffer {
  return Buffer.from(key.topicId, 'hex');
}

function onlyPartition<P>(results: ReadonlyArray<{ partitions: readonly P[] }>): P | undefined {
  return results[0]?.partitions[0];
}

function errorCodeOf(result: unknown): number {
  return typeof result === 'number' ? result : (result as { errorCode: number }).errorCode;
}
