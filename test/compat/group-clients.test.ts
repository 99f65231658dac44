/**
 * Issue 6's proof: consumer groups of clients we did not write, every member a process of its
 * own (clients/group-members.ts), against the Millrace broker embedded in this process
 * (MILLRACE_COMPAT_TARGET=kafka runs the same against Apache Kafka 4.4.0). Per client, on a
 * topic of 6 partitions and a group of its own:
 *
 * 1. three members get 2 partitions each, and read (and commit) what is there;
 * 2. one closes cleanly: the other two have 3 partitions each at once (the leaver's session
 *    timeout is 60 s with the classic protocol, and the hand-over must come well before it);
 * 3. a new member joins (2 each again) and starts where the group's commits are;
 * 4. it is killed with SIGKILL: once its short session timeout (3 s) is over the other two
 *    have 3 partitions each again;
 * 5. both close; records produced after that are the group's lag, read through the client's
 *    own admin API (kcat has none: through kafkajs');
 * then the broker restarts on the same log dir, and per client:
 * 6. the lag reads the same (the commits survived the restart);
 * 7. three new members read exactly the records after the commits, and the lag is 0.
 *
 * Throughout, every record is checked against what was produced at its offset, no offset is
 * skipped (each phase waits until every record was read and the broker holds commits up to the
 * log end), and no record is read again once the group's commits had passed it. Members
 * report their assignments and records as JSON lines; the test only waits (with deadlines)
 * for states, it never times anything.
 *
 * Drivers commit each record (or poll's batch) synchronously after printing it, and try a
 * refused commit again while the partition is theirs (kcat auto-commits every 100 ms). Records
 * a client hands over that it should not have (@platformatic/kafka 1.x: partitions already
 * revoked, positions behind the group's commit; see its driver) are skipped by the driver and
 * counted in the table printed at the end, with the records read twice before any commit
 * covered them (at-least-once, allowed).
 *
 * All clients run at once (one broker, a topic and group each), the restart in between.
 * KIP-848 clients (group.protocol=consumer) run the same scenario; the broker must serve
 * ConsumerGroupHeartbeat.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { encodeBatch } from '../../src/protocol/records/index.js';
import {
  CLASSIC_GROUP_CLIENTS, CONSUMER_PROTOCOL_GROUP_CLIENTS, groupClient, killMembers, readLag, startMember,
  type GroupClient, type LagRow, type Member, type MemberLine,
} from './clients/group-members.js';
import type { DriverCommand } from './clients/index.js';
import { startTarget, type CompatTarget } from './setup/target.js';
import { eventually, EventuallyTimeout } from '../helpers/eventually.js';
import { createTopics, describeError, produce, WireClient, WireError } from '../helpers/wire-client.js';
import { ZERO_UUID } from '../../src/protocol/primitives/codec-helpers.js';

const PARTITIONS = 6;
const ALL = Array.from({ length: PARTITIONS }, (_, p) => p);
/** Classic protocol: session timeouts are each member's own. */
const SESSION = { steady: 10_000, leaver: 60_000, killed: 3_000 };
const HEARTBEAT_MS = 300;
/** KIP-848: the broker's session timeout and heartbeat interval for every member. */
const CONSUMER_SESSION_MS = 8_000;
const CONSUMER_HEARTBEAT_MS = 500;
/**
 * How long a clean close may take to hand its partitions over: well before the leaver's
 * session could have expired (60 s classic; the broker's 8 s with KIP-848, whose last
 * heartbeat was at most 0.5 s before the close).
 */
const LEAVE_DEADLINE = { classic: 30_000, consumer: CONSUMER_SESSION_MS - CONSUMER_HEARTBEAT_MS - 500 };
const DEADLINE_MS = 90_000;

const BROKER_CONFIG = {
  'group.initial.rebalance.delay.ms': 0,
  'group.min.session.timeout.ms': 1000,
  'group.consumer.session.timeout.ms': CONSUMER_SESSION_MS,
  'group.consumer.min.session.timeout.ms': 1000,
  'group.consumer.heartbeat.interval.ms': CONSUMER_HEARTBEAT_MS,
  'group.consumer.min.heartbeat.interval.ms': 100,
};

/** MILLRACE_GROUP_CLIENTS=id,id runs only those (by hand, while working on one client). */
const only = process.env.MILLRACE_GROUP_CLIENTS?.split(',').filter((x) => x !== '');
const CLIENTS: readonly GroupClient[] = [...CLASSIC_GROUP_CLIENTS, ...CONSUMER_PROTOCOL_GROUP_CLIENTS]
  .filter((c) => only === undefined || only.includes(c.id));

