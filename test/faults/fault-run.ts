/**
 * One run of the cluster fault test: a FaultCluster, a topic of PARTITIONS partitions (three
 * replicas, min.insync.replicas 2), the Workload's producers and consumer groups, then `cycles`
 * faults one after another, each followed by recovery (every partition led, three in sync, and
 * every producer acknowledged again) before the next. Faults rotate through FAULTS, cycle i
 * aiming at the leader of partition i % PARTITIONS:
 *
 *  - kill9:   kill -9 of the leader; it is started again on its data once another leads;
 *  - sigstop: SIGSTOP for longer than replica.lag.time.max.ms — on even rounds a follower of the
 *             partition (the leader drops it from the ISR; it catches up after SIGCONT), on odd
 *             rounds the leader for longer than its etcd session (the others elect a new
 *             leader; the old one wakes up believing it leads and must not acknowledge);
 *  - cut:     cut off from the other brokers and etcd (clients still reach it), then healed —
 *             in turn the leader, until another broker leads (past its session); a follower,
 *             until the leader drops it from the ISR; the leader from the other brokers only
 *             (it keeps its session), until it is alone in the ISR.
 *
 * Then the producers stop, the cluster settles, the consumers catch up, every partition is
 * read from its leader, the brokers are killed and each replica's log read from disk, and the
 * checker (fault-checker.ts) counts what must not happen.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin, KafkaClient } from '../../src/client/index.js';
import { eventually } from '../helpers/eventually.js';
import { FaultCluster, LAG_MS, NODE_IDS, SESSION_MS, type PartitionState } from './cluster-harness.js';
import type { ClusterNet } from './cluster-net.js';
import { check, type CheckReport, type CommittedOffset, type LeaderObservation, type StoredRecord } from './fault-checker.js';
import { readFromLeader, readReplicaLog } from './fault-readback.js';
import { Workload, type WorkloadFigures } from './fault-workload.js';

export const PARTITIONS = 6;
export const FAULTS = ['kill9', 'sigstop', 'cut'] as const;
export type Fault = (typeof FAULTS)[number];
const TOPIC = 'faults';
const GROUPS = { java: 'faults-java', confluent: 'faults-confluent' };
/** Each producer sends one record every this many ms. */
const INTERVAL_MS = 10;

export interface CycleRecord {
  cycle: number;
  fault: Fault;
  detail: string;
  partition: number;
  target: number;
  ms: number;
}

export interface RunResult {
  cycles: CycleRecord[];
  report: CheckReport;
  workload: WorkloadFigures;
  ms: number;
}

/**
 * What a run needs of the cluster it does faults to: FaultCluster (Millrace) and
 * KafkaFaultCluster (kafka-harness.ts, Apache Kafka for comparison) alike.
 */
export interface FaultTarget {
  readonly net: ClusterNet;
  readonly observations: LeaderObservation[];
  readonly watchError: Error | null;
  bootstrap(): string;
  addressOf(nodeId: number): string;
  logDirOf(nodeId: number): string;
  partitions(topic: string): Promise<Map<number, PartitionState>>;
  waitSettled(topic: string): Promise<Map<number, PartitionState>>;
  observeLeaders(topic: string): Promise<void>;
  stopObserving(): void;
  kill9(nodeId: number): Promise<void>;
  startBroker(nodeId: number): void;
  waitForBrokers(): Promise<void>;
  pause(nodeId: number): void;
  resume(nodeId: number): void;
  close(): Promise<void>;
}

export interface RunOptions {
  dir: string;
  /** Starts the cluster in `dir` (default: a Millrace FaultCluster). */
  startCluster?: (dir: string) => Promise<FaultTarget>;
  /** Where the clients' logs go (the confluent producer's librdkafka debug log, when asked for). */
  clientLogDir?: string;
  cycles: number;
  /** The first cycle's place in the rotation (so that several short runs cover every fault). */
  firstCycle?: number;
  log?: (line: string) => void;
}

