/**
 * The controller's automatic preferred leader election (`auto.leader.rebalance.enable`,
 * default true), as KRaft's QuorumController does it: while this broker is the active
 * controller and some partition's preferred replica (its first) could lead but does not, a
 * check runs `leader.imbalance.check.interval.seconds` (default 300) later and elects the
 * preferred replica of up to MAX_ELECTIONS_PER_IMBALANCE of them, again at once while more
 * remain. The writes are guarded by the controller epoch and each partition's mod revision,
 * so a deposed controller or a partition that changed meanwhile writes nothing.
 *
 * Kafka 4 dropped `leader.imbalance.per.broker.percentage` (KRaft never read it): every
 * imbalanced partition counts, as in Kafka 4.4.
 */
import { ElectionType, imbalancedPartitions, planElections } from './leader-election.js';
import { createRevisionIs } from './kv/kv.js';
import type { Kv, Op, Compare } from './kv/kv.js';
import type { Clock, ClockTimer } from './kv/clock.js';
import type { MetadataImage } from './metadata-image.js';
import type { ClusterLogger } from './cluster-logger.js';
import { MAX_PARTITIONS_PER_TXN } from './controller.js';

/** Kafka's ReplicationControlManager caps one round of rebalance elections at 1,000. */
export const MAX_ELECTIONS_PER_IMBALANCE = 1000;

export interface LeaderRebalanceConfig {
  /** `auto.leader.rebalance.enable` */
  enabled: boolean;
  /** `leader.imbalance.check.interval.seconds`, in ms. */
  intervalMs: number;
}

export const DEFAULT_LEADER_REBALANCE: LeaderRebalanceConfig = { enabled: true, intervalMs: 300_000 };

export interface LeaderRebalanceOptions extends LeaderRebalanceConfig {
  kv: Kv;
  image: MetadataImage;
  clock: Clock;
  logger: ClusterLogger;
  /** True while this broker is the active controller. */
  isActive(): boolean;
}

export class LeaderRebalance {
  private readonly o: LeaderRebalanceOptions;
  private timer: ClockTimer | null = null;
  private running = false;
  private closed = false;
  /** A full batch was elected: check again at once (once the image holds it) rather than after the interval. */
  private more = false;
  /** The revision of the last write: plans wait until the image holds it. */
  private written = 0;

  constructor(options: LeaderRebalanceOptions) {
    this.o = options;
  }

  /** After every image change: schedules a check when active and some partition is imbalanced. */
  kick(): void {
    if (this.closed || !this.o.enabled || this.running) return;
    if (!this.o.isActive()) {
      this.timer?.cancel();
      this.timer = null;
      return;
    }
    if (this.timer !== null || this.o.image.revision < this.written) return;
    if (imbalancedPartitions(this.o.image, 1).length === 0) {
      this.more = false;
      return;
    }
    this.timer = this.o.clock.schedule(this.more ? 0 : this.o.intervalMs, () => {
      this.timer = null;
      this.running = true;
      void this.balance().then(
        (more) => {
          this.more = more;
        },
      ).finally(() => {
        this.running = false;
        this.kick();
      });
    });
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
  }

  /** Elects the preferred leaders of up to MAX_ELECTIONS_PER_IMBALANCE partitions; true when more may remain. */
  private async balance(): Promise<boolean> {
    const { image, kv, logger } = this.o;
    try {
      if (this.closed || !this.o.isActive() || image.controller === null) return false;
      const refs = imbalancedPartitions(image, MAX_ELECTIONS_PER_IMBALANCE);
      const fence = createRevisionIs(image.keys.controller, image.controller.createRevision);
      const planned = planElections(image, ElectionType.PREFERRED, refs).filter((e) => e.op !== null);
      let elected = 0;
      for (let from = 0; from < planned.length; from += MAX_PARTITIONS_PER_TXN) {
        const compares: Compare[] = [fence];
        const ops: Op[] = [];
        for (const e of planned.slice(from, from + MAX_PARTITIONS_PER_TXN)) {
          compares.push(e.compare!);
          ops.push(e.op!);
        }
        const r = await kv.txn({ compares, success: ops });
        // A partition changed meanwhile, or this broker is no longer the controller: the
        // next change of the image schedules the next check.
        if (!r.succeeded) return false;
        this.written = r.revision;
        elected += ops.length;
      }
      if (elected > 0) logger.info({ elected }, 'auto leader rebalance elected preferred leaders');
      return refs.length >= MAX_ELECTIONS_PER_IMBALANCE;
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'auto leader rebalance failed; checking again later');
      return false;
    }
  }
}
