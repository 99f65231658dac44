/**
 * Consumer group members of real clients, each in a process of its own (group-*.test.ts).
 * Every member driver takes
 *
 *   member BOOTSTRAP TOPIC GROUP [name=ID] [session=MS] [heartbeat=MS] [protocol=classic|consumer] [lifetime=MS]
 *   lag    BOOTSTRAP TOPIC GROUP
 *
 * A member subscribes to TOPIC in GROUP (earliest when the group has no offset, no automatic
 * commits but kcat's) and prints JSON lines:
 *
 *   {"event":"client","client":"<name version>"}
 *   {"event":"assigned","partitions":[0,3]}          its whole assignment, whenever it changes
 *   {"event":"record","partition":0,"offset":5,"value":"..."}   printed before it is committed
 *   {"event":"committed","partition":0,"offset":6}   after a synchronous commit succeeded
 *   {"event":"commit_failed",...}                   a commit refused (e.g. during a rebalance)
 *   {"event":"stale","partition":0,"offset":5,"why":"..."}  a record the client should not have handed over, skipped
 *   {"event":"gap","partition":0,"offset":7,"expected":5}  the client skipped records (a failure)
 *   {"event":"closed"}                              after a clean close (the member left)
 *
 * A line `close` on stdin (or stdin's end, so a member never outlives the test) closes it
 * cleanly. `lag` prints one line {"event":"lag","how":"<API>","partitions":[{"partition","committed","end","lag"}]}
 * from the client's admin API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { DEBIAN_PYTHON, ensureApt } from '../setup/apt.js';
import { compileJavaDriver } from '../setup/java.js';
import { clientsDir } from '../setup/paths.js';
import { ensurePlatformaticKafka } from '../setup/platformatic.js';
import { ensureConfluentKafkaVenv } from '../setup/python.js';
import type { DriverCommand } from './index.js';

export type GroupProtocol = 'classic' | 'consumer';

export interface GroupClient {
  /** Test name: client id, plus the protocol when it is KIP-848's. */
  id: string;
  notes: string;
  protocol: GroupProtocol;
  /** Installs what the client needs; the member driver's command (mode and arguments get appended). */
  prepare(): Promise<DriverCommand>;
  /** Id of the client (in GROUP_CLIENTS) whose admin API reads this one's lag: itself unless it has none. */
  lagVia: string;
}

const driver = (file: string) => path.join(clientsDir, file);

let javaMember: Promise<DriverCommand> | undefined;

/** GroupMember.java (with CompatConsumer.java, whose JSON helper it uses) compiled against the Java client's jars. */
function ensureJavaGroupMember(): Promise<DriverCommand> {
  javaMember ??= (async () => {
    const classpath = await compileJavaDriver('java-group', ['GroupMember.java', 'CompatConsumer.java'], 'the Java group member driver');
    return {
      command: 'java',
      // small heaps and a quick JIT: several JVMs start at once on a small machine
      args: ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-Xshare:auto', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', classpath, 'GroupMember'],
    };
  })();
  return javaMember;
}

const node = (file: string): DriverCommand => ({ command: process.execPath, args: [driver(file)] });