export async function runFaultCycles(o: RunOptions): Promise<RunResult> {
  const log = o.log ?? (() => {});
  const started = Date.now();
  const cluster = await (o.startCluster ?? FaultCluster.start)(o.dir);
  mkdirSync(o.clientLogDir ?? join(o.dir, 'logs'), { recursive: true });
  let workload: Workload | null = null;
  let client: KafkaClient | null = null;
  let committedTimer: NodeJS.Timeout | null = null;
  try {
    client = new KafkaClient({ bootstrapServers: cluster.bootstrap().split(','), clientId: 'millrace-faults-admin' });
    const admin = new Admin(client);
    await admin.createTopic({ name: TOPIC, partitions: PARTITIONS, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
    await cluster.waitSettled(TOPIC);
    await cluster.observeLeaders(TOPIC);
    log(`cluster up: ${cluster.bootstrap()}`);

    const committed: CommittedOffset[] = [];
    let polling = false;
    committedTimer = setInterval(() => {
      if (polling) return;
      polling = true;
      void Promise.all(Object.values(GROUPS).map((group) => admin.fetchOffsets(group, [TOPIC]).then((m) => {
        for (const [p, offset] of m.get(TOPIC) ?? new Map<number, bigint>()) if (offset >= 0n) committed.push({ group, partition: p, offset: Number(offset) });
      }, () => {}))).finally(() => { polling = false; });
    }, 500);

    const w = await Workload.start(cluster.bootstrap(), TOPIC, GROUPS, INTERVAL_MS, o.clientLogDir ?? join(o.dir, 'logs'));
    workload = w;
    await progress(w, 'start-up');

    const cycles: CycleRecord[] = [];
    for (let i = 0; i < o.cycles; i++) {
      const n = (o.firstCycle ?? 0) + i;
      const fault = FAULTS[n % FAULTS.length]!;
      const partition = n % PARTITIONS;
      const t0 = Date.now();
      const { target, detail } = await inflict(cluster, fault, partition, Math.floor(n / FAULTS.length));
      await cluster.waitSettled(TOPIC);
      await progress(w, `cycle ${n} (${fault})`);
      const rec = { cycle: n, fault, detail, partition, target, ms: Date.now() - t0 };
      cycles.push(rec);
      log(`cycle ${n}: ${detail} (${rec.ms} ms)`);
    }

    await w.stopProducing();
    const settled = await cluster.waitSettled(TOPIC);
    // every partition from its leader, up to its high watermark (the leader asked each time:
    // the controller's preferred leader election may move it meanwhile)
    const leaderLogs = new Map<number, StoredRecord[]>();
    const highWatermarks = new Map<number, number>();
    for (const p of settled.keys()) {
      const read = await eventually(`partition ${p} read from its leader`, async () => {
        const state = (await cluster.partitions(TOPIC)).get(p)!;
        return readFromLeader(cluster.addressOf(state.leader), TOPIC, p);
      }, { retryErrors: true, intervalMs: 200 });
      leaderLogs.set(p, read.records);
      highWatermarks.set(p, read.highWatermark);
    }
    const stored = new Set([...leaderLogs.values()].flat().map((r) => r.value));
    const acked = w.acks.filter((a) => stored.has(a.value));
    for (const group of Object.values(GROUPS)) {
      await eventually(`group ${group} to receive every stored acknowledged value`, () => {
        const seen = w.consumedValues(group);
        return acked.every((a) => seen.has(a.value));
      }, { timeoutMs: 60_000, intervalMs: 200 }).catch(() => log(`group ${group} did not receive every value within 60 s`));
    }
    cluster.stopObserving();
    if (cluster.watchError !== null) throw new Error(`the etcd watch of the partitions failed: ${cluster.watchError.message}`);
    clearInterval(committedTimer);
    committedTimer = null;
    await w.close();
    workload = null;

    for (const id of NODE_IDS) await cluster.kill9(id);
    const replicaLogs = new Map<number, Map<number, StoredRecord[]>>();
    for (const [p, state] of settled) {
      const byNode = new Map<number, StoredRecord[]>();
      for (const id of state.replicas) byNode.set(id, await readReplicaLog(cluster.logDirOf(id), TOPIC, p));
      replicaLogs.set(p, byNode);
    }
    const report = check({
      partitions: PARTITIONS, acks: w.acks, leaderLogs, highWatermarks, replicaLogs,
      consumed: w.consumed, committed, groups: Object.values(GROUPS), leaders: cluster.observations,
    });
    return { cycles, report, workload: w.figures(), ms: Date.now() - started };
  } finally {
    if (committedTimer !== null) clearInterval(committedTimer);
    await workload?.close();
    client?.close();
    await cluster.close();
  }
}

/** Waits until every producer has had a record acknowledged since now. */
async function progress(w: Workload, when: string): Promise<void> {
  const clients = ['java', 'kafkajs', 'confluent', 'kcat'];
  const before = new Map(clients.map((c) => [c, w.figures().acked[c] ?? 0]));
  let stuck: string[] = clients;
  try {
    await eventually(`every producer acknowledged after ${when}`, () => {
      const now = w.figures().acked;
      stuck = clients.filter((c) => (now[c] ?? 0) <= before.get(c)!);
      if (stuck.length === 0) return true;
      if (w.errors.length > 0) throw new Error(`a client failed: ${w.errors.join('; ')}`);
      return false;
    }, { timeoutMs: 90_000, intervalMs: 100 });
  } catch (err) {
    const lastFailures = stuck.map((c) => w.failures.filter((f) => f.value.startsWith(c)).slice(-2).map((f) => `${f.value}: ${f.err}`).join('; '));
    throw new Error(`${(err as Error).message}; no acknowledgement from ${stuck.join(', ')}; their last failures: ${lastFailures.join(' | ') || 'none'}`);
  }
}

async function leaderOf(cluster: FaultTarget, partition: number): Promise<{ leader: number; isr: number[]; replicas: number[] }> {
  const s = (await cluster.partitions(TOPIC)).get(partition);
  if (s === undefined || s.leader < 0) throw new Error(`partition ${partition} has no leader`);
  return s;
}

async function inflict(cluster: FaultTarget, fault: Fault, partition: number, round: number): Promise<{ target: number; detail: string }> {
  const state = await leaderOf(cluster, partition);
  const leader = state.leader;
  const ledElsewhere = (): Promise<boolean> => cluster.partitions(TOPIC).then((ps) => {
    const s = ps.get(partition)!;
    return s.leader >= 0 && s.leader !== leader;
  });
  switch (fault) {
    case 'kill9': {
      await cluster.kill9(leader);
      await eventually(`a new leader of partition ${partition} after kill -9 of ${leader}`, ledElsewhere, { timeoutMs: 60_000, intervalMs: 100, retryErrors: true });
      cluster.startBroker(leader);
      await cluster.waitForBrokers();
      return { target: leader, detail: `kill -9 of broker ${leader}, leader of partition ${partition}; started again` };
    }
    case 'sigstop': {
      if (round % 2 === 0) {
        const follower = state.replicas.find((r) => r !== leader)!;
        cluster.pause(follower);
        // past the lag time: the leader takes it out of the ISR
        await eventually(`broker ${follower} out of the ISR of partition ${partition}`, async () => !(await leaderOf(cluster, partition)).isr.includes(follower), { timeoutMs: 60_000, intervalMs: 100, retryErrors: true });
        cluster.resume(follower);
        return { target: follower, detail: `SIGSTOP of broker ${follower}, follower of partition ${partition}, until out of its ISR (> ${LAG_MS} ms); SIGCONT` };
      }
      cluster.pause(leader);
      await eventually(`a new leader of partition ${partition} while ${leader} is stopped`, ledElsewhere, { timeoutMs: 60_000, intervalMs: 100, retryErrors: true });
      await sleep(1000); // producers retry against the new leader while the old one sleeps
      cluster.resume(leader);
      return { target: leader, detail: `SIGSTOP of broker ${leader}, leader of partition ${partition}, past its session (${SESSION_MS} ms) until another leads; SIGCONT` };
    }
    case 'cut': {
      if (round % 3 === 2) {
        // the leader still holds its etcd session: it stays leader, alone in the ISR, and
        // refuses acks=all writes (min.insync.replicas 2) until the others catch up again
        cluster.net.cut(leader, false);
        // (unless the controller's preferred leader election moves the partition meanwhile)
        await eventually(`the ISR of partition ${partition} down to its leader ${leader}`, async () => {
          const s = (await cluster.partitions(TOPIC)).get(partition)!;
          return s.leader !== leader || s.isr.length === 1;
        }, { timeoutMs: 60_000, intervalMs: 100, retryErrors: true });
        cluster.net.heal(leader);
        return { target: leader, detail: `broker ${leader}, leader of partition ${partition}, cut off from the other brokers (not etcd) until alone in its ISR; healed` };
      }
      if (round % 3 === 1) {
        const follower = state.replicas.find((r) => r !== leader)!;
        cluster.net.cut(follower);
        await eventually(`broker ${follower} out of the ISR of partition ${partition}`, async () => !(await leaderOf(cluster, partition)).isr.includes(follower), { timeoutMs: 60_000, intervalMs: 100, retryErrors: true });
        cluster.net.heal(follower);
        return { target: follower, detail: `broker ${follower}, follower of partition ${partition}, cut off from the other brokers and etcd until out of its ISR; healed` };
      }
      cluster.net.cut(leader);
      await eventually(`a new leader of partition ${partition} while ${leader} is cut off`, ledElsewhere, { timeoutMs: 60_000, intervalMs: 100, retryErrors: true });
      await sleep(1000); // clients still reach the cut-off broker, which must not acknowledge
      cluster.net.heal(leader);
      return { target: leader, detail: `broker ${leader}, leader of partition ${partition}, cut off from the other brokers and etcd until another leads; healed` };
    }
  }
}
