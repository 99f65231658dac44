/**
 * The controller: one broker at a time, elected through the key-value store (a key under the
 * winner's session lease, created only when absent; its create revision is the controller
 * epoch, and every write of the controller is guarded by it, so a deposed controller's
 * writes fail). It reacts to the metadata image:
 *
 *   - creates the partitions a topic lacks (new topics, CreatePartitions), placing replicas
 *     the way Kafka does (replica-placement.ts) over the live brokers;
 *   - when brokers leave (their lease expired) or come back, shrinks ISRs and elects leaders
 *     (partition-change.ts), bumping leader and partition epochs, and keeps the eligible
 *     leader replicas (elr.ts) while `eligible.leader.replicas.version` is 1.
 *
 * `planControllerWrites` is the decision, a pure function of the image; `Controller` runs it
 * after every change while it holds the election key. Every planned write compares the mod
 * revisions it was computed from: a write over a stale image fails, the watch brings the news,
 * and the next round plans again.
 */
import { ErrorCode } from '../protocol/generated/errors.js';
import { isMetadataError } from './metadata.js';
import { encodeRecord, type ClusterKeys, type ControllerRecord, type TopicRecord } from './cluster-keys.js';
import { absent, createRevisionIs, modRevisionIs, type Compare, type Kv, type Op } from './kv/kv.js';
import type { Clock, ClockTimer } from './kv/clock.js';
import type { MetadataImage } from './metadata-image.js';
import { assignReplicas, hasUncordonedLogDirs, startIndexFor } from './replica-placement.js';
import { electAndShrink, newPartition } from './partition-change.js';
import { elrSettingsFor, heldInAnyElr, uncleanlyShutDown } from './elr.js';
import type { ClusterLogger } from './cluster-logger.js';
import { planReassignmentCompletions } from './reassignment.js';

/** etcd refuses transactions of more than 128 operations (--max-txn-ops); one guard is the controller's. */
export const MAX_PARTITIONS_PER_TXN = 100;

export interface PlannedTxn {
  /** What it does, for logs. */
  what: string;
  compares: Compare[];
  ops: Op[];
}

export interface PlanOptions {
  /** The broker default of `unclean.leader.election.enable`; a topic's own config wins. */
  uncleanLeaderElection: boolean;
  /** The broker's static `min.insync.replicas` (default 1): the ELR's min ISR where no dynamic config says otherwise. */
  minInsyncReplicas?: number;
  random?: (n: number) => number;
}

