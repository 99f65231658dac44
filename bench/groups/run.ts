/**
 * Consumer group coordinator benchmarks, Millrace against Apache Kafka 4.0.2 in one run:
 *
 *   npx tsc -p tsconfig.json && node dist/bench/groups/run.js [--systems millrace,kafka] [--rounds 5] [--seconds 5] [--out FILE]
 *       [--only 'commits'] [--kafka-set group.coordinator.append.linger.ms=0]
 *
 * Both brokers run as processes of their own on the same machine, one after the other (Millrace:
 * startBroker embedded in a Node process, bench/groups/millrace-broker.ts; Kafka: the Maven
 * Central jars via tools/kafka/kafka-process.js, fetched by tools/kafka/fetch.sh), with
 * group.initial.rebalance.delay.ms=0 and KIP-848 heartbeats every 100 ms. The load comes from
 * this process, over our own wire codecs:
 *
 * - join-100: time from the last of 100 JoinGroups (every member already has its member id, so
 *   the rebalance completes on that join, as Kafka's KIP-394 rule says) until all 100 members
 *   have their SyncGroup answer of the same generation (the leader assigning 200 partitions);
 *   a round per group, median of the rounds;
 * - consumer-100 (KIP-848, where the broker has ConsumerGroupHeartbeat): 99 members join and
 *   reconcile; time from the 100th member's first heartbeat (joining that stable group) until
 *   all 100 members hold their full assignment (2 of 200
 *   partitions each) at the same epoch; members heartbeat every interval the broker asks for
 *   (100 ms) and at once after a change of assignment, acknowledging what they own;
 * - commits: OffsetCommit requests per second (v8, simple commits to a group without members),
 *   1 and 10 partitions per request, over 4 and over 100 connections with 16 requests in flight
 *   each (Kafka 4.0 holds coordinator writes up to group.coordinator.append.linger.ms = 10 ms to
 *   batch them, and handles one request per connection at a time: it needs many connections);
 * - heartbeats: Heartbeat requests per second from 10 members of a stable classic group, and
 *   ConsumerGroupHeartbeat requests per second from 10 reconciled members, 16 in flight per
 *   connection.
 *
 * Results go to bench/results/<date>-groups.json (load average before and after each case).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { createTopics, WireClient } from '../../test/helpers/wire-client.js';
import { repoRoot } from '../../test/compat/setup/paths.js';
import { freePort } from '../../test/compat/setup/target.js';
import { ZERO_UUID } from '../../src/protocol/primitives/codec-helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const SYSTEMS = opt('systems', 'millrace,kafka').split(',');
/** --kafka-set key=value (repeatable): extra settings for Kafka only, e.g. group.coordinator.append.linger.ms=0. */
const KAFKA_SET = Object.fromEntries(args.flatMap((a, i) => (a === '--kafka-set' && args[i + 1] !== undefined ? [args[i + 1]!.split('=', 2) as [string, string]] : [])));
/** --only SUBSTRING: run only the cases whose name contains it. */
const ONLY = opt('only', '');
const ROUNDS = Number(opt('rounds', '5'));
const SECONDS = Number(opt('seconds', '5'));
const MEMBERS = 100;
const TOPIC_PARTITIONS = 200;
const ERR = { NONE: 0, REBALANCE_IN_PROGRESS: 27, MEMBER_ID_REQUIRED: 79, UNKNOWN_MEMBER_ID: 25, ILLEGAL_GENERATION: 22, FENCED_MEMBER_EPOCH: 110 };

const BROKER_CONFIG = {
  'group.initial.rebalance.delay.ms': 0,
  'group.consumer.heartbeat.interval.ms': 100,
  'group.consumer.min.heartbeat.interval.ms': 50,
  'group.consumer.session.timeout.ms': 45000,
  'offsets.topic.num.partitions': 50,
};

const load = () => os.loadavg().map((x) => Math.round(x * 100) / 100);
const TICKS = 100; // USER_HZ

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return NaN;
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface System {
  name: string;
  bootstrap: string;
  /** The broker's process, for its CPU time (/proc). */
  pid: number;
  info: Record<string, unknown>;
  stop(): Promise<void>;
}