let target: CompatTarget | undefined;
const runId = randomBytes(3).toString('hex');
const prepared = new Map<string, Promise<DriverCommand>>();
const scenarios = new Map<string, Scenario>();

function prepare(id: string): Promise<DriverCommand> {
  let p = prepared.get(id);
  if (p === undefined) {
    p = groupClient(id).prepare();
    p.catch(() => {}); // reported by the test that needs it
    prepared.set(id, p);
  }
  return p;
}

/** Millrace unless MILLRACE_COMPAT_TARGET or MILLRACE_COMPAT_BOOTSTRAP names another broker. */
function targetKind(): string | undefined {
  const env = process.env;
  return env.MILLRACE_COMPAT_TARGET || env.MILLRACE_COMPAT_BOOTSTRAP ? undefined : 'millrace';
}

before(async () => {
  for (const c of CLIENTS) {
    prepare(c.id);
    prepare(c.lagVia);
  }
  target = await startTarget({ kind: targetKind(), config: BROKER_CONFIG });
});

after(async () => {
  killMembers();
  for (const s of scenarios.values()) s.conn?.close();
  await target?.stop();
  const rows = [...scenarios.values()].map((s) => `| ${s.client.id} | ${s.version} | ${s.lagHow} | ${[...s.outcome.values()].join(' | ')} |`);
  if (rows.length > 0) {
    const steps = [...[...scenarios.values()][0]!.outcome.keys()];
    console.log([`consumer groups of real clients against ${target?.name ?? '?'} (each member a process of its own):`,
      `| client | version | lag read through | ${steps.join(' | ')} |`, `| --- | --- | --- |${' --- |'.repeat(steps.length)}`, ...rows].join('\n'));
  }
});

const balanced = (members: readonly Member[], each: number): boolean => {
  const got = members.map((m) => m.assigned);
  if (got.some((a) => a === null || a.length !== each)) return false;
  return got.flatMap((a) => a!).sort((x, y) => x - y).join() === ALL.join();
};

/** One client's group, topic and members, and everything they read. */
class Scenario {
  readonly client: GroupClient;
  readonly topic: string;
  readonly group: string;
  conn: WireClient | null = null;
  version = '?';
  lagHow = '?';
  /** Step → outcome, for the table printed at the end. */
  readonly outcome = new Map<string, string>([
    ['3 members', '-'], ['leave', '-'], ['new member', '-'], ['SIGKILL', '-'], ['lag', '-'],
    ['restart: lag', '-'], ['resume', '-'], ['lag 0', '-'], ['read twice before commit', '-'], ['stale records skipped', '-'],
  ]);
  /** Records produced per partition (= the log end offsets). */
  readonly ends = ALL.map(() => 0);
  /** Per partition: offsets below this were read and committed before the current phase. */
  readonly floor = ALL.map(() => 0);
  /** `p:o` → how many times members read it. */
  readonly reads = new Map<string, number>();
  readonly problems: string[] = [];
  readonly members: Member[] = [];
  private next = 1;
  cmd!: DriverCommand;
  lagCmd!: DriverCommand;
  failed = false;

  constructor(client: GroupClient) {
    this.client = client;
    const slug = client.id.replace(/[^a-z0-9]+/gi, '-');
    this.topic = `groups-${slug}-${runId}`;
    this.group = `group-${slug}-${runId}`;
  }

  get bootstrap(): string {
    return target!.bootstrap;
  }

  async connection(): Promise<WireClient> {
    if (this.conn === null) this.conn = await WireClient.connect(this.bootstrap, { apiVersions: true, clientId: 'group-clients-test' });
    return this.conn;
  }

