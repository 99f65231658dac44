/**
 * `millrace topic create|list|describe|delete|alter`: what kafka-topics.sh does, with its
 * flag names (`--partitions`, `--replication-factor`, `--config k=v`, `--topic`).
 */
import { Command } from 'commander';
import { Admin, ResourceType, type TopicDescription } from '../client/admin.js';
import type { KafkaClient } from '../client/client.js';
import { listOffsets } from '../client/offsets.js';
import { action, clientOptions, collect, examples, intArg, keyValues, oneTopic, withClient, type ClientFlags } from './options.js';
import { print, type Out } from './output.js';

interface CreateFlags extends ClientFlags {
  topic?: string;
  partitions?: number;
  replicationFactor?: number;
  config?: string[];
  ifNotExists?: boolean;
}

interface ListFlags extends ClientFlags {
  excludeInternal?: boolean;
}

interface TopicFlags extends ClientFlags {
  topic?: string;
  ifExists?: boolean;
}

interface AlterFlags extends ClientFlags {
  topic?: string;
  partitions: number;
}

export interface DescribedTopic extends TopicDescription {
  replicationFactor: number;
  /** Settings that differ from the defaults (set on the topic). */
  configs: Record<string, string | null>;
  partitions: (TopicDescription['partitions'][number] & { logStartOffset: bigint | null; logEndOffset: bigint | null })[];
}

export function registerTopic(program: Command, out: Out = process.stdout): void {
  const topic = program.command('topic').description('create, list, describe, alter and delete topics (kafka-topics.sh)');

  examples(clientOptions(topic.command('create')), [
    'millrace topic create orders --partitions 6 --config retention.ms=86400000',
    'millrace topic create --topic logs --config cleanup.policy=compact --config min.compaction.lag.ms=0',
  ])
    .description('create a topic')
    .argument('[name]', 'the topic')
    .option('--topic <name>', 'the topic (as kafka-topics.sh names it)')
    .option('--partitions <n>', 'number of partitions (default: the broker\'s num.partitions)', intArg('--partitions', { positive: true }))
    .option('--replication-factor <r>', 'replicas per partition (default: the broker\'s default.replication.factor)', intArg('--replication-factor', { positive: true }))
    .option('--config <key=value>', 'a topic setting (repeatable)', collect)
    .option('--if-not-exists', 'succeed when the topic already exists')
    .action(action(async (name: string | undefined, flags: CreateFlags) => {
      const topicName = oneTopic(name, flags.topic);
      const configs = keyValues(flags.config ?? [], '--config');
      await withClient(flags, async (client) => {
        try {
          const created = await new Admin(client).createTopic({
            name: topicName, partitions: flags.partitions, replicationFactor: flags.replicationFactor, configs,
          });
          print(out, flags.json, { topic: topicName, ...created }, () => `Created topic ${topicName}.\n`);
        } catch (err) {
          if (flags.ifNotExists === true && (err as { errorName?: string }).errorName === 'TOPIC_ALREADY_EXISTS') {
            print(out, flags.json, { topic: topicName, existed: true }, () => '');
            return;
          }
          throw err;
        }
      });
    }));

  examples(clientOptions(topic.command('list')), ['millrace topic list', 'millrace topic list --exclude-internal --json'])
    .description('list topic names, one per line')
    .option('--exclude-internal', 'leave out internal topics (__consumer_offsets)')
    .action(action(async (flags: ListFlags) => {
      await withClient(flags, async (client) => {
        const names = await new Admin(client).listTopics(flags.excludeInternal !== true);
        print(out, flags.json, names, (n) => n.map((t) => `${t}\n`).join(''));
      });
    }));

  examples(clientOptions(topic.command('describe')), ['millrace topic describe orders', 'millrace topic describe --json'])
    .description('partitions with leader, replicas, ISR and log start/end offsets (every topic without a name)')
    .argument('[name]', 'the topic (default: every topic)')
    .option('--topic <name>', 'the topic (as kafka-topics.sh names it)')
    .action(action(async (name: string | undefined, flags: TopicFlags) => {
      await withClient(flags, async (client) => {
        const admin = new Admin(client);
        const names = name === undefined && flags.topic === undefined
          ? await admin.listTopics(true)
          : [oneTopic(name, flags.topic)];
        const described: DescribedTopic[] = [];
        for (const t of await admin.describeTopics(names)) described.push(await describeFully(client, admin, t));
        print(out, flags.json, name === undefined && flags.topic === undefined ? described : described[0], () => described.map(formatTopic).join(''));
      });
    }));

  examples(clientOptions(topic.command('delete')), ['millrace topic delete orders'])
    .description('delete a topic and its data')
    .argument('[name]', 'the topic')
    .option('--topic <name>', 'the topic (as kafka-topics.sh names it)')
    .option('--if-exists', 'succeed when the topic does not exist')
    .action(action(async (name: string | undefined, flags: TopicFlags) => {
      const topicName = oneTopic(name, flags.topic);
      await withClient(flags, async (client) => {
        try {
          await new Admin(client).deleteTopic(topicName);
          print(out, flags.json, { topic: topicName, deleted: true }, () => `Deleted topic ${topicName}.\n`);
        } catch (err) {
          if (flags.ifExists === true && (err as { errorName?: string }).errorName === 'UNKNOWN_TOPIC_OR_PARTITION') {
            print(out, flags.json, { topic: topicName, deleted: false }, () => '');
            return;
          }
          throw err;
        }
      });
    }));

  examples(clientOptions(topic.command('alter')), ['millrace topic alter orders --partitions 12'])
    .description('add partitions to a topic')
    .argument('[name]', 'the topic')
    .option('--topic <name>', 'the topic (as kafka-topics.sh names it)')
    .requiredOption('--partitions <n>', 'the new partition count (only grows)', intArg('--partitions', { positive: true }))
    .action(action(async (name: string | undefined, flags: AlterFlags) => {
      const topicName = oneTopic(name, flags.topic);
      await withClient(flags, async (client) => {
        await new Admin(client).createPartitions(topicName, flags.partitions);
        print(out, flags.json, { topic: topicName, partitions: flags.partitions },
          () => `Topic ${topicName} now has ${flags.partitions} partitions.\n`);
      });
    }));
}

