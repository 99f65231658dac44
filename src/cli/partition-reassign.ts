/**
 * `millrace partition reassign`: what kafka-reassign-partitions.sh does with a reassignment
 * file (`--reassignment-json-file` with `--execute`, `--verify` or `--cancel`) and `--list`,
 * with its file format ({"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2]}]})
 * and its reports, and `--throttle` (reassign-throttle.ts). A partition the brokers refuse makes the exit code 1.
 */
import type { Command } from 'commander';
import { Admin } from '../client/admin.js';
import { alterPartitionReassignments, listPartitionReassignments } from '../client/partition-admin.js';
import type { OngoingReassignment } from '../common/partition-reassignment.js';
import { action, clientOptions, CliError, examples, readPartitionsList, withClient, type ClientFlags } from './options.js';
import { print, type Out } from './output.js';
import { clearAllThrottles, setReassignmentThrottle, VERIFY_PERIODICALLY } from './reassign-throttle.js';

interface ReassignFlags extends ClientFlags {
  reassignmentJsonFile?: string;
  execute?: boolean;
  verify?: boolean;
  cancel?: boolean;
  list?: boolean;
  throttle?: string;
}

export interface Target {
  topic: string;
  partition: number;
  replicas: number[];
}

export function registerReassign(partition: Command, out: Out): void {
  examples(clientOptions(partition.command('reassign')), [
    'millrace partition reassign --reassignment-json-file move.json --execute',
    'millrace partition reassign --reassignment-json-file move.json --execute --throttle 50000000',
    'millrace partition reassign --reassignment-json-file move.json --verify',
    'millrace partition reassign --reassignment-json-file move.json --cancel',
    'millrace partition reassign --list',
  ])
    .description('move partition replicas between brokers (kafka-reassign-partitions.sh)')
    .option('--reassignment-json-file <file>', 'the targets: {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2]}]}')
    .option('--execute', 'start the reassignments of the file')
    .option('--verify', 'report whether the reassignments of the file completed')
    .option('--cancel', 'cancel the ongoing reassignments of the file')
    .option('--list', 'list the ongoing reassignments')
    .option('--throttle <bytes/s>', 'with --execute: limit the replication of the moving partitions to this rate until --verify sees them done')
    .action(action(async (flags: ReassignFlags) => {
      const actions = [flags.execute, flags.verify, flags.cancel, flags.list].filter((f) => f === true).length;
      if (actions !== 1) throw new CliError('give exactly one of --execute, --verify, --cancel or --list');
      if (flags.list === true) {
        await withClient(flags, async (client) => {
          const ongoing = await listPartitionReassignments(client, null);
          print(out, flags.json, ongoing, formatList);
        });
        return;
      }
      if (flags.reassignmentJsonFile === undefined) throw new CliError('--execute, --verify and --cancel need --reassignment-json-file');
      const throttle = flags.throttle === undefined ? -1 : Number(flags.throttle);
      if (flags.throttle !== undefined && (flags.execute !== true || !Number.isSafeInteger(throttle) || throttle < 0)) {
        throw new CliError('--throttle takes a number of bytes per second, with --execute');
      }
      const targets = readReassignmentFile(flags.reassignmentJsonFile);
      await withClient(flags, async (client) => {
        if (flags.execute === true) await execute(client, targets, throttle, flags.json, out);
        else if (flags.verify === true) await verify(client, targets, flags.json, out);
        else await cancel(client, targets, flags.json, out);
      });
    }));
}

type Client = Parameters<typeof listPartitionReassignments>[0];
const name = (p: { topic: string; partition: number }) => `${p.topic}-${p.partition}`;

async function execute(client: Client, targets: readonly Target[], throttle: number, json: boolean | undefined, out: Out): Promise<void> {
  const current = await currentAssignment(client, targets);
  // As kafka-reassign-partitions.sh: the throttles first, from the replicas before the move.
  const throttled = throttle < 0 ? '' : `${VERIFY_PERIODICALLY}\n` + await setReassignmentThrottle(
    new Admin(client),
    targets.map((t, i) => ({ topic: t.topic, partition: t.partition, sources: current[i]!.replicas, destinations: t.replicas })),
    throttle,
  );
  const outcomes = await alterPartitionReassignments(client, targets);
  const failed = outcomes.filter((o) => o.error !== null);
  print(out, json, { current, outcomes }, () => {
    let s = `Current partition replica assignment\n\n${JSON.stringify({ version: 1, partitions: current.map((c) => ({ ...c, log_dirs: c.replicas.map(() => 'any') })) })}\n\n`;
    s += 'Save this to use as the --reassignment-json-file option during rollback\n';
    s += throttled;
    const started = outcomes.filter((o) => o.error === null);
    if (started.length > 0) s += `Successfully started partition reassignment${started.length === 1 ? '' : 's'} for ${started.map(name).join(',')}\n`;
    if (failed.length > 0) s += `Error reassigning partition(s):\n${failed.map((o) => `${name(o)}: ${o.message ?? o.error}\n`).join('')}`;
    return s;
  });
  if (failed.length > 0) process.exitCode = 1;
}

