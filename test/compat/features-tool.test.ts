/**
 * Kafka 4.4's own kafka-features.sh (org.apache.kafka.tools.FeatureCommand from the Apache
 * Kafka 4.4.0 jars) against Millrace and against an Apache Kafka 4.4.0 broker, the same
 * commands on both: describe, a --dry-run downgrade, downgrade, upgrade, disable, a level out of
 * range, and metadata.version downgrades. What each prints is logged side by side; what must
 * match is asserted.
 *
 * What differs by design:
 * - The features each has: Kafka 4.4 also has kraft.version (no KRaft).
 * - The epoch: Kafka's is the offset of its metadata log, Millrace's a counter (one store) or the
 *   store's revision (a cluster); both grow with every change, which is what clients rely on.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunResult } from './setup/exec.js';
import { ensureKafkaJars } from './setup/kafka.js';
import { runKafkaTool } from './setup/kafka-tool.js';
import { startTarget, type CompatTarget } from './setup/target.js';
import { ensureJavaTxnDriver, runTxnDriverToEnd } from './clients/txn-drivers.js';

let millrace: CompatTarget | undefined;
let kafka: CompatTarget | undefined;

before(async () => {
  // compiled while the brokers start; a failure shows in the test that runs it
  ensureJavaTxnDriver().catch(() => {});
  await ensureKafkaJars();
  millrace = await startTarget({ kind: 'millrace' });
  kafka = await startTarget({ kind: 'kafka' });
});

after(async () => {
  await millrace?.stop();
  await kafka?.stop();
});

function features(bootstrap: string, args: readonly string[]): Promise<RunResult> {
  return runKafkaTool('org.apache.kafka.tools.FeatureCommand', ['--bootstrap-server', bootstrap, ...args], { timeoutMs: 120_000 });
}

/** What the tool printed, without log4j/SLF4J start-up noise and the deprecation notice of --metadata. */
function printed(r: RunResult): string {
  return (r.stdout + r.stderr).split('\n').filter((l) => l.trim() !== '' && !/^SLF4J|log4j|`metadata` flag is deprecated/.test(l)).join('\n');
}

interface Described {
  supportedMin: string;
  supportedMax: string;
  finalized: string;
  epoch: number;
}

/** `describe`: feature -> its four columns. */
async function describe(target: CompatTarget): Promise<Map<string, Described>> {
  const r = await features(target.bootstrap, ['describe']);
  assert.equal(r.code, 0, printed(r));
  const out = new Map<string, Described>();
  for (const line of r.stdout.split('\n')) {
    const m = /^Feature: (\S+)\s+SupportedMinVersion: (\S+)\s+SupportedMaxVersion: (\S+)\s+FinalizedVersionLevel: (\S+)\s+Epoch: (\d+)/.exec(line);
    if (m !== null) out.set(m[1]!, { supportedMin: m[2]!, supportedMax: m[3]!, finalized: m[4]!, epoch: Number(m[5]) });
  }
  assert.ok(out.size > 0, printed(r));
  return out;
}

/** Runs one command on both, logs both outputs, and returns them (the controller's node id masked). */
async function both(t: { diagnostic(message: string): void }, args: readonly string[]): Promise<{ ours: RunResult & { text: string }; theirs: RunResult & { text: string } }> {
  const [a, b] = await Promise.all([features(millrace!.bootstrap, args), features(kafka!.bootstrap, args)]);
  const mask = (s: string) => s.replace(/Local controller \d+/g, 'Local controller N');
  const ours = { ...a, text: mask(printed(a)) };
  const theirs = { ...b, text: mask(printed(b)) };
  t.diagnostic(`$ kafka-features.sh ${args.join(' ')}`);
  t.diagnostic(`  millrace (exit ${a.code}): ${ours.text.replace(/\n/g, ' / ')}`);
  t.diagnostic(`  kafka    (exit ${b.code}): ${theirs.text.replace(/\n/g, ' / ')}`);
  return { ours, theirs };
}

