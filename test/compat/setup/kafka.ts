/** Apache Kafka's jars from Maven Central, via tools/kafka/fetch.sh (cached in bench/.cache/kafka/libs). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureApt } from './apt.js';
import { run } from './exec.js';
import { withLock } from './lock.js';
import { repoRoot } from './paths.js';

/** The Apache Kafka version of the reference peer: `kafka.version` in tools/kafka/pom.xml. */
export const KAFKA_VERSION: string = (() => {
  const pom = readFileSync(path.join(repoRoot, 'tools', 'kafka', 'pom.xml'), 'utf8');
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (m === null) throw new Error('tools/kafka/pom.xml names no kafka.version');
  return m[1]!;
})();

let ensured: Promise<void> | undefined;

export function ensureKafkaJars(): Promise<void> {
  ensured ??= (async () => {
    await ensureApt(['openjdk-17-jdk-headless', 'maven']);
    await withLock('kafka-jars', async () => {
      await run('fetching Apache Kafka jars (tools/kafka/fetch.sh)', 'bash', [path.join(repoRoot, 'tools', 'kafka', 'fetch.sh')]);
    });
  })();
  return ensured;
}