  /** Runs `fn` on a connection, once more on a new one if the broker dropped it. */
  async wire<T>(fn: (conn: WireClient) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.connection());
    } catch (e) {
      if (!(e instanceof WireError) && (e as NodeJS.ErrnoException).code === undefined) throw e;
      this.conn?.close();
      this.conn = null;
      return fn(await this.connection());
    }
  }

  value(p: number, offset: number): string {
    return `${this.topic}/${p}/${offset}`;
  }

  /** Produces counts[p] records to each partition p. */
  async produce(counts: readonly number[]): Promise<void> {
    const batches = new Map<number, Buffer>();
    for (const p of ALL) {
      if (counts[p] === 0) continue;
      const records = Array.from({ length: counts[p]! }, (_, i) => ({ key: null, value: Buffer.from(this.value(p, this.ends[p]! + i)) }));
      batches.set(p, await encodeBatch(records));
    }
    const done = await this.wire((conn) => produce(conn, this.topic, batches));
    for (const r of done) {
      assert.equal(r.baseOffset, this.ends[r.partition], `produced to ${this.topic}/${r.partition}`);
      this.ends[r.partition]! += counts[r.partition]!;
    }
  }

  start(label: string, sessionTimeoutMs: number): Member {
    const classic = this.client.protocol === 'classic';
    const m = startMember(this.cmd, this.bootstrap, this.topic, this.group, {
      name: `${label}-${this.next++}`, protocol: this.client.protocol,
      ...(classic ? { sessionTimeoutMs, heartbeatIntervalMs: HEARTBEAT_MS } : {}),
    });
    m.onLine = (line) => this.onLine(m, line);
    m.exited.then(({ code, signal }) => {
      if (signal !== 'SIGKILL' && code !== 0 ) this.problems.push(`member ${m.name} exited with ${signal ?? code}:\n${m.tail()}`);
    });
    this.members.push(m);
    return m;
  }

  private onLine(m: Member, line: MemberLine): void {
    if (line.event === 'client') this.version = String(line.client);
    if (line.event === 'unparsed' || line.event === 'error' || line.event === 'gap') this.problems.push(`${m.name}: ${JSON.stringify(line)}`);
    if (line.event !== 'record') return;
    const p = line.partition as number;
    const o = line.offset as number;
    const key = `${p}:${o}`;
    this.reads.set(key, (this.reads.get(key) ?? 0) + 1);
    if (line.value !== this.value(p, o)) this.problems.push(`${m.name} read ${JSON.stringify(line.value)} at ${key}, produced: ${this.value(p, o)}`);
    if (o < this.floor[p]!) {
      const history = m.lines.slice(-12).map((l) => JSON.stringify(l)).join('\n  ');
      this.problems.push(`${m.name} read ${key} again after the group had committed ${this.floor[p]} on partition ${p}` +
        ` (its assignment: ${JSON.stringify(m.assigned)}); its last lines:\n  ${history}`);
    }
  }

  /** Fails the test with what went wrong so far, if anything did. */
  check(): void {
    if (this.problems.length > 0) throw new Error(`${this.client.id}:\n${this.problems.slice(0, 10).join('\n')}`);
  }

  async committed(): Promise<(number | null)[]> {
    const res = await this.wire((conn) => conn.request(ApiKey.OffsetFetch, 8, {
      groups: [{ groupId: this.group, memberId: null, memberEpoch: -1, topics: [{ name: this.topic, topicId: ZERO_UUID, partitionIndexes: ALL }] }],
      requireStable: false,
    }));
    const g = res.groups[0]!;
    if (g.errorCode !== 0) throw new WireError(`OffsetFetch ${this.group}: ${describeError(g.errorCode)}`);
    const out: (number | null)[] = ALL.map(() => null);
    for (const t of g.topics) for (const p of t.partitions) out[p.partitionIndex] = p.committedOffset < 0n ? null : Number(p.committedOffset);
    return out;
  }

  async waitFor(what: string, check: () => boolean | Promise<boolean>, limitMs = DEADLINE_MS): Promise<number> {
    const start = Date.now();
    try {
      await eventually(what, async () => {
        this.check();
        return check();
      }, { timeoutMs: limitMs, intervalMs: 50 });
      return Date.now() - start;
    } catch (e) {
      if (!(e instanceof EventuallyTimeout)) throw e;
      const state = this.members.filter((m) => m.alive).map((m) => `${m.name}: ${JSON.stringify(m.assigned)}`).join(', ');
      throw new Error(`${this.client.id}: no ${what} within ${limitMs} ms (members: ${state}; ` +
        `committed ${JSON.stringify(await this.committed().catch((e: Error) => e.message))}, ends ${JSON.stringify(this.ends)})\n` +
        this.members.map((m) => {
          const failed = m.lines.filter((l) => l.event === 'commit_failed');
          const last = failed.length > 0 ? `, last: ${JSON.stringify(failed.at(-1))}` : '';
          return `--- ${m.name}: ${failed.length} commits refused${last}; stderr:\n${m.tail(8)}`;
        }).join('\n'));
    }
  }

  async waitBalanced(members: readonly Member[], each: number, what: string, limitMs = DEADLINE_MS): Promise<number> {
    return this.waitFor(`${what} (${members.length} members with ${each} partitions each)`, () => balanced(members, each), limitMs);
  }

  /**
   * Waits until every record produced was read and the broker holds commits up to the log
   * end on every partition; from then on, reading any of those again is a failure.
   */
  async drained(what: string): Promise<void> {
    const unread = () => ALL.flatMap((p) => {
      const missing: string[] = [];
      for (let o = this.floor[p]!; o < this.ends[p]!; o++) if (!this.reads.has(`${p}:${o}`)) missing.push(`${p}:${o}`);
      return missing;
    });
    const allRead = () => unread().length === 0;
    try {
      await this.waitFor(`${what}: all records read and committed`, async () => allRead() &&
        (await this.committed()).every((c, p) => c === this.ends[p]));
    } catch (e) {
      // say what the members did with the partitions that are behind
      const committed = await this.committed().catch(() => ALL.map(() => null));
      const behind = ALL.filter((p) => committed[p] !== this.ends[p]);
      const said = this.members.map((m) => `${m.name}: ` + m.lines.filter((l) => behind.includes(l.partition as number))
        .slice(-8).map((l) => JSON.stringify(l)).join(' ')).join('\n');
      throw new Error(`${(e as Error).message}\nnot read: ${unread().slice(0, 20).join(' ') || 'none'}` +
        `\nlines about partitions ${behind.join(', ')}:\n${said}`);
    }
    for (const p of ALL) this.floor[p] = this.ends[p]!;
  }

  async lag(): Promise<LagRow[]> {
    const r = await readLag(this.lagCmd, this.bootstrap, this.topic, this.group);
    this.lagHow = this.client.lagVia === this.client.id ? r.how : `${r.client}: ${r.how}`;
    return r.rows;
  }

  twiceBeforeCommit(): string[] {
    return [...this.reads].filter(([, n]) => n > 1).map(([k, n]) => `${k}×${n}`);
  }
}

