/**
 * KIP-1331 with clients we did not write: a Kafka Streams 4.4 application on
 * group.protocol=streams, and the 4.4 Admin's describeStreamsGroups with
 * includeTopologyDescription (StreamsTopologyDescription.java). With
 * group.streams.topology.description.plugin.class set to Kafka's
 * InMemoryTopologyDescriptionPlugin the broker asks the application for its description, the
 * application pushes it, and the Admin shows it AVAILABLE and equal to the application's own
 * Topology.describe(); without the plugin the Admin reports NOT_STORED.
 *
 * Against Millrace by default; MILLRACE_COMPAT_TARGET=kafka runs the same against Apache Kafka
 * 4.4.0 with the same settings.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { KafkaClient } from '../../src/client/index.js';
import { killMembers, Member, type MemberLine } from './clients/group-members.js';
import { ensureJavaStreamsTopologyDescription } from './clients/txn-drivers.js';
import type { DriverCommand } from './clients/index.js';
import { startTarget, type CompatTarget } from './setup/target.js';

const PLUGIN = 'org.apache.kafka.server.streams.InMemoryTopologyDescriptionPlugin';
const KIND = process.env.MILLRACE_COMPAT_TARGET ?? 'millrace';
const run = randomBytes(3).toString('hex');
const dirs: string[] = [];
let driver: Promise<DriverCommand>;
let target: CompatTarget | undefined;

before(() => {
  driver = ensureJavaStreamsTopologyDescription();
  driver.catch(() => {});
});

after(async () => {
  killMembers();
  await target?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs the application against a target with these settings; the "described" line it prints. */
async function describedWith(config: Record<string, string | number>, name: string, waitMs: number): Promise<MemberLine> {
  target = await startTarget({ kind: KIND, config: { 'group.streams.initial.rebalance.delay.ms': 0, ...config } });
  try {
    const input = `td-in-${name}-${run}`;
    const output = `td-out-${name}-${run}`;
    const client = new KafkaClient({ bootstrapServers: [target.bootstrap] });
    const admin = new Admin(client);
    await admin.createTopic({ name: input, partitions: 2, replicationFactor: 1 });
    await admin.createTopic({ name: output, partitions: 2, replicationFactor: 1 });
    await client.close();
    const dir = mkdtempSync(path.join(tmpdir(), `millrace-td-${name}-`));
    dirs.push(dir);
    const app = new Member(await driver, `td-${name}`, ['run', target.bootstrap, input, output, `td-app-${name}-${run}`, dir, String(waitMs)]);
    await app.exited;
    const line = app.lines.find((l) => l.event === 'described');
    assert.ok(line !== undefined, `no description printed:\n${app.tail(30)}`);
    return line;
  } finally {
    await target.stop();
    target = undefined;
  }
}

test(`the in-memory plugin: the application's description, AVAILABLE through the Admin (${KIND})`, async () => {
  const d = await describedWith({ 'group.streams.topology.description.plugin.class': PLUGIN }, 'plugin', 90_000);
  assert.equal(d.state, 'RUNNING');
  assert.equal(d.status, 'AVAILABLE');
  assert.deepEqual(d.description, d.local);
  const nodes = (d.description as { subtopologies: Array<{ nodes: Array<{ type: string; stores?: string[] }> }> }).subtopologies.flatMap((s) => s.nodes);
  assert.ok(nodes.some((n) => n.type === 'source') && nodes.some((n) => n.type === 'sink'), JSON.stringify(nodes));
  assert.ok(nodes.some((n) => n.stores?.includes('td-counts')), 'the count processor with its store');
});

test(`no plugin: NOT_STORED through the Admin (${KIND})`, async () => {
  const d = await describedWith({}, 'none', 12_000);
  assert.equal(d.state, 'RUNNING');
  assert.equal(d.status, 'NOT_STORED');
  assert.equal(d.description, null);
});