async function verify(client: Client, targets: readonly Target[], json: boolean | undefined, out: Out): Promise<void> {
  const ongoing = new Set((await listPartitionReassignments(client, targets)).map(name));
  const current = new Map((await currentAssignment(client, targets)).map((c) => [name(c), c.replicas]));
  const status = targets.map((t) => {
    const replicas = current.get(name(t)) ?? [];
    const state = ongoing.has(name(t)) ? 'in progress' : replicas.join() === t.replicas.join() ? 'completed' : 'different';
    return { topic: t.topic, partition: t.partition, state, replicas };
  });
  // Nothing in progress: the throttles a reassignment may have set go (Kafka's clearAllThrottles).
  const cleared = status.some((s) => s.state === 'in progress') ? '' : await clearAllThrottles(new Admin(client), targets);
  print(out, json, status, (list) => 'Status of partition reassignment:\n' + list.map((s, i) => {
    if (s.state === 'in progress') return `Reassignment of partition ${name(s)} is still in progress.\n`;
    if (s.state === 'completed') return `Reassignment of partition ${name(s)} is completed.\n`;
    return `There is no active reassignment of partition ${name(s)}, but replica set is [${s.replicas.join(', ')}] rather than [${targets[i]!.replicas.join(', ')}].\n`;
  }).join('') + cleared);
  if (status.some((s) => s.state === 'different')) process.exitCode = 1;
}

async function cancel(client: Client, targets: readonly Target[], json: boolean | undefined, out: Out): Promise<void> {
  const outcomes = await alterPartitionReassignments(client, targets.map((t) => ({ topic: t.topic, partition: t.partition, replicas: null })));
  const cancelled = outcomes.filter((o) => o.error === null);
  const failed = outcomes.filter((o) => o.error !== null);
  print(out, json, outcomes, () => {
    let s = '';
    if (cancelled.length > 0) s += `Successfully cancelled partition reassignment${cancelled.length === 1 ? '' : 's'} for: ${cancelled.map(name).join(',')}\n`;
    if (failed.length > 0) s += `Error cancelling partition reassignment(s):\n${failed.map((o) => `${name(o)}: ${o.message ?? o.error}\n`).join('')}`;
    return s;
  });
  if (failed.length > 0) process.exitCode = 1;
}

/** The replicas the brokers report now for the partitions of `targets`. */
async function currentAssignment(client: Client, targets: readonly Target[]): Promise<Target[]> {
  const topics = [...new Set(targets.map((t) => t.topic))];
  const described = new Map((await new Admin(client).describeTopics(topics)).map((t) => [t.name, t]));
  return targets.map((t) => ({ topic: t.topic, partition: t.partition, replicas: described.get(t.topic)?.partitions.find((p) => p.partition === t.partition)?.replicas ?? [] }));
}

export function formatList(ongoing: readonly OngoingReassignment[]): string {
  if (ongoing.length === 0) return 'No partition reassignments found.\n';
  return 'Current partition reassignments:\n' + ongoing.map((o) => `${name(o)}: replicas: ${o.replicas.join(',')}. adding: ${o.addingReplicas.join(',')}. removing: ${o.removingReplicas.join(',')}.\n`).join('');
}

/** kafka-reassign-partitions.sh's reassignment file; duplicates and malformed entries refused. */
export function readReassignmentFile(file: string): Target[] {
  const list = readPartitionsList(file);
  if (list === undefined || list.length === 0) throw new CliError(`${file}: expected {"version":1,"partitions":[{"topic":...,"partition":...,"replicas":[...]}]}`);
  const seen = new Set<string>();
  return list.map((e: unknown) => {
    const { topic, partition, replicas } = (e ?? {}) as { topic?: unknown; partition?: unknown; replicas?: unknown };
    const ints = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isInteger(x));
    if (typeof topic !== 'string' || !Number.isInteger(partition) || !ints(replicas)) throw new CliError(`${file}: each entry needs a "topic", an integer "partition" and "replicas" (broker ids)`);
    const t = { topic, partition: partition as number, replicas };
    if (seen.has(name(t))) throw new CliError(`${file}: duplicate partition ${name(t)}`);
    seen.add(name(t));
    return t;
  });
}
