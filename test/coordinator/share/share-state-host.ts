/**
 * A test host for the share-group state persister: one broker whose __share_group_state
 * partitions are real logs in a directory; the test sets leaders and epochs, refuses appends,
 * or holds the high watermark back.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { silentLogger as storageLogger } from '../../../src/storage/logger.js';
import { PartitionLog } from '../../../src/storage/partition-log.js';
import type { CoordinatorTopicHost } from '../../../src/coordinator/coordinator-topic.js';
import { CoordinatorWriteError } from '../../../src/coordinator/group/sink.js';
import { SHARE_GROUP_STATE_TOPIC } from '../../../src/coordinator/share/share-state-records.js';

/** One broker whose __share_group_state partitions are real logs in `dir`; the test sets leaders and epochs. */
export class DiskHost implements CoordinatorTopicHost {
  readonly nodeId = 1;
  readonly logger = pino({ level: 'silent' });
  readonly logs = new Map<number, PartitionLog>();
  partitions = 0;
  leader = 1;
  leaderEpoch = 3;
  configs: Record<string, string> = {};
  failNextAppend: number | null = null;
  /** When set, appends leave the high watermark where it is (the ISR has not caught up). */
  holdHighWatermark = false;
  constructor(readonly dir: string) {}
  topic(name: string) {
    if (name !== SHARE_GROUP_STATE_TOPIC || this.partitions === 0) return undefined;
    return { partitions: Array.from({ length: this.partitions }, (_, partition) => ({ partition, leader: this.leader, leaderEpoch: this.leaderEpoch })) };
  }
  ledPartitions(name: string) {
    return (this.topic(name)?.partitions ?? []).filter((p) => p.leader === this.nodeId);
  }
  brokerCount(): number {
    return 1;
  }
  appendAsCoordinator(topic: string, partition: number, batch: Buffer): Promise<void> | null {
    if (this.failNextAppend !== null) {
      const code = this.failNextAppend;
      this.failNextAppend = null;
      throw new CoordinatorWriteError(code, 'refused');
    }
    const log = this.getLog(topic, partition)!;
    const info = log.append(batch, { leaderEpoch: this.leaderEpoch });
    if (!this.holdHighWatermark) log.maybeIncrementHighWatermark(log.logEndOffset);
    return info.durable;
  }
  getLog(topic: string, partition: number): PartitionLog | undefined {
    if (topic !== SHARE_GROUP_STATE_TOPIC || partition >= this.partitions) return undefined;
    let log = this.logs.get(partition);
    if (log === undefined) {
      log = PartitionLog.open({ dir: join(this.dir, `${topic}-${partition}`), logger: storageLogger });
      this.logs.set(partition, log);
    }
    return log;
  }
  async createInternalTopic(_name: string, partitions: number, _rf: number, configs: Record<string, string>): ReturnType<CoordinatorTopicHost['createInternalTopic']> {
    this.partitions = partitions;
    this.configs = configs;
    return { ok: true, partitions };
  }
  async close(): Promise<void> {
    for (const log of this.logs.values()) await log.close();
    this.logs.clear();
  }
}