/** Clients that run the classic protocol (JoinGroup/SyncGroup/Heartbeat). */
export const CLASSIC_GROUP_CLIENTS: readonly GroupClient[] = [
  {
    id: 'confluent-kafka-python-debian',
    notes: 'Debian python3-confluent-kafka 1.7.0 (librdkafka 2.0); lag through Consumer.committed + get_watermark_offsets (1.7.0 has no admin offsets API)',
    protocol: 'classic',
    lagVia: 'confluent-kafka-python-debian',
    async prepare() {
      await ensureApt(['python3-confluent-kafka']);
      return { command: DEBIAN_PYTHON, args: [driver('group_member_confluent.py')] };
    },
  },
  {
    id: 'kafka-python',
    notes: 'Debian python3-kafka 2.0.2; lag through KafkaAdminClient.list_consumer_group_offsets (end offsets: KafkaConsumer.end_offsets)',
    protocol: 'classic',
    lagVia: 'kafka-python',
    async prepare() {
      await ensureApt(['python3-kafka']);
      return { command: DEBIAN_PYTHON, args: [driver('group_member_kafka_python.py')] };
    },
  },
  {
    id: 'kafkajs',
    notes: 'kafkajs 2.2.4; lag through admin.fetchOffsets + fetchTopicOffsets',
    protocol: 'classic',
    lagVia: 'kafkajs',
    async prepare() {
      return node('group-member-kafkajs.mjs');
    },
  },
  {
    id: 'platformatic-kafka',
    notes: '@platformatic/kafka 1.x on the Node running the tests; lag through Admin#listConsumerGroupOffsets + listOffsets',
    protocol: 'classic',
    lagVia: 'platformatic-kafka',
    async prepare() {
      return { ...node('group-member-platformatic.mjs'), env: { COMPAT_NODE_MODULES: await ensurePlatformaticKafka() } };
    },
  },
  {
    id: 'kcat',
    notes: 'kcat -G (balanced consumer, librdkafka 2.0, auto-commit); kcat has no admin API: lag read through kafkajs\' admin',
    protocol: 'classic',
    lagVia: 'kafkajs',
    async prepare() {
      await ensureApt(['kcat']);
      return node('group-member-kcat.mjs');
    },
  },
  {
    id: 'java',
    notes: 'kafka-clients 4.4.0 KafkaConsumer, group.protocol=classic; lag through Admin.listConsumerGroupOffsets + listOffsets',
    protocol: 'classic',
    lagVia: 'java',
    prepare: ensureJavaGroupMember,
  },
];

/** Clients with KIP-848's consumer protocol (ConsumerGroupHeartbeat). */
export const CONSUMER_PROTOCOL_GROUP_CLIENTS: readonly GroupClient[] = [
  {
    id: 'java group.protocol=consumer',
    notes: 'kafka-clients 4.4.0 KafkaConsumer, group.protocol=consumer (KIP-848); lag through Admin.listConsumerGroupOffsets + listOffsets',
    protocol: 'consumer',
    lagVia: 'java',
    prepare: ensureJavaGroupMember,
  },
  {
    id: 'confluent-kafka-python-pypi group.protocol=consumer',
    notes: 'PyPI confluent-kafka 2.16 (bundled librdkafka), group.protocol=consumer (KIP-848); lag through AdminClient.list_consumer_group_offsets + list_offsets',
    protocol: 'consumer',
    lagVia: 'confluent-kafka-python-pypi',
    async prepare() {
      return { command: await ensureConfluentKafkaVenv(), args: [driver('group_member_confluent.py')] };
    },
  },
  {
    id: 'platformatic-kafka group.protocol=consumer',
    notes: '@platformatic/kafka 1.x, groupProtocol consumer (KIP-848); lag through Admin#listConsumerGroupOffsets + listOffsets',
    protocol: 'consumer',
    lagVia: 'platformatic-kafka',
    async prepare() {
      return { ...node('group-member-platformatic.mjs'), env: { COMPAT_NODE_MODULES: await ensurePlatformaticKafka() } };
    },
  },
];

/** Lag readers that are not members of the matrix themselves. */
const LAG_ONLY: readonly GroupClient[] = [
  {
    id: 'confluent-kafka-python-pypi',
    notes: 'PyPI confluent-kafka 2.16 AdminClient',
    protocol: 'classic',
    lagVia: 'confluent-kafka-python-pypi',
    async prepare() {
      return { command: await ensureConfluentKafkaVenv(), args: [driver('group_member_confluent.py')] };
    },
  },
];

export function groupClient(id: string): GroupClient {
  const c = [...CLASSIC_GROUP_CLIENTS, ...CONSUMER_PROTOCOL_GROUP_CLIENTS, ...LAG_ONLY].find((x) => x.id === id);
  if (c === undefined) throw new Error(`no group client ${id}`);
  return c;
}

export interface MemberLine {
  /** Group members: client, assigned, record, stale, gap, committed, commit_failed, closed, lag, error; any driver: unparsed. */
  event: string;
  [field: string]: unknown;
}

