/**
 * What the share-group compat tests share: Kafka 4.4's Java share consumer driver
 * (ShareDriver.java) compiled and its command, the three-broker cluster they run on, and the
 * wait for every member to have a partition.
 */
import { startCluster, type EmbeddedCluster } from '../../../src/start-cluster.js';
import type { DriverCommand } from './index.js';
import { compileJavaDriver } from '../setup/java.js';

/** ShareDriver.java compiled (kafka-clients 4.4.0), as the command Member runs. */
export async function shareDriver(): Promise<DriverCommand> {
  const classpath = await compileJavaDriver('java-share', ['ShareDriver.java'], 'the Java share consumer driver');
  return { command: 'java', args: ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-Xshare:auto', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', classpath, 'ShareDriver'] };
}

/** An embedded three-broker cluster with three partitions of __share_group_state and __consumer_offsets. */
export function startShareCluster(): Promise<EmbeddedCluster> {
  return startCluster({
    brokers: 3,
    config: { 'share.coordinator.state.topic.num.partitions': 3, 'offsets.topic.num.partitions': 3, 'replica.fetch.wait.max.ms': 50 },
    logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent',
  });
}

/**
 * Waits until a share group has `members` members, each assigned at least one partition of
 * `topic`. Members joining within the assignment interval (group.share.assignment.interval.ms,
 * 1 s by default) of the first get their partitions at a heartbeat after it, as on Kafka 4.4, so
 * a test that needs records split between consumers produces them once this returns.
 */
import type { KafkaClient } from '../../../src/client/index.js';
import { describeShareGroup } from '../../../src/client/share-group-admin.js';
import { eventually } from '../../helpers/eventually.js';

export async function untilShareMembersAssigned(client: KafkaClient, groupId: string, topic: string, members: number, timeoutMs = 60_000): Promise<void> {
  await eventually(`${members} members of share group ${groupId}, each with a partition of ${topic}`, async () => {
    const d = await describeShareGroup(client, groupId);
    return d !== null && d.members.length === members && d.members.every((m) => m.assignment.some((a) => a.topic === topic && a.partitions.length > 0));
  }, { timeoutMs, intervalMs: 200, retryErrors: true });
}
