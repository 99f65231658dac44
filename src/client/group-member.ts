/**
 * A member of a classic consumer group (the eager rebalance protocol, protocol type
 * "consumer"), interoperable with Java, librdkafka and kafka-python members: JoinGroup with
 * the member id the coordinator hands out first (KIP-394), the leader's assignment by the
 * range or round-robin assignor over Kafka's subscription encoding, SyncGroup, a heartbeat
 * loop that notices rebalances, offset commits with the member's generation, and LeaveGroup.
 *
 * The owner drives it: `join()` returns the partitions to read; when `rejoinNeeded` turns
 * true it commits what it has read and calls `join()` again; `leave()` at the end.
 */
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import type { KafkaClient } from './client.js';
import { KafkaConnectionError, KafkaResponseError } from './errors.js';
import {
  ASSIGNORS, decodeConsumerAssignment, decodeSubscription, encodeAssignment, encodeSubscription,
  type AssignorMember, type TopicPartitionList,
} from './group-member-protocol.js';
import { ZERO_UUID } from '../protocol/primitives/codec-helpers.js';

export interface GroupMemberOptions {
  groupId: string;
  topics: readonly string[];
  /** Kafka's `session.timeout.ms` (default 45000). */
  sessionTimeoutMs?: number;
  /** How long the coordinator waits for members to rejoin (`max.poll.interval.ms`; default 60000). */
  rebalanceTimeoutMs?: number;
  /** `heartbeat.interval.ms` (default 3000). */
  heartbeatIntervalMs?: number;
  /** Static membership (`group.instance.id`, KIP-345); null for a dynamic member. */
  groupInstanceId?: string | null;
  /** Assignors offered, by preference (default range, then roundrobin). */
  assignors?: readonly string[];
}

/** Errors after which the member joins again with a new member id. */
const RESET_MEMBER = new Set<number>([ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.FENCED_INSTANCE_ID]);
/** Errors after which the member joins again with its id. */
const REJOIN = new Set<number>([ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.ILLEGAL_GENERATION]);
/** The coordinator moved or is starting: find it again. */
const COORDINATOR = new Set<number>([
  ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
]);

export class GroupMember {
  readonly groupId: string;
  memberId = '';
  generationId = -1;
  /** The assignor the group chose in the last join. */
  protocolName: string | null = null;
  /** The partitions of the last completed join. */
  assignment: TopicPartitionList[] = [];
  /** Set when a heartbeat or commit learns of a rebalance: commit, then join() again. */
  rejoinNeeded = true;
  /** The last heartbeat failure that was not about rebalancing (the loop keeps trying). */
  heartbeatError: Error | undefined;

  private readonly client: KafkaClient;
  private readonly topics: string[];
  private readonly sessionTimeoutMs: number;
  private readonly rebalanceTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly groupInstanceId: string | null;
  private readonly assignors: string[];
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeating = false;
  private stopped = false;

  constructor(client: KafkaClient, options: GroupMemberOptions) {
    this.client = client;
    this.groupId = options.groupId;
    this.topics = [...options.topics];
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 45_000;
    this.rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? 60_000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3000;
    this.groupInstanceId = options.groupInstanceId ?? null;
    this.assignors = [...(options.assignors ?? ['range', 'roundrobin'])];
    for (const a of this.assignors) if (ASSIGNORS[a] === undefined) throw new Error(`unknown assignor ${a} (known: ${Object.keys(ASSIGNORS).join(', ')})`);
  }

