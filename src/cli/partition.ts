/**
 * `millrace partition elect-leaders` (and `reassign`, partition-reassign.ts): what kafka-leader-election.sh does, with its flags
 * (`--election-type`, `--topic` with `--partition`, `--all-topic-partitions`,
 * `--path-to-json-file`) and its report: partitions elected, those whose preferred (or any)
 * leader already leads, and one line per failure, which makes the exit code 1. Like Kafka's,
 * it prints nothing when asked for every partition and none needed an election.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { electLeaders, ElectionType, type ElectionOutcome } from '../client/partition-admin.js';
import { action, clientOptions, CliError, examples, intArg, readPartitionsList, withClient, type ClientFlags } from './options.js';
import { print, type Out } from './output.js';
import { registerReassign } from './partition-reassign.js';

interface ElectFlags extends ClientFlags {
  electionType: 'PREFERRED' | 'UNCLEAN';
  topic?: string;
  partition?: number;
  allTopicPartitions?: boolean;
  pathToJsonFile?: string;
}

type Ref = { topic: string; partition: number };

export function registerPartition(program: Command, out: Out = process.stdout): void {
  const partition = program.command('partition').description('partition leadership and replicas (kafka-leader-election.sh, kafka-reassign-partitions.sh)');
  registerReassign(partition, out);
  examples(clientOptions(partition.command('elect-leaders')), [
    'millrace partition elect-leaders --election-type preferred --all-topic-partitions',
    'millrace partition elect-leaders --election-type preferred --topic orders --partition 3',
    'millrace partition elect-leaders --election-type unclean --path-to-json-file partitions.json',
  ])
    .description('elect the preferred leaders (or, unclean, any live replica) of partitions')
    .addOption(new Option('--election-type <type>', 'PREFERRED or UNCLEAN (any case)').makeOptionMandatory().argParser(electionTypeArg))
    .option('--topic <name>', 'the topic of the partition to elect a leader for (with --partition)')
    .option('--partition <n>', 'the partition to elect a leader for (with --topic)', intArg('--partition'))
    .option('--all-topic-partitions', 'every partition of every topic')
    .option('--path-to-json-file <file>', 'the partitions as {"partitions":[{"topic":"t","partition":0}]}')
    .action(action(async (flags: ElectFlags) => {
      const refs = partitionsFrom(flags);
      const type = ElectionType[flags.electionType];
      await withClient(flags, async (client) => {
        const outcomes = await electLeaders(client, type, refs);
        print(out, flags.json, outcomes, (o) => formatElection(flags.electionType, o));
        if (outcomes.some((o) => o.error !== null && o.error !== 'ELECTION_NOT_NEEDED')) process.exitCode = 1;
      });
    }));
}

function electionTypeArg(value: string): 'PREFERRED' | 'UNCLEAN' {
  const upper = value.trim().toUpperCase();
  if (upper !== 'PREFERRED' && upper !== 'UNCLEAN') throw new InvalidArgumentError('--election-type must be PREFERRED or UNCLEAN');
  return upper;
}

/** The partitions the flags name; null for every partition. Exactly one way of naming them. */
function partitionsFrom(flags: ElectFlags): Ref[] | null {
  const ways = [flags.topic !== undefined || flags.partition !== undefined, flags.allTopicPartitions === true, flags.pathToJsonFile !== undefined].filter(Boolean).length;
  if (ways !== 1) throw new CliError('give exactly one of --topic with --partition, --all-topic-partitions or --path-to-json-file');
  if (flags.allTopicPartitions === true) return null;
  if (flags.pathToJsonFile !== undefined) return readPartitionsFile(flags.pathToJsonFile);
  if (flags.topic === undefined || flags.partition === undefined) throw new CliError('--topic and --partition go together');
  return [{ topic: flags.topic, partition: flags.partition }];
}

/** kafka-leader-election.sh's file: {"partitions": [{"topic": "t", "partition": 0}, ...]}, no duplicates. */
export function readPartitionsFile(file: string): Ref[] {
  const list = readPartitionsList(file);
  if (list === undefined) throw new CliError(`${file}: expected {"partitions": [{"topic": ..., "partition": ...}]}`);
  const seen = new Set<string>();
  return list.map((e: unknown) => {
    const { topic, partition } = (e ?? {}) as { topic?: unknown; partition?: unknown };
    if (typeof topic !== 'string' || typeof partition !== 'number' || !Number.isInteger(partition)) throw new CliError(`${file}: each entry needs a string "topic" and an integer "partition"`);
    const name = `${topic}-${partition}`;
    if (seen.has(name)) throw new CliError(`${file}: duplicate partition ${name}`);
    seen.add(name);
    return { topic, partition };
  });
}

/** LeaderElectionCommand's report. */
export function formatElection(type: string, outcomes: readonly ElectionOutcome[]): string {
  const name = (o: ElectionOutcome) => `${o.topic}-${o.partition}`;
  const elected = outcomes.filter((o) => o.error === null);
  const noop = outcomes.filter((o) => o.error === 'ELECTION_NOT_NEEDED');
  const failed = outcomes.filter((o) => o.error !== null && o.error !== 'ELECTION_NOT_NEEDED');
  let s = '';
  if (elected.length > 0) s += `Successfully completed leader election (${type}) for partitions ${elected.map(name).join(', ')}\n`;
  if (noop.length > 0) s += `Valid replica already elected for partitions ${noop.map(name).join(', ')}\n`;
  for (const o of failed) s += `Error completing leader election (${type}) for partition: ${name(o)}: ${o.error}${o.message === null ? '' : `: ${o.message}`}\n`;
  return s;
}
