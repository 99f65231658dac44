/**
 * Transaction drivers: TxnDriver.java (the Java client's transactional producer, a
 * read_committed consumer, and a consume-transform-produce processor), compiled against the
 * jars of setup/java.ts. Its processes run as `Member`s (group-members.ts): lines as they
 * come, kill -9 at any time.
 */
import { compileJavaDriver } from '../setup/java.js';
import { Member, type MemberLine } from './group-members.js';
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

/** Runs TxnDriver (`args[0]` its mode) to its end: its lines, or an error with its stderr; killed after `limitMs`. */
export async function runTxnDriverToEnd(name: string, args: readonly string[], limitMs: number): Promise<MemberLine[]> {
  const m = new Member(await ensureJavaTxnDriver(), name, args);
  const timer = setTimeout(() => void m.kill(), limitMs);
  const { code, signal } = await m.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`TxnDriver ${args[0]} ended with ${signal ?? `exit ${code}`}:\n${m.tail(30)}`);
  return m.lines;
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

let javaStreamsGroup: Promise<DriverCommand> | undefined;

/** WordCountStreamsGroup.java: Kafka Streams WordCount on group.protocol=streams (KIP-1071), exactly_once_v2. */
export function ensureJavaStreamsGroupWordCount(): Promise<DriverCommand> {
  javaStreamsGroup ??= (async () => {
    const classpath = await compileJavaDriver('java-streams-group', ['WordCountStreamsGroup.java'], 'the Kafka Streams WordCount on the streams protocol');
    return {
      command: 'java',
      args: ['-Xmx384m', '-XX:TieredStopAtLevel=1', '-Xshare:auto', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', classpath, 'WordCountStreamsGroup'],
    };
  })();
  return javaStreamsGroup;
}

let javaStreamsTopologyDescription: Promise<DriverCommand> | undefined;

/** StreamsTopologyDescription.java: a Kafka Streams 4.4 application and the Admin's describe of its topology description (KIP-1331). */
export function ensureJavaStreamsTopologyDescription(): Promise<DriverCommand> {
  javaStreamsTopologyDescription ??= (async () => {
    const classpath = await compileJavaDriver('java-streams-topology-description', ['StreamsTopologyDescription.java'], 'the Kafka Streams topology description client');
    return {
      command: 'java',
      args: ['-Xmx384m', '-XX:TieredStopAtLevel=1', '-Xshare:auto', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', classpath, 'StreamsTopologyDescription'],
    };
  })();
  return javaStreamsTopologyDescription;
}