  /** Joins (or rejoins) the group and resolves with this member's partitions. */
  async join(): Promise<TopicPartitionList[]> {
    this.stopHeartbeats();
    const deadline = Date.now() + this.rebalanceTimeoutMs + this.sessionTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) throw new Error(`member of group ${this.groupId} has left`);
      try {
        const assignment = await this.joinOnce();
        this.assignment = assignment;
        this.rejoinNeeded = false;
        this.startHeartbeats();
        return assignment;
      } catch (err) {
        if (!(err instanceof KafkaResponseError || err instanceof KafkaConnectionError) || Date.now() >= deadline) throw err;
        if (err instanceof KafkaResponseError && !RESET_MEMBER.has(err.code) && !REJOIN.has(err.code) && !COORDINATOR.has(err.code) &&
          err.code !== ErrorCode.MEMBER_ID_REQUIRED && !err.retriable) throw err;
        if (err instanceof KafkaResponseError && RESET_MEMBER.has(err.code)) this.memberId = '';
        await sleep(Math.min(1000, 50 * 2 ** attempt));
      }
    }
  }

  private async joinOnce(): Promise<TopicPartitionList[]> {
    const conn = await this.client.coordinator(this.groupId);
    const metadata = encodeSubscription(this.topics);
    const join = async () => conn.request(ApiKey.JoinGroup, {
      groupId: this.groupId, sessionTimeoutMs: this.sessionTimeoutMs, rebalanceTimeoutMs: this.rebalanceTimeoutMs,
      memberId: this.memberId, groupInstanceId: this.groupInstanceId, protocolType: 'consumer',
      protocols: this.assignors.map((name) => ({ name, metadata })), reason: null,
    });
    let joined = await join();
    if (joined.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      // KIP-394: the coordinator names us first, then we join with that id.
      this.memberId = joined.memberId;
      joined = await join();
    }
    if (joined.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(joined.errorCode, `joining group ${this.groupId}`);
    this.memberId = joined.memberId;
    this.generationId = joined.generationId;
    this.protocolName = joined.protocolName;
    const assignments = joined.leader === joined.memberId && !joined.skipAssignment
      ? await this.assign(joined.protocolName ?? 'range', joined.members)
      : [];
    const synced = await conn.request(ApiKey.SyncGroup, {
      groupId: this.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.groupInstanceId,
      protocolType: 'consumer', protocolName: joined.protocolName, assignments,
    });
    if (synced.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(synced.errorCode, `syncing group ${this.groupId}`);
    return decodeConsumerAssignment(synced.assignment);
  }

  /** The leader's work: every member's partitions by the chosen assignor. */
  private async assign(protocol: string, members: readonly { memberId: string; groupInstanceId: string | null; metadata: Buffer }[]) {
    const assignor = ASSIGNORS[protocol];
    if (assignor === undefined) throw new Error(`group ${this.groupId} chose assignor ${protocol}, which this member does not have`);
    const subscribed: AssignorMember[] = members.map((m) => ({
      memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics: decodeSubscription(m.metadata),
    }));
    const topics = [...new Set(subscribed.flatMap((m) => m.topics))].sort();
    const counts = new Map<string, number>();
    if (topics.length > 0) {
      const md = await this.client.metadata(topics);
      for (const t of md.topics) if (t.errorCode === ErrorCode.NONE && t.name !== null) counts.set(t.name, t.partitions.length);
    }
    const result = assignor(subscribed, counts);
    return [...result].map(([memberId, parts]) => ({ memberId, assignment: encodeAssignment(parts) }));
  }

  /**
   * Commits offsets (the next offset to read, per partition) under this member's generation.
   * A rebalance meanwhile sets `rejoinNeeded` and fails the commit.
   */
  async commit(offsets: ReadonlyMap<string, ReadonlyMap<number, bigint>>): Promise<void> {
    if (offsets.size === 0) return;
    await this.client.retrying(async () => {
      const conn = await this.client.coordinator(this.groupId);
      const r = await conn.request(ApiKey.OffsetCommit, {
        groupId: this.groupId, generationIdOrMemberEpoch: this.generationId, memberId: this.memberId,
        groupInstanceId: this.groupInstanceId, retentionTimeMs: -1n,
        topics: [...offsets].map(([name, parts]) => ({
          name,
          topicId: ZERO_UUID,
          partitions: [...parts].map(([partitionIndex, committedOffset]) => ({
            partitionIndex, committedOffset, committedLeaderEpoch: -1, committedMetadata: '',
          })),
        })),
      });
      for (const t of r.topics) {
        for (const p of t.partitions) {
          if (p.errorCode === ErrorCode.NONE) continue;
          if (RESET_MEMBER.has(p.errorCode)) this.memberId = '';
          if (RESET_MEMBER.has(p.errorCode) || REJOIN.has(p.errorCode)) this.rejoinNeeded = true;
          throw new KafkaResponseError(p.errorCode, `committing offsets of group ${this.groupId} for ${t.name}-${p.partitionIndex}`);
        }
      }
    });
  }

  /** The group's committed offsets of the assigned partitions (absent: none committed). */
  async committed(): Promise<Map<string, Map<number, bigint>>> {
    const out = new Map<string, Map<number, bigint>>();
    if (this.assignment.length === 0) return out;
    return this.client.retrying(async () => {
      const conn = await this.client.coordinator(this.groupId);
      const v = conn.version(ApiKey.OffsetFetch);
      const topics = this.assignment.map((tp) => ({ name: tp.topic, topicId: ZERO_UUID, partitionIndexes: tp.partitions }));
      const r = await conn.request(ApiKey.OffsetFetch, v >= 8
        ? { groupId: '', topics: [], groups: [{ groupId: this.groupId, memberId: null, memberEpoch: -1, topics }], requireStable: true }
        : { groupId: this.groupId, topics, groups: [], requireStable: true }, v);
      const g = v >= 8 ? r.groups[0] : { errorCode: r.errorCode, topics: r.topics };
      if (g === undefined) throw new KafkaResponseError(ErrorCode.UNKNOWN_SERVER_ERROR, `fetching offsets of ${this.groupId}`, 'empty answer');
      if (g.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(g.errorCode, `fetching offsets of group ${this.groupId}`);
      for (const t of g.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(p.errorCode, `fetching offsets of ${t.name}-${p.partitionIndex}`);
          if (p.committedOffset < 0n) continue;
          let m = out.get(t.name);
          if (m === undefined) out.set(t.name, (m = new Map()));
          m.set(p.partitionIndex, p.committedOffset);
        }
      }
      return out;
    });
  }

  /** Leaves the group (its partitions go to the others at once) and stops heartbeating. */
  async leave(): Promise<void> {
    this.stopped = true;
    this.stopHeartbeats();
    if (this.memberId === '') return;
    const conn = await this.client.coordinator(this.groupId);
    const v = conn.version(ApiKey.LeaveGroup);
    // v3+ name members in a list; before, one member id
    const r = await conn.request(ApiKey.LeaveGroup, v >= 3
      ? { groupId: this.groupId, memberId: '', members: [{ memberId: this.memberId, groupInstanceId: this.groupInstanceId, reason: 'the consumer is closing' }] }
      : { groupId: this.groupId, memberId: this.memberId, members: [] }, v);
    // A member the coordinator already dropped has nothing to leave.
    const code = r.errorCode !== ErrorCode.NONE ? r.errorCode : (r.members[0]?.errorCode ?? ErrorCode.NONE);
    if (code !== ErrorCode.NONE && code !== ErrorCode.UNKNOWN_MEMBER_ID) {
      throw new KafkaResponseError(code, `leaving group ${this.groupId}`);
    }
    this.memberId = '';
    this.generationId = -1;
  }

  private startHeartbeats(): void {
    this.stopHeartbeats();
    this.heartbeating = true;
    const beat = () => {
      if (!this.heartbeating) return;
      this.heartbeat().then(
        () => {
          if (this.heartbeating && !this.rejoinNeeded) this.heartbeatTimer = setTimeout(beat, this.heartbeatIntervalMs);
        },
        (err: Error) => {
          this.heartbeatError = err;
          if (this.heartbeating && !this.rejoinNeeded) this.heartbeatTimer = setTimeout(beat, this.heartbeatIntervalMs);
        },
      );
    };
    this.heartbeatTimer = setTimeout(beat, this.heartbeatIntervalMs);
  }

  private stopHeartbeats(): void {
    this.heartbeating = false;
    if (this.heartbeatTimer !== undefined) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private async heartbeat(): Promise<void> {
    const conn = await this.client.coordinator(this.groupId);
    const r = await conn.request(ApiKey.Heartbeat, {
      groupId: this.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.groupInstanceId,
    });
    if (r.errorCode === ErrorCode.NONE) return;
    if (RESET_MEMBER.has(r.errorCode)) this.memberId = '';
    if (RESET_MEMBER.has(r.errorCode) || REJOIN.has(r.errorCode)) {
      this.rejoinNeeded = true;
      this.stopHeartbeats();
      return;
    }
    throw new KafkaResponseError(r.errorCode, `heartbeat to group ${this.groupId}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