async function describeFully(client: KafkaClient, admin: Admin, t: TopicDescription): Promise<DescribedTopic> {
  const configs: Record<string, string | null> = {};
  for (const c of await admin.describeConfigs(ResourceType.TOPIC, t.name)) {
    if (c.source === 'DYNAMIC_TOPIC_CONFIG') configs[c.name] = c.value;
  }
  const ids = t.partitions.map((p) => p.partition);
  const [start, end] = await Promise.all([
    listOffsets(client, t.name, ids, -2n),
    listOffsets(client, t.name, ids, -1n),
  ]);
  return {
    ...t,
    replicationFactor: t.partitions[0]?.replicas.length ?? 0,
    configs,
    partitions: t.partitions.map((p) => ({
      ...p, logStartOffset: start.get(p.partition) ?? null, logEndOffset: end.get(p.partition) ?? null,
    })),
  };
}

/** kafka-topics.sh --describe's layout, with each partition's leader epoch and log start and end offsets. */
export function formatTopic(t: DescribedTopic): string {
  const configs = Object.entries(t.configs).map(([k, v]) => `${k}=${v ?? ''}`).join(',');
  let s = `Topic: ${t.name}\tTopicId: ${t.topicId}\tPartitionCount: ${t.partitions.length}\tReplicationFactor: ${t.replicationFactor}\tConfigs: ${configs}\n`;
  for (const p of t.partitions) {
    s += `\tTopic: ${t.name}\tPartition: ${p.partition}\tLeader: ${p.leader < 0 ? 'none' : p.leader}\tLeaderEpoch: ${p.leaderEpoch}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}` +
      `\tLogStartOffset: ${p.logStartOffset ?? '-'}\tLogEndOffset: ${p.logEndOffset ?? '-'}` +
      (p.offline.length > 0 ? `\tOffline: ${p.offline.join(',')}` : '') + (p.error !== null ? `\tError: ${p.error}` : '') + '\n';
  }
  return s;
}