const PER_PHASE = ALL.map(() => 5);
/** Produced while the group has no members: its lag, different per partition. */
const LAGGING = ALL.map((p) => p + 1);

async function beforeRestart(t: TestContext, s: Scenario): Promise<void> {
  [s.cmd, s.lagCmd] = await Promise.all([prepare(s.client.id), prepare(s.client.lagVia)]);
  await s.wire((conn) => createTopics(conn, [{ name: s.topic, partitions: PARTITIONS }]));
  await s.produce(PER_PHASE);

  // 1. three members, 2 partitions each
  const [m1, m2] = [s.start('steady', SESSION.steady), s.start('steady', SESSION.steady)];
  const leaver = s.start('leaver', SESSION.leaver);
  await s.waitBalanced([m1, m2, leaver], 2, 'a balanced group of three');
  t.diagnostic(`${s.version}: three members: ${[m1, m2, leaver].map((m) => JSON.stringify(m.assigned)).join(' ')}`);
  await s.drained('three members');
  s.outcome.set('3 members', '2+2+2');

  // 2. a clean close hands the partitions over at once. (The leaver closes with nothing left to
  // read: kcat, on SIGTERM, drops a record it has polled but not printed yet, while
  // librdkafka has already stored its offset for the commit on close.)
  await leaver.close();
  const leaveMs = await s.waitBalanced([m1, m2], 3, 'the hand-over after a clean close', LEAVE_DEADLINE[s.client.protocol]);
  await s.produce(PER_PHASE);
  await s.drained('after the clean close');
  s.outcome.set('leave', `3+3 (${leaveMs} ms)`);

  // 3. a new member resumes from the commits
  const killed = s.start('killed', SESSION.killed);
  await s.waitBalanced([m1, m2, killed], 2, 'a balanced group with the new member');
  await s.produce(PER_PHASE);
  await s.drained('with the new member');
  assert.ok(killed.lines.some((l) => l.event === 'record'), `${killed.name} read records of its own`);
  s.outcome.set('new member', `2+2+2, read ${killed.lines.filter((l) => l.event === 'record').length}`);

  // 4. SIGKILL: its partitions move once its session is over
  await killed.kill();
  const killMs = await s.waitBalanced([m1, m2], 3, 'the reassignment after SIGKILL');
  const session = s.client.protocol === 'classic' ? SESSION.killed : CONSUMER_SESSION_MS;
  t.diagnostic(`${s.client.id}: partitions of the killed member reassigned ${killMs} ms after SIGKILL (session timeout ${session} ms)`);
  s.outcome.set('SIGKILL', `3+3 (${killMs} ms, session ${session} ms)`);
  await s.produce(PER_PHASE);
  await s.drained('after SIGKILL');

  // 5. everyone leaves; what comes next is the group's lag
  await Promise.all([m1.close(), m2.close()]);
  await s.produce(LAGGING);
  await checkLag(s, LAGGING, 'lag');
}

