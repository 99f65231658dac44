/** Apache Kafka's jars from Maven Central, via bench/kafka/fetch.sh (cached in bench/.cache/kafka/libs). */
import path from 'node:path';
import { ensureApt } from './apt.js';
import { run } from './exec.js';
import { withLock } from './lock.js';
import { repoRoot } from './paths.js';

let ensured: Promise<void> | undefined;

export function ensureKafkaJars(): Promise<void> {
  ensured ??= (async () => {
    await ensureApt(['openjdk-17-jdk-headless', 'maven']);
    await withLock('kafka-jars', async () => {
      await run('fetching Apache Kafka jars (bench/kafka/fetch.sh)', 'bash', [path.join(repoRoot, 'bench', 'kafka', 'fetch.sh')]);
    });
  })();
  return ensured;
}
