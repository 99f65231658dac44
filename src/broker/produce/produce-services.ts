/**
 * Per-broker state of the produce path: the producer id manager (created on first use, its
 * block file in the first log directory), the per-partition append queues and the periodic expiry of idle producers. One per broker
 * (`BrokerContext.produce`), given the few parts of the broker it uses (`ProduceHost`).
 */
import path from 'node:path';
import { FileProducerIdBlockStore, ProducerIdManager } from '../../coordinator/txn/producer-id-manager.js';
import type { Logger } from 'pino';
import type { MetadataStore } from '../../cluster/metadata.js';
import type { LogManager } from '../../storage/log-manager.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import type { Partitions } from '../partition.js';

/** Kafka's `producer.id.expiration.check.interval.ms` default. */
export const PRODUCER_EXPIRATION_CHECK_INTERVAL_MS = 600_000;

/**
 * Appends to one partition in the order their requests arrived. Most appends run at once,
 * synchronously; one that must first decompress or recompress (asynchronous work) holds back
 * the appends that arrive after it until it has been appended.
 */
export class AppendQueue {
  /** Appends waiting for their turn. */
  pending = 0;
  tail: Promise<unknown> = Promise.resolve();
}

/** What the produce path uses of its broker (the broker passes itself). */
export interface ProduceHost {
  readonly nodeId: number;
  /** Broker settings by Kafka's names; they may change at run time. */
  readonly config: { int(name: string): number; logDirs(): string[] };
  /** The image: brokers named in NOT_LEADER_OR_FOLLOWER answers; a cluster's producer id blocks. */
  readonly metadata: Pick<MetadataStore, 'brokers' | 'allocateProducerIds'>;
  readonly partitions: Partitions;
  /** Every local log, for the expiry of idle producers. */
  readonly logs: Pick<LogManager, 'allLogs'>;
  readonly logger: Logger;
}

export class ProduceServices {
  readonly host: ProduceHost;
  private producerIds_: ProducerIdManager | null = null;
  private readonly queues = new WeakMap<PartitionLog, AppendQueue>();
  private nextExpirationCheck: number;

  constructor(host: ProduceHost, now = Date.now()) {
    this.host = host;
    this.nextExpirationCheck = now + PRODUCER_EXPIRATION_CHECK_INTERVAL_MS;
  }

  get producerIds(): ProducerIdManager {
    if (this.producerIds_ === null) {
      const metadata = this.host.metadata;
      const dir = this.host.config.logDirs()[0]!;
      // a cluster's blocks come from its metadata store, shared by every broker
      this.producerIds_ = new ProducerIdManager(metadata.allocateProducerIds !== undefined
        ? { allocate: (size) => metadata.allocateProducerIds!(size) }
        : new FileProducerIdBlockStore(path.resolve(dir), this.host.nodeId));
    }
    return this.producerIds_;
  }

  /** The partition's queue, or undefined when nothing has ever waited on it. */
  queueIfAny(log: PartitionLog): AppendQueue | undefined {
    return this.queues.get(log);
  }

  queue(log: PartitionLog): AppendQueue {
    let q = this.queues.get(log);
    if (q === undefined) {
      q = new AppendQueue();
      this.queues.set(log, q);
    }
    return q;
  }

  /**
   * Every `producer.id.expiration.check.interval.ms`, removes producers idle for
   * `producer.id.expiration.ms` from every partition (Kafka's removeExpiredProducers task),
   * checked on the produce path instead of on a timer.
   */
  maybeExpireProducers(now: number): void {
    if (now < this.nextExpirationCheck) return;
    this.nextExpirationCheck = now + PRODUCER_EXPIRATION_CHECK_INTERVAL_MS;
    this.expireProducers(now);
  }

  expireProducers(now: number): number {
    const expirationMs = this.host.config.int('producer.id.expiration.ms');
    if (expirationMs < 0) return 0;
    let removed = 0;
    for (const log of this.host.logs.allLogs()) removed += log.removeExpiredProducers(now, expirationMs);
    if (removed > 0) this.host.logger.debug({ removed }, 'expired idle producers');
    return removed;
  }
}