async function checkLag(s: Scenario, lag: readonly number[], step: string): Promise<void> {
  const rows = await s.lag();
  assert.deepEqual(rows.map((r) => [r.partition, r.committed, r.end, r.lag]),
    ALL.map((p) => [p, s.ends[p]! - lag[p]!, s.ends[p], lag[p]]), `${s.client.id}: [partition, committed, end, lag] through ${s.lagHow}`);
  s.outcome.set(step, JSON.stringify(lag));
}

async function afterRestart(t: TestContext, s: Scenario): Promise<void> {
  // 6. the commits are still there
  await checkLag(s, LAGGING, 'restart: lag');
  assert.deepEqual(await s.committed(), ALL.map((p) => s.ends[p]! - LAGGING[p]!));

  // 7. new members read exactly what came after the commits
  const members = [0, 1, 2].map(() => s.start('resumed', SESSION.steady));
  await s.waitBalanced(members, 2, 'a balanced group after the restart');
  await s.drained('after the restart');
  const read = members.flatMap((m) => m.lines.filter((l) => l.event === 'record'));
  assert.deepEqual(read.map((l) => `${String(l.partition)}:${String(l.offset)}`).sort(),
    ALL.flatMap((p) => Array.from({ length: LAGGING[p]! }, (_, i) => `${p}:${s.ends[p]! - LAGGING[p]! + i}`)).sort(),
    'the new members read exactly the records after the commits');
  s.outcome.set('resume', `2+2+2, read ${read.length}`);
  await checkLag(s, ALL.map(() => 0), 'lag 0');
  await Promise.all(members.map((m) => m.close()));
  s.check();
  const twice = s.twiceBeforeCommit();
  s.outcome.set('read twice before commit', twice.length === 0 ? 'none' : `${twice.length}: ${twice.slice(0, 6).join(' ')}`);
  const stale = s.members.flatMap((m) => m.lines.filter((l) => l.event === 'stale'));
  s.outcome.set('stale records skipped', String(stale.length));
  if (stale.length > 0) {
    const why = [...new Set(stale.map((l) => String(l.why).replace(/\d+$/, 'N')))].join('; ');
    t.diagnostic(`${s.client.id}: the client handed over ${stale.length} records the member had to skip (${why})`);
  }
  if (twice.length > 0) t.diagnostic(`${s.client.id}: read again (never after a commit covered them): ${twice.join(' ')}`);
}

// One test, three steps: the clients' groups, a broker restart, the same groups after it. The
// steps share the scenarios (and the broker's state), so they are not tests of their own: run
// alone, a later step would have nothing to read.
test('consumer groups of real clients across a broker restart', async (t) => {
  await t.test('every member a process: 2 partitions each, a clean leave, a new member, SIGKILL, lag', { concurrency: true }, async (t) => {
    await Promise.all(CLIENTS.map((client) => {
      const s = new Scenario(client);
      scenarios.set(client.id, s);
      return t.test(`${client.id} (${client.protocol} protocol): ${client.notes}`, async (st) => {
        try {
          await beforeRestart(st, s);
          s.check();
        } catch (e) {
          s.failed = true;
          for (const m of s.members) if (m.alive) await m.kill();
          throw e;
        }
      });
    }));
  });

  await t.test('the broker restarts on the same log dir', async (t) => {
    if (target?.restart === undefined) {
      t.diagnostic(`${target?.name ?? '?'} cannot be restarted from here: the next step reads the commits without a restart`);
      return;
    }
    await target.restart();
  });

  await t.test('after the restart: the lag reads the same, new members resume exactly after the commits, lag 0', { concurrency: true }, async (t) => {
    await Promise.all(CLIENTS.map((client) => t.test(`${client.id} (${client.protocol} protocol)`, async (st) => {
      const s = scenarios.get(client.id)!;
      assert.ok(!s.failed, `${client.id} failed before the restart`);
      try {
        await afterRestart(st, s);
      } finally {
        for (const m of s.members) if (m.alive) await m.kill();
      }
    })));
  });
});