async function startMillrace(): Promise<System> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'millrace-bench-groups-'));
  const child: ChildProcess = spawn(process.execPath, [path.join(here, 'millrace-broker.js'), dir, JSON.stringify(BROKER_CONFIG)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      if (buf.includes('\n')) resolve(buf.slice(0, buf.indexOf('\n')));
    });
    child.on('exit', (code) => reject(new Error(`the Millrace broker exited (${code})`)));
  });
  const { bootstrap } = JSON.parse(line) as { bootstrap: string };
  return {
    name: 'millrace', bootstrap, pid: child.pid!, info: { node: process.version, embedded: 'startBroker in a child process' },
    async stop() {
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startApacheKafka(): Promise<System> {
  const mod = (await import(pathToFileURL(path.join(repoRoot, 'tools', 'kafka', 'kafka-process.js')).href)) as {
    startKafka(o: { port: number; controllerPort: number; config?: Record<string, string | number | boolean> }): Promise<{ bootstrap: string; pid: number; stop(): Promise<unknown> }>;
  };
  const kafka = await mod.startKafka({ port: await freePort(), controllerPort: await freePort(), config: { ...BROKER_CONFIG, ...KAFKA_SET } });
  return { name: 'kafka', bootstrap: kafka.bootstrap, pid: kafka.pid, info: { version: '4.0.2', heap: '1G (kafka-server-start.sh defaults)', extraSettings: KAFKA_SET }, stop: async () => { await kafka.stop(); } };
}

// ---- consumer protocol (classic) payloads --------------------------------------------------

/** ConsumerProtocolSubscription v0: version, [topic], userData null. */
function subscription(topic: string): Buffer {
  const t = Buffer.from(topic);
  const b = Buffer.alloc(2 + 4 + 2 + t.length + 4);
  let o = b.writeInt16BE(0, 0);
  o = b.writeInt32BE(1, o);
  o = b.writeInt16BE(t.length, o);
  o += t.copy(b, o);
  b.writeInt32BE(-1, o);
  return b;
}

/** ConsumerProtocolAssignment v0: version, [topic, [partition]], userData null. */
function assignment(topic: string, partitions: number[]): Buffer {
  const t = Buffer.from(topic);
  const b = Buffer.alloc(2 + 4 + 2 + t.length + 4 + 4 * partitions.length + 4);
  let o = b.writeInt16BE(0, 0);
  o = b.writeInt32BE(1, o);
  o = b.writeInt16BE(t.length, o);
  o += t.copy(b, o);
  o = b.writeInt32BE(partitions.length, o);
  for (const p of partitions) o = b.writeInt32BE(p, o);
  b.writeInt32BE(-1, o);
  return b;
}

async function connectAll(bootstrap: string, n: number): Promise<WireClient[]> {
  const out: WireClient[] = [];
  for (let i = 0; i < n; i++) out.push(await WireClient.connect(bootstrap, { apiVersions: true, clientId: `bench-${i}`, timeoutMs: 60_000 }));
  return out;
}

// ---- classic members -------------------------------------------------------------------------

interface ClassicMember {
  conn: WireClient;
  memberId: string;
  generation: number;
  synced: number;
}

const JOIN_V = 9;
const SYNC_V = 5;
const HEARTBEAT_V = 4;
const LEAVE_V = 5;

function joinBody(groupId: string, memberId: string, topic: string) {
  return {
    groupId, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, memberId, groupInstanceId: null,
    protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription(topic) }], reason: null,
  };
}

/**
 * One member's join → sync, as a client runs it: the leader assigns the topic's partitions
 * round-robin over the members of its JoinGroup answer. Resolves with the generation synced.
 */
async function joinAndSync(m: ClassicMember, groupId: string, topic: string): Promise<number> {
  for (;;) {
    const join = await m.conn.request(ApiKey.JoinGroup, JOIN_V, joinBody(groupId, m.memberId, topic));
    if (join.errorCode === ERR.MEMBER_ID_REQUIRED) {
      m.memberId = join.memberId;
      continue;
    }
    if (join.errorCode !== ERR.NONE) throw new Error(`JoinGroup: error ${join.errorCode}`);
    m.memberId = join.memberId;
    m.generation = join.generationId;
    let assignments: { memberId: string; assignment: Buffer }[] = [];
    if (join.leader === join.memberId) {
      const ids = join.members.map((x) => x.memberId).sort();
      assignments = ids.map((id, i) => ({
        memberId: id, assignment: assignment(topic, Array.from({ length: TOPIC_PARTITIONS }, (_, p) => p).filter((p) => p % ids.length === i)),
      }));
    }
    const sync = await m.conn.request(ApiKey.SyncGroup, SYNC_V, {
      groupId, generationId: join.generationId, memberId: m.memberId, groupInstanceId: null,
      protocolType: 'consumer', protocolName: 'range', assignments,
    });
    if (sync.errorCode === ERR.REBALANCE_IN_PROGRESS) continue;
    if (sync.errorCode !== ERR.NONE) throw new Error(`SyncGroup: error ${sync.errorCode}`);
    m.synced = join.generationId;
    return join.generationId;
  }
}