test('kafka-features.sh describe, upgrade, downgrade, --dry-run and disable against Millrace and Kafka 4.4.0', async (t) => {
  const ours = await describe(millrace!);
  const theirs = await describe(kafka!);
  t.diagnostic(`millrace describe: ${JSON.stringify([...ours])}`);
  t.diagnostic(`kafka describe: ${JSON.stringify([...theirs])}`);
  assert.deepEqual([...ours.keys()], ['eligible.leader.replicas.version', 'group.version', 'metadata.version', 'share.version', 'streams.version', 'transaction.version']);
  assert.deepEqual(ours.get('metadata.version'), { supportedMin: '3.3-IV3', supportedMax: '4.4-IV2', finalized: '4.4-IV2', epoch: 1 });
  assert.deepEqual(ours.get('share.version'), { supportedMin: '0', supportedMax: '2', finalized: '2', epoch: 1 });
  // metadata, group, transaction, streams, share and ELR versions: the same ranges and levels as a new Kafka 4.4 cluster.
  for (const name of ['metadata.version', 'group.version', 'transaction.version', 'streams.version', 'share.version', 'eligible.leader.replicas.version']) {
    const { epoch: _a, ...mine } = ours.get(name)!;
    const { epoch: _b, ...kafkas } = theirs.get(name)!;
    assert.deepEqual(mine, kafkas, name);
  }
  assert.equal(theirs.get('metadata.version')!.supportedMin, '3.3-IV3');
  const startEpoch = { ours: ours.get('group.version')!.epoch, theirs: theirs.get('group.version')!.epoch };

  // The same words on both for what both do.
  const same: Array<[string[], number, string]> = [
    [['downgrade', '--feature', 'group.version=0', '--dry-run'], 0, 'group.version can be downgraded to 0.'],
    [['downgrade', '--feature', 'group.version=0'], 0, 'group.version was downgraded to 0.'],
    [['upgrade', '--feature', 'group.version=1'], 0, 'group.version was upgraded to 1.'],
    [['upgrade', '--feature', 'group.version=2'], 1,
      'Could not upgrade group.version to 2. The update failed for all features since the following feature had an error: Invalid update version 2 for feature group.version. Local controller N only supports versions 0-1\n1 out of 1 operation(s) failed.'],
    [['upgrade', '--feature', 'transaction.version=1'], 1,
      "Could not upgrade transaction.version to 1. The update failed for all features since the following feature had an error: Invalid update version 1 for feature transaction.version. Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade.\n1 out of 1 operation(s) failed."],
    [['downgrade', '--feature', 'transaction.version=1', '--dry-run'], 0, 'transaction.version can be downgraded to 1.'],
    [['disable', '--feature', 'streams.version'], 0, 'streams.version was disabled.'],
    [['upgrade', '--feature', 'streams.version=1'], 0, 'streams.version was upgraded to 1.'],
    [['disable', '--feature', 'eligible.leader.replicas.version'], 0, 'eligible.leader.replicas.version was disabled.'],
    [['upgrade', '--feature', 'eligible.leader.replicas.version=2'], 1,
      'Could not upgrade eligible.leader.replicas.version to 2. The update failed for all features since the following feature had an error: Invalid update version 2 for feature eligible.leader.replicas.version. Local controller N only supports versions 0-1\n1 out of 1 operation(s) failed.'],
    [['upgrade', '--feature', 'eligible.leader.replicas.version=1'], 0, 'eligible.leader.replicas.version was upgraded to 1.'],
  ];
  for (const [args, code, text] of same) {
    const r = await both(t, args);
    assert.equal(r.ours.code, code, r.ours.text);
    assert.equal(r.ours.text, text);
    assert.equal(r.theirs.code, code, r.theirs.text);
    assert.equal(r.theirs.text, text);
  }
  const ours2 = await describe(millrace!);
  const theirs2 = await describe(kafka!);
  for (const [d, start] of [[ours2, startEpoch.ours], [theirs2, startEpoch.theirs]] as const) {
    assert.equal(d.get('group.version')!.finalized, '1');
    assert.equal(d.get('streams.version')!.finalized, '1');
    assert.equal(d.get('eligible.leader.replicas.version')!.finalized, '1');
    assert.equal(d.get('transaction.version')!.finalized, '2', 'the dry run changed nothing');
    assert.ok(d.get('group.version')!.epoch > start, 'the epoch grew');
  }

  // metadata.version: both refuse a level above what they support, and, at 4.4-IV2, any downgrade
  // (4.3-IV0, 4.4-IV1 and 4.4-IV2 changed the metadata), safe or not.
  const above = await both(t, ['upgrade', '--metadata', '4.5-IV0']);
  assert.equal(above.ours.code, 1);
  assert.equal(above.ours.text, 'Could not upgrade metadata.version to 34. The update failed for all features since the following feature had an error: Invalid update version 34 for feature metadata.version. Local controller N only supports versions 7-33\n1 out of 1 operation(s) failed.');
  assert.equal(above.theirs.code, 1);
  assert.equal(above.theirs.text, above.ours.text);
  for (const level of ['4.4-IV1', '4.0-IV1']) {
    const down = await both(t, ['downgrade', '--metadata', level]);
    assert.equal(down.ours.code, 1);
    assert.match(down.ours.text, /Unsupported metadata\.version downgrade from 33 to \d+\. Refusing to perform the requested downgrade because it might delete metadata information\./);
    assert.equal(down.theirs.code, 1);
    assert.equal(down.theirs.text, down.ours.text);
  }
  const unsafe = await both(t, ['downgrade', '--metadata', '4.4-IV1', '--unsafe']);
  assert.equal(unsafe.ours.code, unsafe.theirs.code);
  assert.equal(unsafe.ours.text, unsafe.theirs.text);
  assert.equal((await describe(millrace!)).get('metadata.version')!.finalized, '4.4-IV2');
});

