/**
 * Issue 15's proof with non-Java clients: confluent-kafka-python (Debian, librdkafka), kafkajs
 * and @platformatic/kafka 1.x run three transactions (commit, abort, commit), each with sends and
 * send_offsets_to_transaction / sendOffsets; the group's committed offset moves only with the
 * committed ones, and a read_committed consumer sees only their records while a
 * read_uncommitted one sees every record.
 *
 * Against Millrace by default; MILLRACE_COMPAT_TARGET=kafka runs the same against Apache Kafka.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { KafkaClient } from '../../src/client/index.js';
import type { DriverCommand } from './clients/index.js';
import { killMembers, Member, type MemberLine } from './clients/group-members.js';
import { DEBIAN_PYTHON, ensureApt } from './setup/apt.js';
import { ensureNode22 } from './setup/node.js';
import { clientsDir } from './setup/paths.js';
import { ensurePlatformaticKafka } from './setup/platformatic.js';
import { startTarget, type CompatTarget } from './setup/target.js';

interface TxnClient {
  id: string;
  prepare(): Promise<DriverCommand>;
}

const CLIENTS: readonly TxnClient[] = [
  {
    id: 'confluent-kafka-python-debian',
    async prepare() {
      await ensureApt(['python3-confluent-kafka']);
      return { command: DEBIAN_PYTHON, args: [path.join(clientsDir, 'txn_confluent.py')] };
    },
  },
  {
    id: 'kafkajs',
    async prepare() {
      return { command: process.execPath, args: [path.join(clientsDir, 'txn-kafkajs.mjs')] };
    },
  },
  {
    id: 'platformatic-kafka',
    async prepare() {
      const [node, modules] = await Promise.all([ensureNode22(), ensurePlatformaticKafka()]);
      return { command: node, args: [path.join(clientsDir, 'txn-platformatic.mjs')], env: { COMPAT_NODE_MODULES: modules } };
    },
  },
];

let target: CompatTarget | undefined;
const run = randomBytes(3).toString('hex');

before(async () => {
  target = await startTarget({ kind: process.env.MILLRACE_COMPAT_TARGET ?? 'millrace' });
});

after(async () => {
  killMembers();
  await target?.stop();
});

for (const client of CLIENTS) {
  test(`${client.id}: commit, abort, commit with offsets in the transaction; read_committed sees only committed records`, async () => {
    const cmd = await client.prepare();
    const topic = `txn-${client.id}-${run}`;
    const admin = new KafkaClient({ bootstrapServers: [target!.bootstrap] });
    try {
      await new Admin(admin).createTopic({ name: topic, partitions: 1, replicationFactor: 1 });
    } finally {
      admin.close();
    }
    const m = new Member(cmd, client.id, ['smoke', target!.bootstrap, topic, `txn-${client.id}-${run}`, `txn-group-${client.id}-${run}`]);
    const timer = setTimeout(() => void m.kill(), 180_000);
    const { code, signal } = await m.exited;
    clearTimeout(timer);
    assert.equal(code, 0, `driver ended with ${signal ?? `exit ${code}`}:\n${m.tail(30)}`);
    const lines: MemberLine[] = m.lines;
    assert.deepEqual(lines.filter((l) => l.event === 'transaction').map((l) => [l.name, l.committed_offset]),
      [['c1', 5], ['a2', 5], ['c3', 10]], 'the group\'s committed offset after each transaction');
    const values = (isolation: string) => lines.find((l) => l.event === 'read' && l.isolation === isolation)?.values;
    const batch = (name: string) => Array.from({ length: 10 }, (_, i) => `${name}-${i}`);
    assert.deepEqual(values('read_committed'), [...batch('c1'), ...batch('c3')]);
    assert.deepEqual(values('read_uncommitted'), [...batch('c1'), ...batch('a2'), ...batch('c3')]);
  });
}