async function leaveAll(conn: WireClient, groupId: string, members: ClassicMember[]): Promise<void> {
  await conn.request(ApiKey.LeaveGroup, LEAVE_V, {
    groupId, memberId: '', members: members.map((m) => ({ memberId: m.memberId, groupInstanceId: null, reason: null })),
  });
}

/**
 * join-100: every member first gets its member id (MEMBER_ID_REQUIRED), then all send their
 * JoinGroup with it; the clock runs from the last of those sends until all 100 have synced
 * the same generation. Members whose sync is refused by a new rebalance join again (a
 * broker that completed early pays for it in this figure).
 */
async function benchJoin(sys: System, conns: WireClient[], topic: string): Promise<Record<string, unknown>> {
  const times: number[] = [];
  const generations: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const groupId = `bench-join-${round}-${Date.now()}`;
    const members: ClassicMember[] = conns.map((conn) => ({ conn, memberId: '', generation: -1, synced: -1 }));
    // member ids first (the join that answers MEMBER_ID_REQUIRED)
    await Promise.all(members.map(async (m) => {
      const r = await m.conn.request(ApiKey.JoinGroup, JOIN_V, joinBody(groupId, '', topic));
      if (r.errorCode !== ERR.MEMBER_ID_REQUIRED) throw new Error(`first JoinGroup: error ${r.errorCode}`);
      m.memberId = r.memberId;
    }));
    // heartbeats keep members that synced an early generation in step, as a client's would
    let stop = false;
    const beats = members.map(async (m) => {
      while (!stop) {
        await sleep(100);
        if (stop || m.synced < 0) continue;
        const hb = await m.conn.request(ApiKey.Heartbeat, HEARTBEAT_V, { groupId, generationId: m.synced, memberId: m.memberId, groupInstanceId: null });
        if (hb.errorCode === ERR.REBALANCE_IN_PROGRESS && !stop) {
          m.synced = -1;
          await joinAndSync(m, groupId, topic);
        }
      }
    });
    const t0 = { at: 0 };
    const all = members.map((m, i) => {
      const p = joinAndSync(m, groupId, topic);
      if (i === members.length - 1) t0.at = performance.now();
      return p;
    });
    await Promise.all(all);
    // stable: every member synced the same generation
    while (new Set(members.map((m) => m.synced)).size !== 1 || members[0]!.synced < 0) await sleep(1);
    times.push(performance.now() - t0.at);
    generations.push(members[0]!.synced);
    stop = true;
    await Promise.all(beats);
    await leaveAll(conns[0]!, groupId, members);
  }
  return { ms: times.map((x) => Math.round(x * 10) / 10), medianMs: Math.round(median(times) * 10) / 10, generations };
}

// ---- KIP-848 members -------------------------------------------------------------------------

interface Cg848Member {
  conn: WireClient;
  memberId: string;
  epoch: number;
  owned: number[];
  firstAt: number;
}

function supports(conn: WireClient, apiKey: number): boolean {
  try {
    conn.version(apiKey);
    return true;
  } catch {
    return false;
  }
}

/**
 * consumer-100: 99 members join one by one (each sends its first heartbeat once the previous got
 * its answer, as clients starting a little apart would) and reconcile; then the 100th joins the
 * stable group, and the clock runs from its first heartbeat until all 100 own their full
 * assignment at the same epoch.
 */
