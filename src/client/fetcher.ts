import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import type { FetchRequest, FetchTopic } from '../protocol/generated/fetch-request.js';
import type { FetchResponse } from '../protocol/generated/fetch-response.js';
import { ZERO_UUID } from '../protocol/primitives/codec-helpers.js';
import { CompressionType } from '../protocol/compression/compression-type.js';
import { batchCompression, batchIsControl, batchLastOffset } from '../protocol/records/header.js';
import { BatchCursor } from '../protocol/records/iterator.js';
import { decodeBatch, decodeBatchSync, type DecodedBatch } from '../protocol/records/decode.js';
import { BatchDecodeError } from '../protocol/records/faults.js';
import type { KafkaClient } from './client.js';
import type { BrokerConnection } from './connection.js';
import { KafkaResponseError } from './errors.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets } from './offsets.js';

/** FetchRequest's HighWatermark when not given (Long.MAX_VALUE): only a v18 follower sends its own. */
const NO_HIGH_WATERMARK = 9223372036854775807n;

export type AutoOffsetReset = 'earliest' | 'latest' | 'none';

export interface FetcherOptions {
  /** How long the broker may hold a fetch waiting for `minBytes` (Kafka's `fetch.max.wait.ms`, 500). */
  maxWaitMs?: number;
  /** Bytes the broker waits for before answering (`fetch.min.bytes`, 1). */
  minBytes?: number;
  /** Bytes per fetch answer (`fetch.max.bytes`, 50 MiB). */
  maxBytes?: number;
  /** Bytes per partition and answer (`max.partition.fetch.bytes`, 1 MiB). */
  maxPartitionBytes?: number;
  /** Where to go when a position is unknown or out of range (`auto.offset.reset`, 'latest'). */
  autoOffsetReset?: AutoOffsetReset;
  /** 0: read_uncommitted (default), 1: read_committed. */
  isolationLevel?: 0 | 1;
  /** Check each batch's CRC32C (`check.crcs`, default true). */
  checkCrcs?: boolean;
}

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  /** Where to start: an offset, -2n for the earliest, -1n for the latest; absent: autoOffsetReset. */
  offset?: bigint;
}

export interface FetchedRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
}

class Assigned {
  readonly topic: string;
  readonly partition: number;
  /** Next offset to fetch; -1n latest and -2n earliest until resolved; undefined: reset policy. */
  position: bigint | undefined;
  highWatermark = -1n;
  logStartOffset = -1n;

  constructor(topic: string, partition: number, position: bigint | undefined) {
    this.topic = topic;
    this.partition = partition;
    this.position = position;
  }

  get resolved(): boolean {
    return this.position !== undefined && this.position >= 0n;
  }
}

interface TopicInfo {
  id: Buffer;
  leaders: Map<number, number>;
}

const LEADER_ERRORS = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.FENCED_LEADER_EPOCH, ErrorCode.UNKNOWN_LEADER_EPOCH, ErrorCode.UNKNOWN_TOPIC_ID,
  ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.OFFSET_NOT_AVAILABLE, ErrorCode.INCONSISTENT_TOPIC_ID,
]);

/**
 * Reads assigned partitions from their leaders, as a consumer without a group does: Fetch at
 * the highest version both sides speak, long polls (`maxWaitMs`, `minBytes`), a position per
 * partition advanced past what `poll()` returned. Out-of-range positions follow
 * `autoOffsetReset`. One fetch per leader is kept in flight ahead of the caller, so decoding
 * one answer overlaps the next request.
 */
export class Fetcher {
  private readonly client: KafkaClient;
  private readonly maxWaitMs: number;
  private readonly minBytes: number;
  private readonly maxBytes: number;
  private readonly maxPartitionBytes: number;
  private readonly autoOffsetReset: AutoOffsetReset;
  private readonly isolationLevel: 0 | 1;
  private readonly checkCrcs: boolean;
  private readonly assigned = new Map<string, Assigned>();
  private readonly topicInfo = new Map<string, TopicInfo>();
  /** The fetch in flight per leader, with the positions it was sent for. */
  private readonly inFlight = new Map<number, { promise: Promise<FetchResponse | Error>; sent: Map<string, bigint> }>();
  private metadataStale = true;
  private closed = false;

  constructor(client: KafkaClient, options: FetcherOptions = {}) {
    this.client = client;
    this.maxWaitMs = options.maxWaitMs ?? 500;
    this.minBytes = options.minBytes ?? 1;
    this.maxBytes = options.maxBytes ?? 52_428_800;
    this.maxPartitionBytes = options.maxPartitionBytes ?? 1_048_576;
    this.autoOffsetReset = options.autoOffsetReset ?? 'latest';
    this.isolationLevel = options.isolationLevel ?? 0;
    this.checkCrcs = options.checkCrcs ?? true;
  }

  /** Replaces the assignment. */
  assign(partitions: readonly TopicPartitionOffset[]): void {
    this.assigned.clear();
    this.inFlight.clear();
    for (const p of partitions) this.assigned.set(key(p.topic, p.partition), new Assigned(p.topic, p.partition, p.offset));
    this.metadataStale = true;
  }

