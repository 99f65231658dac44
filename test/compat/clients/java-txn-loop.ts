/**
 * TxnLoop, a Java transactional producer (kafka-clients, transactional.id java-loop) for the
 * restart tests: it commits COUNT transactions of PER records ("t<n>-<i>" over the topic's three
 * partitions), paced by 10 ms, aborting and sending again a transaction that fails abortably,
 * printing "committed <n>" after each; then it reads the topic back with a read_committed
 * consumer and prints "read <values>".
 *   java TxnLoop BOOTSTRAP TOPIC COUNT PER
 */
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureJavaClient } from '../setup/java.js';

const SOURCE = `
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

export interface TxnLoopRun {
  /** Transactions committed so far. */
  committed(): number;
  stdout(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  kill(): void;
}

/** Compiles TxnLoop into `dir` and starts it against `bootstrap`. */
export async function startTxnLoop(dir: string, bootstrap: string, topic: string, count: number, per: number): Promise<TxnLoopRun> {
  const java = await ensureJavaClient();
  writeFileSync(join(dir, 'TxnLoop.java'), SOURCE);
  await promisify(execFile)('javac', ['-cp', java.classpath, '-d', dir, join(dir, 'TxnLoop.java')]);
  const child = spawn(java.java, ['-cp', `${dir}:${java.classpath}`, 'TxnLoop', bootstrap, topic, String(count), String(per)], { stdio: ['ignore', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    committed: () => stdout.split('\n').filter((l) => l.startsWith('committed ')).length,
    stdout: () => stdout,
    exited,
    kill: () => void child.kill('SIGKILL'),
  };
}

/** Every value the loop commits, sorted as a read back is. */
export function txnLoopValues(count: number, per: number): string[] {
  return Array.from({ length: count }, (_, x) => Array.from({ length: per }, (_, i) => `t${x}-${i}`)).flat().sort();
}