async function benchConsumerJoin(sys: System, conns: WireClient[], topic: string, topicId: Buffer): Promise<Record<string, unknown>> {
  const version = conns[0]!.version(ApiKey.ConsumerGroupHeartbeat);
  const times: number[] = [];
  const epochs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const groupId = `bench-cg-${round}-${Date.now()}`;
    const members: Cg848Member[] = conns.map((conn) => ({ conn, memberId: version >= 1 ? randomId() : '', epoch: 0, owned: [], firstAt: 0 }));
    let stop = false;
    const beat = async (m: Cg848Member): Promise<boolean> => {
      const first = m.epoch === 0;
      const r = await m.conn.request(ApiKey.ConsumerGroupHeartbeat, version, {
        groupId, memberId: m.memberId, memberEpoch: m.epoch, instanceId: null, rackId: null,
        rebalanceTimeoutMs: first ? 30_000 : -1, subscribedTopicNames: first ? [topic] : null, subscribedTopicRegex: null,
        serverAssignor: null, topicPartitions: first ? [] : [{ topicId, partitions: m.owned }],
      });
      if (r.errorCode !== ERR.NONE) throw new Error(`ConsumerGroupHeartbeat: error ${r.errorCode} ${r.errorMessage ?? ''}`);
      if (r.memberId !== null) m.memberId = r.memberId;
      m.epoch = r.memberEpoch;
      if (r.assignment !== null) {
        const next = r.assignment.topicPartitions.flatMap((tp) => tp.partitions).sort((a, b) => a - b);
        const changed = next.join() !== m.owned.join();
        m.owned = next;
        return changed;
      }
      return false;
    };
    const loops: Promise<void>[] = [];
    let t0 = 0;
    for (const [i, m] of members.entries()) {
      if (i === members.length - 1) {
        // The last member joins a stable group of 99: how long the first 99 joins take differs
        // between brokers (Kafka's answers wait for its write linger), and a group still
        // reconciling its earlier joins would be measured too.
        const first = members.slice(0, -1);
        while (!stable(first, TOPIC_PARTITIONS)) await sleep(1);
      }
      m.firstAt = performance.now();
      if (i === members.length - 1) t0 = m.firstAt;
      await beat(m);
      loops.push((async () => {
        while (!stop) {
          const changed = await beat(m); // acknowledge a change at once
          if (!changed) await sleep(100);
        }
      })());
    }
    while (!stable(members, TOPIC_PARTITIONS)) await sleep(1);
    times.push(performance.now() - t0);
    epochs.push(members[0]!.epoch);
    stop = true;
    await Promise.all(loops);
    // leave: epoch -1
    await Promise.all(members.map((m) => m.conn.request(ApiKey.ConsumerGroupHeartbeat, version, {
      groupId, memberId: m.memberId, memberEpoch: -1, instanceId: null, rackId: null, rebalanceTimeoutMs: -1,
      subscribedTopicNames: null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null,
    })));
  }
  return { ms: times.map((x) => Math.round(x * 10) / 10), medianMs: Math.round(median(times) * 10) / 10, epochs };
}

/** Every member at the same epoch, every partition owned once, and the counts as even as they can be. */
function stable(members: Cg848Member[], partitions: number): boolean {
  if (new Set(members.map((m) => m.epoch)).size !== 1) return false;
  const owned = members.flatMap((m) => m.owned);
  const floor = Math.floor(partitions / members.length);
  return owned.length === partitions && new Set(owned).size === partitions
    && members.every((m) => m.owned.length === floor || m.owned.length === floor + 1);
}

function randomId(): string {
  // a Uuid in Kafka's base64url form, as KIP-1082 clients make their member ids
  const b = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  return b.toString('base64url');
}

// ---- request rates ---------------------------------------------------------------------------

const IN_FLIGHT = 16;

/** Sends `make()` requests on every connection, IN_FLIGHT at a time, for SECONDS; returns requests/s. */
async function rate(conns: WireClient[], send: (conn: WireClient, i: number) => Promise<void>): Promise<{ perSecond: number; requests: number; seconds: number }> {
  let done = 0;
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(conns.flatMap((conn, c) => Array.from({ length: IN_FLIGHT }, async () => {
    let i = c;
    while (performance.now() < end) {
      await send(conn, i++);
      done++;
    }
  })));
  const seconds = (performance.now() - t0) / 1000;
  return { perSecond: Math.round(done / seconds), requests: done, seconds: Math.round(seconds * 100) / 100 };
}

async function benchCommits(conns: WireClient[], topic: string, partitionsPerCommit: number): Promise<Record<string, unknown>> {
  const groupId = `bench-commit-${partitionsPerCommit}-${Date.now()}`;
  const r = await rate(conns, async (conn, i) => {
    const res = await conn.request(ApiKey.OffsetCommit, 8, {
      groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
      topics: [{
        name: topic,
        topicId: ZERO_UUID,
        partitions: Array.from({ length: partitionsPerCommit }, (_, k) => ({
          partitionIndex: (i * partitionsPerCommit + k) % TOPIC_PARTITIONS, committedOffset: BigInt(i), committedLeaderEpoch: -1, committedMetadata: null,
        })),
      }],
    });
    const bad = res.topics.flatMap((t) => t.partitions).find((p) => p.errorCode !== 0);
    if (bad !== undefined) throw new Error(`OffsetCommit: error ${bad.errorCode}`);
  });
  return { ...r, offsetsPerSecond: r.perSecond * partitionsPerCommit };
}