  /** The assigned partitions. */
  assignment(): { topic: string; partition: number }[] {
    return [...this.assigned.values()].map((a) => ({ topic: a.topic, partition: a.partition }));
  }

  /** Moves a partition's position (-2n earliest, -1n latest). */
  seek(topic: string, partition: number, offset: bigint): void {
    const a = this.assigned.get(key(topic, partition));
    if (a === undefined) throw new Error(`${topic}-${partition} is not assigned`);
    a.position = offset;
    this.inFlight.clear();
  }

  /** The next offset `poll()` returns for a partition (undefined until it is known). */
  position(topic: string, partition: number): bigint | undefined {
    const a = this.assigned.get(key(topic, partition));
    return a?.resolved ? a.position : undefined;
  }

  /** The high watermark the last fetch of the partition saw (-1n before one). */
  highWatermark(topic: string, partition: number): bigint {
    return this.assigned.get(key(topic, partition))?.highWatermark ?? -1n;
  }

  /**
   * Fetches from every leader and returns the records that came back (possibly none, after
   * `maxWaitMs`), in offset order per partition.
   */
  async poll(): Promise<FetchedRecord[]> {
    if (this.closed) throw new Error('the fetcher is closed');
    if (this.assigned.size === 0) return [];
    await this.resolvePositions();
    if (this.metadataStale) await this.refreshMetadata();
    const byLeader = this.partitionsByLeader();
    for (const [leader, parts] of byLeader) if (!this.inFlight.has(leader)) this.startFetch(leader, parts);
    // Wait for the first leader to answer; with one leader that is the only one.
    const entries = [...this.inFlight.entries()];
    if (entries.length === 0) return [];
    const [leader, answer] = await Promise.race(entries.map(([l, f]) => f.promise.then((r) => [l, { r, sent: f.sent }] as const)));
    if (this.inFlight.get(leader)?.sent !== answer.sent) return []; // reassigned or sought meanwhile
    this.inFlight.delete(leader);
    if (answer.r instanceof Error) {
      this.metadataStale = true;
      throw answer.r;
    }
    const records = await this.handle(answer.r, answer.sent);
    // Keep the next fetch to this leader going while the caller works on these records.
    if (!this.closed && !this.metadataStale && this.assigned.size > 0) {
      const parts = this.partitionsByLeader().get(leader);
      if (parts !== undefined && parts.every((p) => p.resolved)) this.startFetch(leader, parts);
    }
    return records;
  }

  close(): void {
    this.closed = true;
    this.inFlight.clear();
  }

  private partitionsByLeader(): Map<number, Assigned[]> {
    const out = new Map<number, Assigned[]>();
    for (const a of this.assigned.values()) {
      const leader = this.topicInfo.get(a.topic)?.leaders.get(a.partition);
      if (leader === undefined || leader < 0) {
        this.metadataStale = true;
        continue;
      }
      let list = out.get(leader);
      if (list === undefined) out.set(leader, list = []);
      list.push(a);
    }
    return out;
  }

