/**
 * Transaction drivers: TxnDriver.java (the Java client's transactional producer, a
 * read_committed consumer, and a consume-transform-produce processor), compiled against the
 * jars of setup/java.ts. Its processes run as `Member`s (group-members.ts): lines as they
 * come, kill -9 at any time.
 */
import { compileJavaDriver } from '../setup/java.js';
import type { DriverCommand } from './index.js';

let javaTxn: Promise<DriverCommand> | undefined;

export function ensureJavaTxnDriver(): Promise<DriverCommand> {
  javaTxn ??= (async () => {
    const classpath = await compileJavaDriver('java-txn', ['TxnDriver.java', 'CompatConsumer.java'], 'the Java transactions driver');
    return {
      command: 'java',
      args: ['-Xmx384m', '-XX:TieredStopAtLevel=1', '-Xshare:auto', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', classpath, 'TxnDriver'],
    };
  })();
  return javaTxn;
}

let javaStreams: Promise<DriverCommand> | undefined;

/** WordCountEos.java: Kafka Streams WordCount with exactly_once_v2. */
export function ensureJavaStreamsWordCount(): Promise<DriverCommand> {
  javaStreams ??= (async () => {
    const classpath = await compileJavaDriver('java-streams', ['WordCountEos.java', 'TxnDriver.java', 'CompatConsumer.java'], 'the Kafka Streams WordCount');
    return {
      command: 'java',
      args: ['-Xmx384m', '-XX:TieredStopAtLevel=1', '-Xshare:auto', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', classpath, 'WordCountEos'],
    };
  })();
  return javaStreams;
}
