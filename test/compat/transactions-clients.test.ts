// Real transactional clients against the Millrace broker (issue 15): the Java client,
// confluent-kafka, kafkajs and @platformatic/kafka each run a committed and an aborted
// transaction (the first three with offsets sent to the transaction), and the test reads what
// landed in the logs (data followed by COMMIT or ABORT markers) and the group's committed
// offset (only the committed transaction's). The Java client (kafka-clients 4.4.0, which uses
// transaction.version 2 against a broker that finalizes it) also checks fencing by a second
// producer with the same transactional.id, and reads the topic back with a read_committed
// consumer. Clients run in child processes (asynchronously, so the broker in this process
// keeps serving).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import type { ApiHandler } from '../../src/broker/handlers/handler.js';
import { ensureJavaClient } from './setup/java.js';
import { ensureConfluentKafkaVenv } from './setup/python.js';
import { ensurePlatformaticKafka } from './setup/platformatic.js';
import { clientsDir } from './setup/paths.js';
import { makeTopic, startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { awaitState, fetchOffset, logContents } from '../broker/txn/helpers.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

/** The batches of a partition grouped into transactions: the values each wrote, and how it ended. */
async function transactions(tb: TestBroker, topic: string, partition: number): Promise<Array<{ values: string[]; end: string }>> {
  const out: Array<{ values: string[]; end: string }> = [];
  let values: string[] = [];
  for (const b of await logContents(tb, topic, partition)) {
    if (b.startsWith('COMMIT') || b.startsWith('ABORT')) {
      out.push({ values, end: b.startsWith('COMMIT') ? 'COMMIT' : 'ABORT' });
      values = [];
    } else {
      assert.ok(b.startsWith('txn '), `a data batch outside a transaction: ${b}`);
      values.push(...b.slice(4).split(','));
    }
  }
  assert.deepEqual(values, [], 'every transactional batch is followed by its marker');
  return out;
}

const TXN_APIS = [ApiKey.AddPartitionsToTxn, ApiKey.AddOffsetsToTxn, ApiKey.EndTxn, ApiKey.TxnOffsetCommit] as const;

/**
 * Notes the versions of the transaction APIs the broker serves while `run` runs (the handlers
 * are wrapped, then put back): which protocol a client spoke (transaction.version 2 clients
 * send no AddPartitionsToTxn or AddOffsetsToTxn, and EndTxn and TxnOffsetCommit v5).
 */
async function withVersions<T>(tb: TestBroker, report: (message: string) => void, run: () => Promise<T>, apis: readonly number[] = TXN_APIS): Promise<{ result: T; versions: Map<number, number[]> }> {
  const versions = new Map<number, number[]>();
  const restore: Array<() => void> = [];
  for (const key of apis) {
    const h = tb.broker.handlers.get(key) as ApiHandler | undefined;
    if (h === undefined) throw new Error(`no handler for ${key}`);
    const handle = h.handle;
    (h as { handle: ApiHandler['handle'] }).handle = (req, info, broker) => {
      const seen = versions.get(key) ?? [];
      if (!seen.includes(info.apiVersion)) versions.set(key, [...seen, info.apiVersion]);
      return handle.call(h, req, info, broker);
    };
    restore.push(() => void ((h as { handle: ApiHandler['handle'] }).handle = handle));
  }
  try {
    const result = await run();
    report(`transaction API versions served (api key: versions): ${JSON.stringify(Object.fromEntries(versions))}`);
    return { result, versions };
  } finally {
    for (const r of restore) r();
  }
}

const JAVA_SOURCE = `
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.*;
import org.apache.kafka.common.serialization.*;

public class TxnRoundTrip {
  static Properties producerProps(String bootstrap) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("transactional.id", "java-txn");
    p.put("max.block.ms", "60000");
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    return p;
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], topic = args[1], group = args[2];
    TopicPartition tp0 = new TopicPartition(topic, 0);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(bootstrap))) {
      producer.initTransactions();
      producer.beginTransaction();
      for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>(topic, i % 3, "k" + i, "c" + i));
      producer.sendOffsetsToTransaction(Map.of(tp0, new OffsetAndMetadata(10)), new ConsumerGroupMetadata(group));
      producer.commitTransaction();
      producer.beginTransaction();
      for (int i = 0; i < 5; i++) producer.send(new ProducerRecord<>(topic, i % 3, "k" + i, "a" + i));
      producer.sendOffsetsToTransaction(Map.of(tp0, new OffsetAndMetadata(99)), new ConsumerGroupMetadata(group));
      producer.flush();
      producer.abortTransaction();
      producer.beginTransaction();
      for (int i = 0; i < 5; i++) producer.send(new ProducerRecord<>(topic, i % 3, "k" + i, "d" + i));
      producer.commitTransaction();
      // Many transactions in a row, every 7th aborted, each sending its offsets.
      for (int t = 0; t < 60; t++) {
        producer.beginTransaction();
        for (int i = 0; i < 20; i++) producer.send(new ProducerRecord<>(topic, "k" + i, "l" + t + "-" + i));
        producer.sendOffsetsToTransaction(Map.of(tp0, new OffsetAndMetadata(1000 + t)), new ConsumerGroupMetadata(group));
        if (t % 7 == 0) producer.abortTransaction(); else producer.commitTransaction();
      }
      // A second producer with the same transactional.id takes over while a transaction is open.
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, 0, "z", "zombie")).get();
      try (KafkaProducer<String, String> second = new KafkaProducer<>(producerProps(bootstrap))) {
        second.initTransactions();
        try {
          producer.commitTransaction();
          System.out.println("zombie committed");
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
          System.out.println("fenced " + e.getClass().getSimpleName());
        }
        second.beginTransaction();
        second.send(new ProducerRecord<>(topic, 1, "k", "s0"));
        second.commitTransaction();
      }
    }
    Properties c = new Properties();
    c.put("bootstrap.servers", bootstrap);
    c.put("isolation.level", "read_committed");
    c.put("key.deserializer", StringDeserializer.class.getName());
    c.put("value.deserializer", StringDeserializer.class.getName());
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
      List<TopicPartition> tps = List.of(tp0, new TopicPartition(topic, 1), new TopicPartition(topic, 2));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      long deadline = System.currentTimeMillis() + 60000;
      boolean done = false;
      while (!done && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) values.add(r.value());
        done = true;
        for (TopicPartition tp : tps) if (consumer.position(tp) < end.get(tp)) done = false;
      }
    }
    Collections.sort(values);
    System.out.println("read " + String.join(",", values));
    // What kafka-transactions.sh list / describe ask (ListTransactions, DescribeTransactions).
    Properties a = new Properties();
    a.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(a)) {
      for (TransactionListing l : admin.listTransactions().all().get()) System.out.println("listed " + l.transactionalId() + " " + l.state());
      TransactionDescription d = admin.describeTransactions(List.of("java-txn")).all().get().get("java-txn");
      System.out.println("described " + d.state() + " partitions=" + d.topicPartitions().size() + " timeout=" + d.transactionTimeoutMs());
    }
  }
}
`;

test('Java producer (kafka-clients 4.4.0): commit, abort, offsets, fencing; read_committed consumer sees committed records only; Admin lists and describes transactions', async (t) => {
  const java = await ensureJavaClient();
  const dir = mkdtempSync(join(tmpdir(), 'millrace-txn-java-'));
  const tb = await startTestBroker();
  try {
    await makeTopic(tb, 'java-txn', 3);
    writeFileSync(join(dir, 'TxnRoundTrip.java'), JAVA_SOURCE);
    await run('javac', ['-cp', java.classpath, '-d', dir, join(dir, 'TxnRoundTrip.java')]);
    const { result: { stdout }, versions } = await withVersions(tb, (m) => t.diagnostic(m), () =>
      run(java.java, ['-cp', `${dir}:${java.classpath}`, 'TxnRoundTrip', tb.bootstrap, 'java-txn', 'java-group'], { timeout: 180_000 }), [...TXN_APIS, ApiKey.Produce, ApiKey.Fetch]);
    // transaction.version 2: partitions and offsets added by Produce and TxnOffsetCommit; kafka-clients
    // 4.4 produces and commits offsets by topic id (Produce v13, TxnOffsetCommit v6) and fetches at v18.
    assert.deepEqual(Object.fromEntries(versions), { [ApiKey.EndTxn]: [5], [ApiKey.TxnOffsetCommit]: [6], [ApiKey.Produce]: [13], [ApiKey.Fetch]: [18] });
    const lines = stdout.trim().split('\n').filter((l) => !l.startsWith('['));
    assert.match(lines.find((l) => l.startsWith('fenced') || l.startsWith('zombie')) ?? '', /^fenced (ProducerFencedException|InvalidProducerEpochException)$/, stdout);
    const loop = (keep: (t: number) => boolean) => Array.from({ length: 60 }, (_, t) => t).filter(keep).flatMap((t) => Array.from({ length: 20 }, (_, i) => `l${t}-${i}`));
    const expected = [...Array.from({ length: 10 }, (_, i) => `c${i}`), ...Array.from({ length: 5 }, (_, i) => `d${i}`), ...loop((t) => t % 7 !== 0), 's0'].sort();
    assert.equal(lines.find((l) => l.startsWith('read ')), `read ${expected.join(',')}`, stdout);
    assert.deepEqual(lines.filter((l) => l.startsWith('listed ') || l.startsWith('described ')), ['listed java-txn CompleteCommit', 'described CompleteCommit partitions=0 timeout=60000'], stdout);
    // In the logs: every batch is transactional and followed by its marker; the aborted ones by ABORT.
    await awaitState(tb.client, 'java-txn', 'CompleteCommit');
    const all = [];
    for (let p = 0; p < 3; p++) all.push(...await transactions(tb, 'java-txn', p));
    const committed = all.filter((x) => x.end === 'COMMIT').flatMap((x) => x.values).sort();
    const aborted = all.filter((x) => x.end === 'ABORT').flatMap((x) => x.values).sort();
    const diff = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));
    assert.deepEqual([diff(committed, expected), diff(expected, committed)], [[], []], 'committed in the logs: extra, missing');
    // The loop aborts without flushing: records the client had not sent yet never reach the broker.
    assert.deepEqual(diff(aborted, ['a0', 'a1', 'a2', 'a3', 'a4', ...loop((t) => t % 7 === 0), 'zombie']), [], 'only aborted records are marked ABORT');
    assert.deepEqual(diff(['a0', 'a1', 'a2', 'a3', 'a4', 'zombie'], aborted), [], 'the flushed aborted records are in the logs, marked ABORT');
    assert.deepEqual(await fetchOffset(tb.client, 'java-group', 'java-txn', 0, true), [ErrorCode.NONE, 1059n], 'the last committed transaction\'s offset');
  } finally {
    await tb.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('confluent-kafka (PyPI): init, send_offsets_to_transaction, commit, abort', async (t) => {
  const python = await ensureConfluentKafkaVenv();
  const tb = await startTestBroker();
  try {
    await makeTopic(tb, 'ck-txn');
    const { result: { stdout }, versions } = await withVersions(tb, (m) => t.diagnostic(m), () =>
      run(python, [join(clientsDir, 'confluent_kafka_txn.py'), tb.bootstrap, 'ck-txn', 'ck-group'], { timeout: 120_000 }));
    // librdkafka speaks transaction.version 0-1: explicit AddPartitionsToTxn and AddOffsetsToTxn.
    for (const key of TXN_APIS) assert.ok((versions.get(key) ?? []).every((v) => v < 5) && versions.has(key), `${key}: ${versions.get(key)}`);
    assert.equal(stdout.trim().split('\n').at(-1), 'ok', stdout);
    await awaitState(tb.client, 'confluent-txn', 'CompleteAbort');
    assert.deepEqual(await transactions(tb, 'ck-txn', 0), [
      { values: ['cc0', 'cc1', 'cc2', 'cc3', 'cc4'], end: 'COMMIT' },
      { values: ['ca0'], end: 'ABORT' },
    ]);
    assert.deepEqual(await fetchOffset(tb.client, 'ck-group', 'ck-txn', 0, true), [ErrorCode.NONE, 5n]);
  } finally {
    await tb.close();
  }
});

test('kafkajs: transaction(), send, sendOffsets, commit and abort', async (t) => {
  const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');
  const tb = await startTestBroker();
  const producer = new Kafka({ clientId: 'millrace-txn-test', brokers: [tb.bootstrap], logLevel: logLevel.NOTHING }).producer({
    transactionalId: 'kjs-txn',
    idempotent: true,
    maxInFlightRequests: 1,
  });
  try {
    await makeTopic(tb, 'kjs-txn');
    await producer.connect();
    const { versions } = await withVersions(tb, (m) => t.diagnostic(m), () => transact(producer));
    for (const key of TXN_APIS) assert.ok((versions.get(key) ?? []).every((v) => v < 5) && versions.has(key), `${key}: ${versions.get(key)}`);
    await awaitState(tb.client, 'kjs-txn', 'CompleteAbort');
    assert.deepEqual(await transactions(tb, 'kjs-txn', 0), [
      { values: ['kc0', 'kc1', 'kc2'], end: 'COMMIT' },
      { values: ['ka0'], end: 'ABORT' },
    ]);
    assert.deepEqual(await fetchOffset(tb.client, 'kjs-group', 'kjs-txn', 0, true), [ErrorCode.NONE, 3n]);
  } finally {
    await producer.disconnect();
    await tb.close();
  }
});

test('@platformatic/kafka: beginTransaction, send, commit and abort', async (t) => {
  const modules = await ensurePlatformaticKafka();
  const tb = await startTestBroker();
  try {
    await makeTopic(tb, 'pk-txn');
    const { result: { stdout }, versions } = await withVersions(tb, (m) => t.diagnostic(m), () =>
      run(process.execPath, [join(clientsDir, 'platformatic-kafka-txn.mjs'), tb.bootstrap, 'pk-txn'], { timeout: 120_000, env: { ...process.env, COMPAT_NODE_MODULES: modules } }));
    assert.equal(stdout.trim().split('\n').at(-1), 'ok', stdout);
    assert.ok(versions.has(ApiKey.EndTxn), `EndTxn: ${versions.get(ApiKey.EndTxn)}`);
    await awaitState(tb.client, 'platformatic-txn', 'CompleteAbort');
    assert.deepEqual(await transactions(tb, 'pk-txn', 0), [
      { values: ['pc0', 'pc1', 'pc2'], end: 'COMMIT' },
      { values: ['pa0'], end: 'ABORT' },
    ]);
  } finally {
    await tb.close();
  }
});

/** A committed transaction with offsets, then an aborted one, with a kafkajs transactional producer. */
async function transact(producer: import('kafkajs').Producer): Promise<void> {
  const t1 = await producer.transaction();
  await t1.send({ topic: 'kjs-txn', messages: [0, 1, 2].map((i) => ({ key: `k${i}`, value: `kc${i}`, partition: 0 })) });
  await t1.sendOffsets({ consumerGroupId: 'kjs-group', topics: [{ topic: 'kjs-txn', partitions: [{ partition: 0, offset: '3' }] }] });
  await t1.commit();
  const t2 = await producer.transaction();
  await t2.send({ topic: 'kjs-txn', messages: [{ key: 'k', value: 'ka0', partition: 0 }] });
  await t2.sendOffsets({ consumerGroupId: 'kjs-group', topics: [{ topic: 'kjs-txn', partitions: [{ partition: 0, offset: '77' }] }] });
  await t2.abort();
}