/** The writes that bring the store in line with the live brokers and the topics' wishes. */
export function planControllerWrites(image: MetadataImage, options: PlanOptions): PlannedTxn[] {
  const keys = image.keys;
  // A broker in controlled shutdown is still registered but may neither lead, stay in an ISR
  // (unless the last member) nor get new replicas (Kafka's controlled shutdown).
  const eligible = [...image.brokers.values()].filter((b) => b.record.shuttingDown !== true);
  const live = new Set(eligible.map((b) => b.record.nodeId));
  // New replicas go neither there nor to a broker whose every log directory is cordoned.
  const brokers = eligible.filter((b) => hasUncordonedLogDirs(b.record, image.features)).map((b) => ({ nodeId: b.record.nodeId, rack: b.record.rack }));
  const out: PlannedTxn[] = [];
  // KIP-966: brokers back from an unclean shutdown leave every ELR and LastKnownELR; once none
  // holds them (this image), their registrations lose the mark (same lease: same epoch).
  const uncleanShutdown = uncleanlyShutDown(image);
  for (const id of uncleanShutdown) {
    const b = image.brokers.get(id)!;
    if (heldInAnyElr(image, id)) continue;
    const key = keys.broker(id);
    const { uncleanShutdown: _cleared, ...record } = b.record;
    out.push({ what: `clear broker ${id}'s unclean shutdown`, compares: [modRevisionIs(key, b.modRevision)], ops: [{ type: 'put', key, value: encodeRecord(record), lease: b.lease }] });
  }
  const names = [...image.topicRecords.keys()].sort();
  // Leader and ISR changes of all topics share transactions of up to MAX_PARTITIONS_PER_TXN.
  let batch: PlannedTxn | null = null;
  for (const name of names) {
    const t = image.topicRecords.get(name)!;
    const topicKey = keys.topic(name);
    const present = image.presentPartitions(name);
    if (t.record.error !== undefined && present.length === 0) {
      // A creation the controller refused: the creator has seen the error by now; free the name.
      out.push({
        what: `drop refused topic ${name}`,
        compares: [modRevisionIs(topicKey, t.modRevision)],
        ops: [{ type: 'delete', key: topicKey }, { type: 'delete', key: keys.topicConfigs(name) }, { type: 'deletePrefix', prefix: keys.topicPartitions(name) }],
      });
      continue;
    }
    if (present.length < t.record.partitions) out.push(...planNewPartitions(image, name, t.modRevision, t.record, present.length, brokers, options));
    const unclean = uncleanFor(image, name, options.uncleanLeaderElection);
    const elr = elrSettingsFor(image, name, options.minInsyncReplicas ?? 1, present[0]?.record.replicas.length ?? 1);
    for (let index = 0; index < present.length; index++) {
      const p = present[index]!;
      const next = electAndShrink(p.record, live, unclean, elr, uncleanShutdown);
      if (next === null) continue;
      if (batch === null || batch.ops.length >= MAX_PARTITIONS_PER_TXN) {
        batch = { what: 'elect leaders and shrink ISRs', compares: [], ops: [] };
        out.push(batch);
      }
      const key = keys.partition(name, index);
      batch.compares.push(modRevisionIs(key, p.modRevision));
      batch.ops.push({ type: 'put', key, value: encodeRecord(next) });
    }
  }
  // Reassignments whose target replicas are all in the ISR now (reassignment.ts).
  const done = planReassignmentCompletions(image);
  for (let from = 0; from < done.length; from += MAX_PARTITIONS_PER_TXN) {
    const part = done.slice(from, from + MAX_PARTITIONS_PER_TXN);
    out.push({ what: 'complete reassignments', compares: part.map((c) => c.compare), ops: part.map((c) => c.op) });
  }
  return out;
}

function planNewPartitions(
  image: MetadataImage,
  name: string,
  topicModRevision: number,
  t: TopicRecord,
  existing: number,
  brokers: Array<{ nodeId: number; rack: string | null }>,
  options: PlanOptions,
): PlannedTxn[] {
  const keys = image.keys;
  const topicKey = keys.topic(name);
  let assignment: number[][];
  try {
    const first = existing > 0 ? image.presentPartitions(name)[0]!.record.replicas[0] : undefined;
    const startIndex = startIndexFor(first, brokers);
    assignment = assignReplicas(t.partitions - existing, t.replicationFactor, brokers, {
      startPartition: existing,
      ...(startIndex === undefined ? {} : { startIndex }),
      ...(options.random === undefined ? {} : { random: options.random }),
    });
  } catch (e) {
    if (!isMetadataError(e)) throw e;
    // Refused: a new topic is marked (its creator reports the error, the next round drops
    // it); a topic keeps the partitions it has.
    const refused: TopicRecord = { ...t, partitions: existing, error: { code: e.errorCode, message: e.message } };
    return [{ what: `refuse partitions of ${name}`, compares: [modRevisionIs(topicKey, topicModRevision)], ops: [{ type: 'put', key: topicKey, value: encodeRecord(refused) }] }];
  }
  const out: PlannedTxn[] = [];
  for (let from = 0; from < assignment.length; from += MAX_PARTITIONS_PER_TXN) {
    const txn: PlannedTxn = { what: `create partitions of ${name}`, compares: [modRevisionIs(topicKey, topicModRevision)], ops: [] };
    assignment.slice(from, from + MAX_PARTITIONS_PER_TXN).forEach((replicas, i) => {
      const key = keys.partition(name, existing + from + i);
      txn.compares.push(absent(key));
      txn.ops.push({ type: 'put', key, value: encodeRecord(newPartition(replicas)) });
    });
    out.push(txn);
  }
  return out;
}