async function benchClassicHeartbeats(conns: WireClient[], topic: string): Promise<Record<string, unknown>> {
  const groupId = `bench-hb-${Date.now()}`;
  const members: ClassicMember[] = conns.map((conn) => ({ conn, memberId: '', generation: -1, synced: -1 }));
  await Promise.all(members.map(async (m) => {
    const r = await m.conn.request(ApiKey.JoinGroup, JOIN_V, joinBody(groupId, '', topic));
    m.memberId = r.memberId;
  }));
  await Promise.all(members.map((m) => joinAndSync(m, groupId, topic)));
  if (new Set(members.map((m) => m.synced)).size !== 1) throw new Error('heartbeat group did not settle on one generation');
  const r = await rate(conns, async (conn, i) => {
    const m = members[conns.indexOf(conn)]!;
    const res = await conn.request(ApiKey.Heartbeat, HEARTBEAT_V, { groupId, generationId: m.synced, memberId: m.memberId, groupInstanceId: null });
    if (res.errorCode !== 0) throw new Error(`Heartbeat: error ${res.errorCode} (${i})`);
  });
  await leaveAll(conns[0]!, groupId, members);
  return r;
}

async function benchConsumerHeartbeats(conns: WireClient[], topic: string, topicId: Buffer): Promise<Record<string, unknown>> {
  const version = conns[0]!.version(ApiKey.ConsumerGroupHeartbeat);
  const groupId = `bench-cghb-${Date.now()}`;
  const members: Cg848Member[] = conns.map((conn) => ({ conn, memberId: version >= 1 ? randomId() : '', epoch: 0, owned: [], firstAt: 0 }));
  const beat = async (m: Cg848Member) => {
    const first = m.epoch === 0;
    const r = await m.conn.request(ApiKey.ConsumerGroupHeartbeat, version, {
      groupId, memberId: m.memberId, memberEpoch: m.epoch, instanceId: null, rackId: null,
      rebalanceTimeoutMs: first ? 30_000 : -1, subscribedTopicNames: first ? [topic] : null, subscribedTopicRegex: null,
      serverAssignor: null, topicPartitions: first ? [] : [{ topicId, partitions: m.owned }],
    });
    if (r.errorCode !== 0) throw new Error(`ConsumerGroupHeartbeat: error ${r.errorCode} ${r.errorMessage ?? ''}`);
    if (r.memberId !== null) m.memberId = r.memberId;
    m.epoch = r.memberEpoch;
    if (r.assignment !== null) m.owned = r.assignment.topicPartitions.flatMap((tp) => tp.partitions).sort((a, b) => a - b);
  };
  for (const m of members) await beat(m);
  // reconcile until every member owns its share at one epoch
  const deadline = performance.now() + 60_000;
  for (;;) {
    await Promise.all(members.map(beat));
    const owned = members.flatMap((m) => m.owned);
    if (new Set(members.map((m) => m.epoch)).size === 1 && new Set(owned).size === TOPIC_PARTITIONS) break;
    if (performance.now() > deadline) throw new Error('consumer group did not reconcile');
    await sleep(20);
  }
  // steady state: epoch and member id only (owned partitions null: unchanged), as a
  // reconciled client heartbeats
  const r = await rate(conns, async (conn) => {
    const m = members[conns.indexOf(conn)]!;
    const res = await conn.request(ApiKey.ConsumerGroupHeartbeat, version, {
      groupId, memberId: m.memberId, memberEpoch: m.epoch, instanceId: null, rackId: null, rebalanceTimeoutMs: -1,
      subscribedTopicNames: null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null,
    });
    if (res.errorCode !== 0) throw new Error(`ConsumerGroupHeartbeat: error ${res.errorCode}`);
  });
  await Promise.all(members.map((m) => m.conn.request(ApiKey.ConsumerGroupHeartbeat, version, {
    groupId, memberId: m.memberId, memberEpoch: -1, instanceId: null, rackId: null, rebalanceTimeoutMs: -1,
    subscribedTopicNames: null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null,
  })));
  return r;
}