test('the levels Millrace finalized through kafka-features.sh survive a restart', async () => {
  const r = await features(millrace!.bootstrap, ['downgrade', '--feature', 'share.version=0']);
  assert.equal(printed(r), 'share.version was downgraded to 0.');
  const before = await describe(millrace!);
  await millrace!.restart!();
  const after = await describe(millrace!);
  assert.deepEqual(after, before);
  assert.equal(after.get('share.version')!.finalized, '0');
});

test('transaction.version decides the Java producer\'s transactions: epoch bumped at every EndTxn at 2 (KIP-890), kept at 1', async (t) => {
  // TxnDriver smoke: InitProducerId, then three transactions (commit, abort, commit); describeTransactions after.
  const epochAfterSmoke = async (target: CompatTarget, txnId: string): Promise<number> => {
    const lines = await runTxnDriverToEnd('smoke', ['smoke', target.bootstrap, `features-${txnId}`, txnId], 120_000);
    const described = lines.find((l) => l.event === 'describe');
    assert.ok(described !== undefined, 'no describeTransactions answer');
    assert.equal(described.state, 'CompleteCommit');
    return described.producerEpoch as number;
  };
  const atTwo = await Promise.all([epochAfterSmoke(millrace!, 'tv2-m'), epochAfterSmoke(kafka!, 'tv2-k')]);
  t.diagnostic(`transaction.version 2: producer epoch after three transactions: millrace ${atTwo[0]}, kafka ${atTwo[1]}`);
  assert.deepEqual(atTwo, [3, 3]);
  const down = await both(t, ['downgrade', '--feature', 'transaction.version=1']);
  assert.equal(down.ours.text, 'transaction.version was downgraded to 1.');
  assert.equal(down.theirs.text, 'transaction.version was downgraded to 1.');
  const atOne = await Promise.all([epochAfterSmoke(millrace!, 'tv1-m'), epochAfterSmoke(kafka!, 'tv1-k')]);
  t.diagnostic(`transaction.version 1: producer epoch after three transactions: millrace ${atOne[0]}, kafka ${atOne[1]}`);
  assert.deepEqual(atOne, [0, 0]);
});