/** `unclean.leader.election.enable` of a topic: its own config, else the broker default. */
export function uncleanFor(image: MetadataImage, topic: string, brokerDefault: boolean): boolean {
  const own = image.topicConfigs.get(topic)?.['unclean.leader.election.enable'];
  return own === undefined ? brokerDefault : own.trim().toLowerCase() === 'true';
}

export interface ControllerOptions extends PlanOptions {
  kv: Kv;
  image: MetadataImage;
  keys: ClusterKeys;
  nodeId: number;
  clock: Clock;
  logger: ClusterLogger;
  /** Pause before retrying after the store failed a write (default 1000 ms). */
  retryMs?: number;
}

/**
 * Campaigns for the election key whenever it is free and this broker has a live session, and
 * while it holds the key, plans and writes after every change of the image. Round after round,
 * never two at once.
 */
export class Controller {
  private readonly o: ControllerOptions;
  private lease: string | null = null;
  private running = false;
  private again = false;
  private retry: ClockTimer | null = null;
  private closed = false;

  constructor(options: ControllerOptions) {
    this.o = options;
  }

  /** True while this broker holds the election key under its current session. */
  get active(): boolean {
    const c = this.o.image.controller;
    return this.lease !== null && c !== null && c.lease === this.lease && c.record.nodeId === this.o.nodeId;
  }

  /** The controller epoch: the election key's create revision (-1 with no controller). */
  get epoch(): number {
    return this.o.image.controller?.createRevision ?? -1;
  }

  /** The session lease to campaign under (null: none, e.g. the session was lost). */
  setLease(lease: string | null): void {
    this.lease = lease;
    this.kick();
  }

  /** Runs a round: campaign if the key is free, plan and write if held. */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.round().finally(() => {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  close(): void {
    this.closed = true;
    this.retry?.cancel();
  }

  private async round(): Promise<void> {
    const { image, kv, keys, logger } = this.o;
    try {
      if (image.controller === null && this.lease !== null) {
        const record: ControllerRecord = { nodeId: this.o.nodeId };
        const r = await kv.txn({ compares: [absent(keys.controller)], success: [{ type: 'put', key: keys.controller, value: encodeRecord(record), lease: this.lease }] });
        if (r.succeeded) logger.info({ nodeId: this.o.nodeId, epoch: r.revision }, 'elected controller');
        return; // the watch brings the key; the next round acts on it
      }
      if (!this.active) return;
      const fence = createRevisionIs(keys.controller, image.controller!.createRevision);
      for (const txn of planControllerWrites(image, this.o)) {
        if (this.closed || !this.active) return;
        const r = await kv.txn({ compares: [fence, ...txn.compares], success: txn.ops });
        if (!r.succeeded) {
          logger.info({ what: txn.what }, 'controller write lost a race; planning again on the next change');
          return;
        }
        logger.info({ what: txn.what, revision: r.revision }, 'controller wrote');
      }
    } catch (err) {
      if (this.closed) return;
      logger.warn({ err: (err as Error).message }, 'controller round failed; retrying');
      this.retry?.cancel();
      this.retry = this.o.clock.schedule(this.o.retryMs ?? 1000, () => this.kick());
    }
  }
}

/** Kafka's error code for a refused topic, as the creator reports it. */
export function topicRefusal(record: TopicRecord): { code: number; message: string } {
  return record.error ?? { code: ErrorCode.UNKNOWN_SERVER_ERROR, message: 'refused by the controller' };
}