// ---- main ------------------------------------------------------------------------------------

async function runSystem(sys: System): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  const measure = async (name: string, fn: () => Promise<Record<string, unknown>>) => {
    if (!name.includes(ONLY)) return;
    const before = load();
    // CPU used by the broker and by this load generator, as a share of one core over the case
    const [brokerCpu0, selfCpu0, t0] = [cpuSeconds(sys.pid), process.cpuUsage(), performance.now()];
    try {
      const r = await fn();
      const wall = (performance.now() - t0) / 1000;
      const self = process.cpuUsage(selfCpu0);
      results[name] = {
        ...r, loadBefore: before, loadAfter: load(),
        brokerCpuCores: Math.round(((cpuSeconds(sys.pid) - brokerCpu0) / wall) * 100) / 100,
        loadGeneratorCpuCores: Math.round(((self.user + self.system) / 1e6 / wall) * 100) / 100,
      };
    } catch (e) {
      results[name] = { error: (e as Error).message, loadBefore: before, loadAfter: load() };
    }
    console.log(`${sys.name} ${name}: ${JSON.stringify(results[name])}`);
  };
  const admin = await WireClient.connect(sys.bootstrap, { apiVersions: true, clientId: 'bench-admin', timeoutMs: 60_000 });
  const topic = 'bench-groups';
  const ids = await createTopics(admin, [{ name: topic, partitions: TOPIC_PARTITIONS }], 60_000);
  const topicId = ids.get(topic)!;
  // __consumer_offsets is created by the first group request: make that happen before timing
  await admin.request(ApiKey.FindCoordinator, admin.version(ApiKey.FindCoordinator), { keyType: 0, coordinatorKeys: ['warm-up'] });
  for (let i = 0; i < 50; i++) {
    const r = await admin.request(ApiKey.OffsetCommit, 8, {
      groupId: 'warm-up', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
      topics: [{ name: topic, topicId: ZERO_UUID, partitions: [{ partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    if (r.topics[0]!.partitions[0]!.errorCode === 0) break;
    await sleep(200);
  }
  const conns = await connectAll(sys.bootstrap, MEMBERS);
  const has848 = supports(admin, ApiKey.ConsumerGroupHeartbeat);
  results.consumerGroupHeartbeat = has848 ? `v${admin.version(ApiKey.ConsumerGroupHeartbeat)}` : 'not supported';

  await measure('join-100 (classic)', () => benchJoin(sys, conns, topic));
  if (has848) await measure('consumer-100 (KIP-848)', () => benchConsumerJoin(sys, conns, topic, topicId));
  for (const connections of [4, MEMBERS]) {
    for (const partitions of [1, 10]) {
      await measure(`commits, ${partitions} partition${partitions > 1 ? 's' : ''}, ${connections} connections`, () => benchCommits(conns.slice(0, connections), topic, partitions));
    }
  }
  await measure('heartbeats (classic)', () => benchClassicHeartbeats(conns.slice(0, 10), topic));
  if (has848) await measure('heartbeats (KIP-848)', () => benchConsumerHeartbeats(conns.slice(0, 10), topic, topicId));
  for (const c of conns) c.close();
  admin.close();
  return results;
}

const out = opt('out', path.join(repoRoot, 'bench', 'results', `${new Date().toISOString().slice(0, 10)}-groups.json`));
const report: Record<string, unknown> = {
  date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model,
  commit: (() => {
    try {
      const head = execFileSync('git', ['rev-parse', '--short=10', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
      const dirty = execFileSync('git', ['status', '--porcelain', 'src'], { cwd: repoRoot, encoding: 'utf8' }).trim();
      return dirty === '' ? head : `${head} with changes in src/ (${dirty.split('\n').length} files)`;
    } catch {
      return null;
    }
  })(),
  settings: { rounds: ROUNDS, seconds: SECONDS, members: MEMBERS, topicPartitions: TOPIC_PARTITIONS, inFlightPerConnection: IN_FLIGHT, brokerConfig: BROKER_CONFIG },
  systems: {} as Record<string, unknown>,
};
for (const name of SYSTEMS) {
  const sys = name === 'kafka' ? await startApacheKafka() : await startMillrace();
  try {
    (report.systems as Record<string, unknown>)[name] = { info: sys.info, results: await runSystem(sys) };
  } finally {
    await sys.stop();
  }
}
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${out}`);