  private async refreshMetadata(): Promise<void> {
    const topics = [...new Set([...this.assigned.values()].map((a) => a.topic))];
    await this.client.retrying(async () => {
      const md = await this.client.metadata(topics);
      for (const t of md.topics) {
        if (t.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(t.errorCode, `topic ${t.name ?? ''}`);
        const leaders = new Map<number, number>();
        for (const p of t.partitions) leaders.set(p.partitionIndex, p.leaderId);
        this.topicInfo.set(t.name!, { id: t.topicId, leaders });
      }
      for (const a of this.assigned.values()) {
        const leader = this.topicInfo.get(a.topic)?.leaders.get(a.partition);
        if (leader === undefined) throw new KafkaResponseError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${a.topic}-${a.partition}`);
        if (leader < 0) throw new KafkaResponseError(ErrorCode.LEADER_NOT_AVAILABLE, `${a.topic}-${a.partition}`);
      }
    });
    this.metadataStale = false;
  }

  /** Turns -2n/-1n/unknown positions into offsets with ListOffsets. */
  private async resolvePositions(): Promise<void> {
    const pending = new Map<string, Map<bigint, number[]>>();
    for (const a of this.assigned.values()) {
      if (a.resolved) continue;
      let ts = a.position;
      if (ts === undefined) {
        if (this.autoOffsetReset === 'none') {
          throw new KafkaResponseError(ErrorCode.OFFSET_OUT_OF_RANGE, `${a.topic}-${a.partition}`, 'no position and autoOffsetReset is none');
        }
        ts = this.autoOffsetReset === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP;
      }
      let byTs = pending.get(a.topic);
      if (byTs === undefined) pending.set(a.topic, byTs = new Map());
      let list = byTs.get(ts);
      if (list === undefined) byTs.set(ts, list = []);
      list.push(a.partition);
    }
    for (const [topic, byTs] of pending) {
      for (const [ts, partitions] of byTs) {
        const offsets = await listOffsets(this.client, topic, partitions, ts, { isolationLevel: this.isolationLevel });
        for (const [p, o] of offsets) {
          const a = this.assigned.get(key(topic, p));
          if (a !== undefined) a.position = o;
        }
      }
    }
  }

  private startFetch(leader: number, parts: Assigned[]): void {
    const sent = new Map<string, bigint>();
    const topics: FetchTopic[] = [];
    const byTopic = new Map<string, FetchTopic>();
    for (const a of parts) {
      if (!a.resolved) continue;
      sent.set(key(a.topic, a.partition), a.position!);
      let t = byTopic.get(a.topic);
      if (t === undefined) {
        t = { topic: a.topic, topicId: this.topicInfo.get(a.topic)?.id ?? ZERO_UUID, partitions: [] };
        byTopic.set(a.topic, t);
        topics.push(t);
      }
      t.partitions.push({
        partition: a.partition, currentLeaderEpoch: -1, fetchOffset: a.position!, lastFetchedEpoch: -1,
        logStartOffset: -1n, partitionMaxBytes: this.maxPartitionBytes, replicaDirectoryId: ZERO_UUID, highWatermark: NO_HIGH_WATERMARK,
      });
    }
    const request: FetchRequest = {
      clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1n },
      maxWaitMs: this.maxWaitMs, minBytes: this.minBytes, maxBytes: this.maxBytes, isolationLevel: this.isolationLevel,
      sessionId: 0, sessionEpoch: -1, topics, forgottenTopicsData: [], rackId: '',
    };
    const promise = this.client.node(leader)
      .then((conn: BrokerConnection) => conn.request(ApiKey.Fetch, request))
      .then((r) => r, (err: Error) => err);
    this.inFlight.set(leader, { promise, sent });
  }

  private async handle(response: FetchResponse, sent: Map<string, bigint>): Promise<FetchedRecord[]> {
    if (response.errorCode !== ErrorCode.NONE) {
      const err = new KafkaResponseError(response.errorCode, 'Fetch');
      if (err.retriable) return [];
      throw err;
    }
    const out: FetchedRecord[] = [];
    for (const t of response.responses) {
      const name = t.topic !== '' ? t.topic : this.topicName(t.topicId);
      if (name === undefined) continue;
      for (const p of t.partitions) {
        const k = key(name, p.partitionIndex);
        const a = this.assigned.get(k);
        // Only answers for the position the request was sent at: a seek meanwhile wins.
        if (a === undefined || sent.get(k) !== a.position) continue;
        if (p.errorCode !== ErrorCode.NONE) {
          this.partitionError(a, p.errorCode);
          continue;
        }
        a.highWatermark = p.highWatermark;
        a.logStartOffset = p.logStartOffset;
        if (p.records !== null && p.records.length > 0) await this.decode(a, p.records, out);
      }
    }
    return out;
  }

  private partitionError(a: Assigned, code: number): void {
    if (code === ErrorCode.OFFSET_OUT_OF_RANGE) {
      if (this.autoOffsetReset === 'none') {
        throw new KafkaResponseError(code, `Fetch of ${a.topic}-${a.partition} at offset ${a.position}`);
      }
      a.position = undefined; // resolved by the reset policy on the next poll
      return;
    }
    if (LEADER_ERRORS.has(code)) {
      this.metadataStale = true;
      return;
    }
    const err = new KafkaResponseError(code, `Fetch of ${a.topic}-${a.partition}`);
    if (!err.retriable) throw err;
  }

  private async decode(a: Assigned, records: Buffer, out: FetchedRecord[]): Promise<void> {
    const cursor = new BatchCursor(records);
    const topic = a.topic;
    const partition = a.partition;
    const options = { verifyCrc: this.checkCrcs };
    while (cursor.next()) {
      const start = cursor.offset;
      const end = start + cursor.size;
      const next = BigInt(batchLastOffset(records, start)) + 1n;
      if (next <= a.position!) continue;
      if (!batchIsControl(records, start)) {
        let batch: DecodedBatch;
        try {
          batch = batchCompression(records, start) === CompressionType.Zstd
            ? await decodeBatch(records, start, end, options)
            : decodeBatchSync(records, start, end, options);
        } catch (err) {
          if (err instanceof BatchDecodeError) throw new KafkaResponseError(ErrorCode.CORRUPT_MESSAGE, `Fetch of ${topic}-${partition}`, err.message);
          throw err;
        }
        const from = a.position!;
        for (const r of batch.records) {
          const offset = BigInt(r.offset);
          if (offset < from) continue;
          out.push({ topic, partition, offset, timestamp: BigInt(r.timestamp), key: r.key, value: r.value, headers: r.headers });
        }
      }
      a.position = next;
    }
    if (cursor.fault !== 0) {
      throw new KafkaResponseError(ErrorCode.CORRUPT_MESSAGE, `Fetch of ${topic}-${partition}`, 'a batch in the answer cannot be framed');
    }
  }

  private topicName(id: Buffer): string | undefined {
    for (const [name, info] of this.topicInfo) if (info.id.equals(id)) return name;
    return undefined;
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
