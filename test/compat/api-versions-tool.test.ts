/**
 * Issue 17's API-range proof: Kafka 4.4's own BrokerApiVersionsCommand
 * (org.apache.kafka.tools.BrokerApiVersionsCommand, kafka-broker-api-versions.sh) run against
 * the Millrace broker and against an Apache Kafka 4.4.0 broker started from the Maven Central
 * jars shows the same version range for every API, except those listed in KNOWN_DIFFERENCES
 * with the reason (README.md, "Kafka 4.4 APIs Millrace does not serve"). The list is checked
 * both ways: a difference not in it fails, and so does an entry that no longer differs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ensureKafkaJars } from './setup/kafka.js';
import { runKafkaTool } from './setup/kafka-tool.js';
import { startTarget, type CompatTarget } from './setup/target.js';

/** API name -> why Millrace's range differs from Kafka 4.4.0's. */
const KNOWN_DIFFERENCES: Readonly<Record<string, string>> = {
  // KRaft quorum and registration APIs: Millrace's metadata quorum is etcd, not KRaft.
  DescribeQuorum: 'KRaft only',
  AddRaftVoter: 'KRaft only',
  RemoveRaftVoter: 'KRaft only',
  UnregisterBroker: 'KRaft only',
  UnregisterController: 'KRaft only',
  // Broker to broker: Millrace's transaction coordinators send v1 to Millrace brokers.
  WriteTxnMarkers: 'v2 (KIP-1228, the transaction version in markers) not served: 1',
};

let millrace: CompatTarget | undefined;
let kafka: CompatTarget | undefined;

before(async () => {
  await ensureKafkaJars();
  millrace = await startTarget({ kind: 'millrace' });
  kafka = await startTarget({ kind: 'kafka' });
});

after(async () => {
  await millrace?.stop();
  await kafka?.stop();
});

/** API name -> "min-max" (or "UNSUPPORTED") as BrokerApiVersionsCommand prints them for the one broker. */
async function apiVersions(bootstrap: string): Promise<Map<string, string>> {
  const r = await runKafkaTool('org.apache.kafka.tools.BrokerApiVersionsCommand', ['--bootstrap-server', bootstrap], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*(\w+)\(\d+\): (?:(\d+)(?: to (\d+))? \[usable: \d+\]|(UNSUPPORTED))/.exec(line);
    if (m === null) continue;
    out.set(m[1]!, m[4] ?? `${m[2]}-${m[3] ?? m[2]}`);
  }
  assert.ok(out.size >= 50, `parsed ${out.size} APIs from:\n${r.stdout}`);
  return out;
}

test('BrokerApiVersionsCommand shows the same ranges for Millrace as for Kafka 4.4.0, but for the listed differences', async () => {
  const [ours, theirs] = await Promise.all([apiVersions(millrace!.bootstrap), apiVersions(kafka!.bootstrap)]);
  const names = [...new Set([...ours.keys(), ...theirs.keys()])].sort();
  const differ: string[] = [];
  for (const name of names) {
    const o = ours.get(name) ?? 'UNSUPPORTED';
    const k = theirs.get(name) ?? 'UNSUPPORTED';
    if (o !== k) differ.push(name);
    if (o !== k && KNOWN_DIFFERENCES[name] === undefined) assert.fail(`${name}: Millrace ${o}, Kafka ${k}`);
  }
  const stale = Object.keys(KNOWN_DIFFERENCES).filter((n) => !differ.includes(n));
  assert.deepEqual(stale, [], 'listed as different but the same now: take them off the list');
  // Every API a Kafka 4.4 client uses to produce, consume and run groups and transactions is in step.
  for (const name of ['Produce', 'Fetch', 'ListOffsets', 'Metadata', 'OffsetCommit', 'OffsetFetch', 'ApiVersions', 'DescribeLogDirs', 'AlterReplicaLogDirs', 'DeleteGroups', 'TxnOffsetCommit', 'ListTransactions', 'ConsumerGroupHeartbeat', 'StreamsGroupHeartbeat']) {
    assert.equal(ours.get(name), theirs.get(name), name);
  }
});
