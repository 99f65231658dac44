// A Java transactional producer (kafka-clients 4.4.0) keeps committing transactions while the
// Millrace broker restarts under it (clean close, then start again on the same port with the
// same data): the coordinator reads its transactions back from __transaction_state, the
// partitions their producer state, and the producer carries on (a transaction that fails
// abortably is aborted and sent again). A read_committed consumer then reads every committed
// transaction's records exactly once, and nothing of an aborted one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureJavaClient } from './setup/java.js';
import { makeTopic, startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { eventually } from '../helpers/eventually.js';

const run = promisify(execFile);
const TRANSACTIONS = 120;
const PER_TRANSACTION = 10;

const JAVA_SOURCE = `
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.*;
import org.apache.kafka.common.serialization.*;

public class TxnLoop {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], topic = args[1];
    int count = Integer.parseInt(args[2]), per = Integer.parseInt(args[3]);
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("transactional.id", "java-loop");
    p.put("max.block.ms", "120000");
    p.put("delivery.timeout.ms", "120000");
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      producer.initTransactions();
      int t = 0;
      while (t < count) {
        try {
          producer.beginTransaction();
          for (int i = 0; i < per; i++) producer.send(new ProducerRecord<>(topic, "k" + i, "t" + t + "-" + i));
          producer.commitTransaction();
          System.out.println("committed " + t);
          t++;
          Thread.sleep(10); // paced, so that the restart falls in the middle of the run
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException | UnsupportedVersionException e) {
          System.out.println("fatal " + e);
          System.exit(1);
        } catch (KafkaException e) {
          System.out.println("aborting " + t + " " + e);
          producer.abortTransaction();
        }
      }
    }
    Properties c = new Properties();
    c.put("bootstrap.servers", bootstrap);
    c.put("isolation.level", "read_committed");
    c.put("key.deserializer", StringDeserializer.class.getName());
    c.put("value.deserializer", StringDeserializer.class.getName());
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int i = 0; i < 3; i++) tps.add(new TopicPartition(topic, i));
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
    System.out.println("read " + String.join(",", values));
  }
}
`;

test('a Java transactional producer carries on across a broker restart; read_committed reads each committed record once', async (t) => {
  const java = await ensureJavaClient();
  const dir = mkdtempSync(join(tmpdir(), 'millrace-txn-restart-'));
  let tb: TestBroker = await startTestBroker({ config: { 'transaction.state.log.num.partitions': 3, 'offsets.topic.num.partitions': 3 } });
  const logDir = tb.logDir;
  const port = tb.broker.port;
  let child: ReturnType<typeof spawn> | null = null;
  try {
    await makeTopic(tb, 'loop', 3);
    writeFileSync(join(dir, 'TxnLoop.java'), JAVA_SOURCE);
    await run('javac', ['-cp', java.classpath, '-d', dir, join(dir, 'TxnLoop.java')]);
    child = spawn(java.java, ['-cp', `${dir}:${java.classpath}`, 'TxnLoop', tb.bootstrap, 'loop', String(TRANSACTIONS), String(PER_TRANSACTION)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', () => {});
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
    const committed = () => stdout.split('\n').filter((l) => l.startsWith('committed ')).length;
    await eventually('a third of the transactions committed', () => committed() >= TRANSACTIONS / 3, { timeoutMs: 120_000, intervalMs: 20 });
    await tb.close(true);
    const atRestart = committed();
    t.diagnostic(`transactions committed when the broker stopped: ${atRestart}`);
    assert.ok(atRestart < TRANSACTIONS, 'the restart came in the middle of the run');
    tb = await startTestBroker({ logDir, config: { listeners: `PLAINTEXT://127.0.0.1:${port}`, 'transaction.state.log.num.partitions': 3, 'offsets.topic.num.partitions': 3 } });
    const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 240_000).unref())]);
    const lines = stdout.trim().split('\n');
    t.diagnostic(`aborted and sent again: ${lines.filter((l) => l.startsWith('aborting ')).length}; ${lines.filter((l) => l.startsWith('aborting ')).slice(0, 3).join(' | ')}`);
    assert.equal(code, 0, stdout.slice(-2000));
    assert.equal(committed(), TRANSACTIONS);
    const read = lines.find((l) => l.startsWith('read '))!.slice(5).split(',').sort();
    const expected = Array.from({ length: TRANSACTIONS }, (_, x) => Array.from({ length: PER_TRANSACTION }, (_, i) => `t${x}-${i}`)).flat().sort();
    assert.deepEqual(read, expected, 'every committed record exactly once, nothing aborted');
  } finally {
    child?.kill('SIGKILL');
    await tb.close(true);
    rmSync(logDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
