// The coordinators' internal topics are created on first use with the configured replication
// factor, lowered to the live brokers with a warning when there are fewer (Kafka's development
// cluster behaviour), once however many callers ask at the same time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { InternalTopicCreator, type CoordinatorTopicHost } from '../../src/coordinator/coordinator-topic.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';

interface Created {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

function host(brokers: number, warnings: string[], created: Created[]): CoordinatorTopicHost {
  const exists = new Set<string>();
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg as string) });
  return {
    nodeId: 1,
    logger,
    topic: (name) => (exists.has(name) ? { partitions: [] } : undefined),
    ledPartitions: () => [],
    brokerCount: () => brokers,
    getLog: () => undefined,
    async createInternalTopic(name, partitions, replicationFactor, configs) {
      created.push({ name, partitions, replicationFactor, configs });
      await new Promise((resolve) => setImmediate(resolve)); // the metadata shows it later
      exists.add(name);
      return { ok: true, partitions };
    },
    appendAsCoordinator: () => {
      throw new Error('not used');
    },
  };
}

test('fewer live brokers than the replication factor: the topic gets one replica per broker and a warning says so', async () => {
  const warnings: string[] = [];
  const created: Created[] = [];
  const creator = new InternalTopicCreator(host(2, warnings, created), '__consumer_offsets', 50, 3, (rf) => ({ 'min.insync.replicas': String(Math.min(2, rf)) }));
  const first = creator.ensure();
  assert.equal(creator.ensure(), first, 'one creation for every caller meanwhile');
  await first;
  assert.deepEqual(created, [{ name: '__consumer_offsets', partitions: 50, replicationFactor: 2, configs: { 'min.insync.replicas': '2' } }]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /fewer live brokers than the configured replication factor; creating it with 2/);
  assert.equal(creator.ensure(), null, 'exists now');
});

test('enough live brokers: the configured replication factor, no warning', async () => {
  const warnings: string[] = [];
  const created: Created[] = [];
  await new InternalTopicCreator(host(5, warnings, created), '__transaction_state', 50, 3, () => ({})).ensure();
  assert.equal(created[0]!.replicationFactor, 3);
  assert.deepEqual(warnings, []);
});

test('a creation that fails answers COORDINATOR_NOT_AVAILABLE', async () => {
  const h = host(3, [], []);
  h.createInternalTopic = async () => ({ ok: false, message: 'no brokers' });
  await assert.rejects(new InternalTopicCreator(h, '__consumer_offsets', 50, 3, () => ({})).ensure()!, (err: unknown) => (err as { errorCode?: number }).errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE);
});