const running = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** Kills every member still running (and its children): for after() hooks. */
export function killMembers(): void {
  for (const child of running) killGroup(child);
  running.clear();
}

/** One member process: what it said so far, and ways to end it. */
export class Member {
  readonly name: string;
  readonly child: ChildProcess;
  client = '';
  /** Its latest assignment (null until it reported one). */
  assigned: number[] | null = null;
  readonly lines: MemberLine[] = [];
  stderr = '';
  /** Resolves when the process has exited (and its output was read). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Called for every line, in order. */
  onLine: (line: MemberLine) => void = () => {};

  constructor(cmd: DriverCommand, name: string, args: readonly string[]) {
    this.name = name;
    this.child = spawn(cmd.command, [...cmd.args, ...args], {
      env: { ...process.env, ...cmd.env }, stdio: ['pipe', 'pipe', 'pipe'], detached: true,
    });
    running.add(this.child);
    this.child.stdin!.on('error', () => {});
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (s: string) => {
      this.stderr += s;
    });
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      let line: MemberLine;
      try {
        line = JSON.parse(text) as MemberLine;
      } catch {
        line = { event: 'unparsed', line: text };
      }
      if (line.event === 'client') this.client = String(line.client);
      if (line.event === 'assigned') this.assigned = line.partitions as number[];
      this.lines.push(line);
      this.onLine(line);
    });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        running.delete(this.child);
        resolve({ code, signal });
      });
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Asks for a clean close (the member leaves its group) and waits for the process to end. */
  async close(limitMs = 60_000): Promise<void> {
    this.child.stdin!.end('close\n');
    const timer = setTimeout(() => killGroup(this.child), limitMs);
    const { code, signal } = await this.exited;
    clearTimeout(timer);
    if (code !== 0 || !this.lines.some((l) => l.event === 'closed')) {
      throw new Error(`member ${this.name} did not close cleanly (${signal ?? `exit ${code}`}):\n${this.tail()}`);
    }
  }

  /** SIGKILL to the member (and its children: kcat under its driver); waits until it is gone. */
  async kill(): Promise<void> {
    killGroup(this.child, 'SIGKILL');
    await this.exited;
  }

  tail(lines = 15): string {
    return this.stderr.trimEnd().split('\n').slice(-lines).join('\n');
  }
}

export interface MemberOptions {
  name: string;
  protocol: GroupProtocol;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  lifetimeMs?: number;
}

export function startMember(cmd: DriverCommand, bootstrap: string, topic: string, group: string, o: MemberOptions): Member {
  const args = ['member', bootstrap, topic, group, `name=${o.name}`, `protocol=${o.protocol}`, `lifetime=${o.lifetimeMs ?? 240_000}`];
  if (o.sessionTimeoutMs !== undefined) args.push(`session=${o.sessionTimeoutMs}`);
  if (o.heartbeatIntervalMs !== undefined) args.push(`heartbeat=${o.heartbeatIntervalMs}`);
  return new Member(cmd, o.name, args);
}

export interface LagRow {
  partition: number;
  committed: number | null;
  end: number;
  lag: number | null;
}

/** Runs a client's `lag` mode and returns what its admin API said. */
export async function readLag(cmd: DriverCommand, bootstrap: string, topic: string, group: string, limitMs = 60_000): Promise<{ client: string; how: string; rows: LagRow[] }> {
  const m = new Member(cmd, `lag ${group}`, ['lag', bootstrap, topic, group]);
  m.child.stdin!.end();
  const timer = setTimeout(() => killGroup(m.child), limitMs);
  const { code, signal } = await m.exited;
  clearTimeout(timer);
  const line = m.lines.find((l) => l.event === 'lag');
  if (code !== 0 || line === undefined) {
    throw new Error(`lag of ${group} (${cmd.command} ${cmd.args.at(-1)}) failed (${signal ?? `exit ${code}`}):\n${m.tail()}`);
  }
  return { client: m.client, how: String(line.how), rows: line.partitions as LagRow[] };
}
