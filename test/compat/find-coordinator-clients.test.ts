// Real transactional producers against a broker without a transaction coordinator: they must
// fail at once with a clear error, not retry FindCoordinator until their timeout (they did,
// while the broker answered COORDINATOR_NOT_AVAILABLE). The Java producer runs in a child
// process (asynchronously, so the broker in this process keeps serving).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NO_TRANSACTION_COORDINATOR } from '../../src/broker/handlers/find-coordinator.js';
import { ensureJavaClient } from './setup/java.js';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

/**
 * "At once" as a count, not a time: a client retrying FindCoordinator backs off 100 ms
 * (retry.backoff.ms) for up to its 60 s limit, hundreds of requests; one that gives up asks
 * once (a few at most, should it ask again on reconnecting).
 */
const MAX_FIND_COORDINATOR = 4;

/** Counts the requests of `apiKey` the broker dispatches (its handler registry is asked per request). */
function countRequests(tb: TestBroker, apiKey: number): { count: number } {
  const out = { count: 0 };
  const registry = tb.broker.handlers;
  const get = registry.get.bind(registry);
  registry.get = (key: number) => {
    if (key === apiKey) out.count++;
    return get(key);
  };
  return out;
}

const JAVA_SOURCE = `
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class InitTransactions {
  public static void main(String[] args) {
    Properties p = new Properties();
    p.put("bootstrap.servers", args[0]);
    p.put("transactional.id", "millrace-txn-test");
    p.put("max.block.ms", "60000");
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    long start = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      producer.initTransactions();
      System.out.println("initialized");
    } catch (Exception e) {
      System.out.println("failed " + (System.nanoTime() - start) / 1_000_000 + " " + e.getClass().getName() + ": " + e.getMessage());
    }
  }
}
`;

test('Java producer: initTransactions() fails at once with a KafkaException naming the missing transaction coordinator', async () => {
  const java = await ensureJavaClient();
  const dir = mkdtempSync(join(tmpdir(), 'millrace-txn-java-'));
  const ab = await startTestBroker();
  try {
    writeFileSync(join(dir, 'InitTransactions.java'), JAVA_SOURCE);
    await run('javac', ['-cp', java.classpath, '-d', dir, join(dir, 'InitTransactions.java')]);
    const finds = countRequests(ab, ApiKey.FindCoordinator);
    const { stdout } = await run(java.java, ['-cp', `${dir}:${java.classpath}`, 'InitTransactions', ab.broker.bootstrapServers], { timeout: 90_000 });
    const line = stdout.trim().split('\n').pop()!;
    assert.match(line, /^failed \d+ org\.apache\.kafka\.common\.KafkaException: /, line);
    assert.ok(line.includes(NO_TRANSACTION_COORDINATOR), line);
    assert.ok(finds.count >= 1 && finds.count <= MAX_FIND_COORDINATOR, `FindCoordinator asked ${finds.count} times (${line})`);
  } finally {
    await ab.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kafkajs: a transactional producer fails at once instead of retrying FindCoordinator', async () => {
  const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');
  const ab = await startTestBroker();
  const producer = new Kafka({ clientId: 'millrace-txn-test', brokers: [ab.broker.bootstrapServers], logLevel: logLevel.NOTHING }).producer({
    transactionalId: 'kjs-txn',
    idempotent: true,
    maxInFlightRequests: 1,
  });
  try {
    await producer.connect();
    const finds = countRequests(ab, ApiKey.FindCoordinator);
    // kafkajs reports every non-retriable FindCoordinator error this way.
    await assert.rejects(producer.transaction(), (err: Error & { retriable?: boolean }) => {
      assert.equal(err.name, 'KafkaJSGroupCoordinatorNotFound', err.message);
      assert.equal(err.retriable, false);
      return true;
    });
    assert.ok(finds.count >= 1 && finds.count <= MAX_FIND_COORDINATOR, `FindCoordinator asked ${finds.count} times`);
  } finally {
    await producer.disconnect();
    await ab.close();
  }
});
