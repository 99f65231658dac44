/**
 * `millrace group list|describe|delete|reset-offsets|delete-offsets`: kafka-consumer-groups.sh,
 * kafka-share-groups.sh and kafka-streams-groups.sh in one, with their table layouts and rules
 * (offsets are reset only in groups without active members, and only with `--execute`; the
 * default is a dry run). A group's kind decides what describe shows: classic and consumer
 * groups their members and lag per partition, share and streams groups the view their own
 * Kafka tool prints (offsets by default, --members, --state, --verbose).
 */
import { Command, Option } from 'commander';
import { Admin, type GroupDescription, type ListedGroup } from '../client/admin.js';
import type { KafkaClient } from '../client/client.js';
import { deleteCommittedOffsets } from '../client/offset-delete.js';
import { listOffsets } from '../client/offsets.js';
import { deleteShareGroupOffsets, describeShareGroup } from '../client/share-group-admin.js';
import { describeStreamsGroup } from '../client/streams-group-admin.js';
import { formatDeleteOffsets, formatShareGroup, resetShareOffsets, shareGroupReport, type DescribeView, type ShareGroupReport } from './group-share.js';
import { formatStreamsGroup, streamsGroupReport, type StreamsGroupReport } from './group-streams.js';
import { action, bigintArg, clientOptions, CliError, collect, examples, withClient, type ClientFlags } from './options.js';
import { print, table, type Out } from './output.js';

export interface PartitionLag {
  topic: string;
  partition: number;
  currentOffset: bigint | null;
  logEndOffset: bigint | null;
  lag: bigint | null;
  consumerId: string | null;
  host: string | null;
  clientId: string | null;
}

export interface GroupReport extends GroupDescription {
  partitions: PartitionLag[];
}

interface ListFlags extends ClientFlags {
  type?: string[];
  state?: string[];
}

interface DescribeFlags extends ClientFlags {
  members?: boolean;
  state?: boolean;
  offsets?: boolean;
  verbose?: boolean;
}

interface ResetFlags extends ClientFlags {
  topic?: string[];
  allTopics?: boolean;
  toEarliest?: boolean;
  toLatest?: boolean;
  toDatetime?: string;
  toOffset?: bigint;
  shiftBy?: bigint;
  toCurrent?: boolean;
  execute?: boolean;
  dryRun?: boolean;
}

/** ListGroups' group types (Kafka's GroupType) and group states (GroupState), as --type and --state take them. */
const GROUP_TYPES = ['classic', 'consumer', 'share', 'streams'];
const GROUP_STATES = ['PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty', 'Assigning', 'Reconciling', 'NotReady'];

/** Comma-separated, repeatable values checked against Kafka's names (case-insensitive, as Kafka parses them). */
function namesArg(flag: string, known: readonly string[]) {
  return (value: string, previous: string[] | undefined): string[] => {
    const out = [...(previous ?? [])];
    for (const v of value.split(',').map((x) => x.trim()).filter((x) => x !== '')) {
      const name = known.find((k) => k.toLowerCase() === v.toLowerCase());
      if (name === undefined) throw new CliError(`${flag} ${v}: expected one of ${known.join(', ')}`);
      out.push(name);
    }
    return out;
  };
}

/** A group described by its kind: classic and consumer groups as before, share and streams their own way. */
export type AnyGroupReport = ({ type: 'classic' | 'consumer' } & GroupReport) | ShareGroupReport | StreamsGroupReport;

export function registerGroup(program: Command, out: Out = process.stdout): void {
  const group = program.command('group').description('list, describe, delete groups (consumer, share, streams) and reset or delete their offsets');

  examples(clientOptions(group.command('list')), [
    'millrace group list',
    'millrace group list --type share,streams',
    'millrace group list --state Stable --json',
  ])
    .description('every group of the cluster with its type and state')
    .option('--type <types>', `only groups of these types, comma-separated: ${GROUP_TYPES.join(', ')} (repeatable)`, namesArg('--type', GROUP_TYPES))
    .option('--state <states>', `only groups in these states, comma-separated: ${GROUP_STATES.join(', ')} (repeatable)`, namesArg('--state', GROUP_STATES))
    .action(action(async (flags: ListFlags) => {
      await withClient(flags, async (client) => {
        const groups = await new Admin(client).listGroups({ types: flags.type, states: flags.state });
        print(out, flags.json, groups, formatGroupList);
      });
    }));

  examples(clientOptions(group.command('describe')), [
    'millrace group describe billing',
    'millrace group describe workers --members --verbose     # a share group: its members, as kafka-share-groups.sh',
    'millrace group describe wordcount --state               # a streams group: coordinator, assignor, state',
    'millrace group describe billing --json',
  ])
    .description('classic and consumer groups: members, assignments, committed offsets, log end offsets and lag per partition; share groups: '
      + 'start offset and lag per share-partition (kafka-share-groups.sh --describe); streams groups: offset lag of the partitions their tasks read '
      + '(kafka-streams-groups.sh --describe)')
    .argument('<group>', 'the group id')
    .addOption(new Option('--members', 'share and streams groups: the members and their assignments').conflicts(['state', 'offsets']))
    .addOption(new Option('--state', 'share and streams groups: coordinator, state and member count').conflicts(['members', 'offsets']))
    .addOption(new Option('--offsets', 'share and streams groups: the offsets (the default)').conflicts(['members', 'state']))
    .option('--verbose', 'share and streams groups: the extra columns of --verbose (epochs, leader epochs, log end offsets)')
    .action(action(async (groupId: string, flags: DescribeFlags) => {
      const view: DescribeView = flags.members === true ? 'members' : flags.state === true ? 'state' : 'offsets';
      await withClient(flags, async (client) => {
        const report = await describeAnyGroup(client, groupId, view);
        print(out, flags.json, report, (r) => formatAnyGroup(r, view, flags.verbose === true));
      });
    }));

  examples(clientOptions(group.command('delete')), ['millrace group delete billing', 'millrace group delete billing old-billing'])
    .description('delete groups and their committed offsets (they must have no members)')
    .argument('<groups...>', 'group ids')
    .action(action(async (groupIds: string[], flags: ClientFlags) => {
      await withClient(flags, async (client) => {
        const results = await new Admin(client).deleteGroups(groupIds);
        const failed = [...results].filter(([, e]) => e !== null);
        print(out, flags.json, Object.fromEntries(results), () => failed.length === results.size ? ''
          : `Deletion of requested consumer groups (${[...results].filter(([, e]) => e === null).map(([g]) => `'${g}'`).join(', ')}) was successful.\n`);
        if (failed.length > 0) {
          throw new CliError(failed.map(([g, e]) => `deleting group ${g}: ${e}${e === 'NON_EMPTY_GROUP' ? ' (the group still has members)' : ''}`).join('; '));
        }
      });
    }));

  const reset = examples(clientOptions(group.command('reset-offsets')), [
    'millrace group reset-offsets billing --topic orders --to-earliest            # dry run: shows the new offsets',
    'millrace group reset-offsets billing --topic orders --to-earliest --execute',
    'millrace group reset-offsets billing --topic orders:0,1 --shift-by -10 --execute',
    'millrace group reset-offsets billing --all-topics --to-datetime 2026-01-01T00:00:00Z --execute',
    'millrace group reset-offsets workers --topic jobs --to-latest --execute     # a share group: its start offsets',
  ])
    .description('move the committed offsets of an inactive group, or the start offsets of an empty share group (a dry run unless --execute)')
    .argument('<group>', 'the group id')
    .option('--topic <topic[:partitions]>', 'a topic, optionally with partitions: orders or orders:0,2 (repeatable)', collect)
    .option('--all-topics', 'every topic the group has committed offsets (a share group: state) for')
    .option('--execute', 'commit the new offsets')
    .option('--dry-run', 'only show the new offsets (the default)');
  const strategies = [
    new Option('--to-earliest', 'the log start offset'),
    new Option('--to-latest', 'the log end offset'),
    new Option('--to-current', 'the committed offset (no change)'),
    new Option('--to-datetime <iso>', 'the first offset at or after a time, e.g. 2026-01-01T00:00:00.000Z'),
    new Option('--to-offset <n>', 'an offset (kept within the log)').argParser(bigintArg('--to-offset')),
    new Option('--shift-by <n>', 'the committed offset plus n (negative moves back; not for share groups)').argParser(bigintArg('--shift-by')),
  ];
  const names = strategies.map((o) => o.attributeName());
  for (const o of strategies) reset.addOption(o.conflicts(names.filter((n) => n !== o.attributeName())));
  reset.action(action(async (groupId: string, flags: ResetFlags) => {
    await withClient(flags, async (client) => {
      const plan = await resetOffsets(client, groupId, flags);
      print(out, flags.json, plan.map((p) => ({ group: groupId, ...p })), (rows) =>
        table(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], rows.map((p) => [groupId, p.topic, p.partition, p.newOffset])));
    });
  }));

  examples(clientOptions(group.command('delete-offsets')), [
    'millrace group delete-offsets billing --topic orders            # every partition of orders',
    'millrace group delete-offsets billing --topic orders:0,1',
    'millrace group delete-offsets workers --topic jobs              # a share group: its state for the topic',
  ])
    .description('delete committed offsets of partitions no member consumes (kafka-consumer-groups.sh --delete-offsets); '
      + 'of a share group, its state for whole topics (kafka-share-groups.sh --delete-offsets; the group must have no members)')
    .argument('<group>', 'the group id')
    .requiredOption('--topic <topic[:partitions]>', 'a topic, optionally with partitions: orders or orders:0,2 (repeatable)', collect)
    .action(action(async (groupId: string, flags: ClientFlags & { topic: string[] }) => {
      await withClient(flags, async (client) => {
        if (await describeShareGroup(client, groupId) !== null) {
          const partial = flags.topic.find((t) => t.includes(':'));
          if (partial !== undefined) throw new CliError(`--topic ${partial}: a share group's state is deleted for whole topics`);
          const results = await deleteShareGroupOffsets(client, groupId, flags.topic);
          print(out, flags.json, Object.fromEntries(results), () => formatDeleteOffsets(results));
          const failed = [...results].filter(([, e]) => e !== null);
          if (failed.length > 0) throw new CliError(`deleting offsets of share group ${groupId}: ${failed.map(([t, e]) => `${t}: ${e}`).join('; ')}`);
          return;
        }
        const results = await deleteCommittedOffsets(client, groupId, await topicPartitions(client, flags.topic));
        print(out, flags.json, results, (rows) => table(['TOPIC', 'PARTITION', 'STATUS'], rows.map((r) => [r.topic, r.partition, r.error === null ? 'Successful' : `Error: ${r.error}`])));
        const failed = results.filter((r) => r.error !== null);
        if (failed.length > 0) throw new CliError(`deleting offsets of group ${groupId}: ${failed.map((r) => `${r.topic}-${r.partition}: ${r.error}`).join('; ')}`);
      });
    }));
}

function formatGroupList(groups: ListedGroup[]): string {
  return table(['GROUP', 'TYPE', 'STATE', 'PROTOCOL-TYPE'], groups.map((g) => [g.groupId, g.type || '-', g.state || '-', g.protocolType || '-']));
}

/** Finds the group's kind (share, streams, else consumer or classic) and describes it accordingly. */
export async function describeAnyGroup(client: KafkaClient, groupId: string, view: DescribeView): Promise<AnyGroupReport> {
  const share = await describeShareGroup(client, groupId);
  if (share !== null) return shareGroupReport(client, share, view);
  const streams = await describeStreamsGroup(client, groupId);
  if (streams !== null) return streamsGroupReport(client, streams, view);
  const report = await describeGroupReport(client, groupId);
  return { ...report, type: report.type === 'consumer' ? 'consumer' : 'classic' };
}

export function formatAnyGroup(r: AnyGroupReport, view: DescribeView, verbose: boolean): string {
  if (r.type === 'share') return formatShareGroup(r, view, verbose);
  if (r.type === 'streams') return formatStreamsGroup(r, view, verbose);
  return formatGroupReport(r);
}

/** The group's state and members with, per partition, committed offset, log end and lag. */
export async function describeGroupReport(client: KafkaClient, groupId: string): Promise<GroupReport> {
  const admin = new Admin(client);
  const g = await admin.describeGroup(groupId);
  if (g.state === 'Dead') throw new CliError(`consumer group '${groupId}' does not exist`);
  const committed = await admin.fetchOffsets(groupId);
  // every partition someone owns or the group committed for
  const owners = new Map<string, GroupDescription['members'][number]>();
  const keys = new Map<string, Set<number>>();
  const note = (topic: string, p: number) => {
    let s = keys.get(topic);
    if (s === undefined) keys.set(topic, (s = new Set()));
    s.add(p);
  };
  for (const m of g.members) for (const tp of m.assignment) for (const p of tp.partitions) {
    owners.set(`${tp.topic}\0${p}`, m);
    note(tp.topic, p);
  }
  for (const [topic, parts] of committed) for (const p of parts.keys()) note(topic, p);
  const partitions: PartitionLag[] = [];
  for (const topic of [...keys.keys()].sort()) {
    const ids = [...keys.get(topic)!].sort((a, b) => a - b);
    let ends: Map<number, bigint>;
    try {
      ends = await listOffsets(client, topic, ids, -1n);
    } catch {
      ends = new Map(); // a deleted topic still has committed offsets until they expire
    }
    for (const p of ids) {
      const cur = committed.get(topic)?.get(p) ?? null;
      const end = ends.get(p) ?? null;
      const m = owners.get(`${topic}\0${p}`);
      partitions.push({
        topic, partition: p, currentOffset: cur, logEndOffset: end,
        lag: cur !== null && end !== null ? (end > cur ? end - cur : 0n) : null,
        consumerId: m?.memberId ?? null, host: m?.host ?? null, clientId: m?.clientId ?? null,
      });
    }
  }
  return { ...g, partitions };
}

export function formatGroupReport(r: GroupReport): string {
  let s = `Group: ${r.groupId}  Type: ${r.type}  State: ${r.state}  Assignor: ${r.assignor || '-'}  Coordinator: ${r.coordinator}  Members: ${r.members.length}\n\n`;
  if (r.members.length === 0) s += `Consumer group '${r.groupId}' has no active members.\n\n`;
  const rows: unknown[][] = r.partitions.map((p) => [
    r.groupId, p.topic, p.partition, p.currentOffset, p.logEndOffset, p.lag, p.consumerId, p.host, p.clientId,
  ]);
  // members that own nothing still show, as kafka-consumer-groups.sh shows them
  for (const m of r.members) {
    if (m.assignment.every((tp) => tp.partitions.length === 0)) rows.push([r.groupId, '-', '-', '-', '-', '-', m.memberId, m.host, m.clientId]);
  }
  s += table(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'], rows);
  return s;
}

export interface ResetRow {
  topic: string;
  partition: number;
  currentOffset: bigint | null;
  newOffset: bigint;
}

/** --topic specs (TOPIC or TOPIC:P1,P2) as topic → partitions; a bare topic means all its partitions. */
async function topicPartitions(client: KafkaClient, specs: readonly string[]): Promise<Map<string, number[]>> {
  const targets = new Map<string, number[]>();
  for (const spec of specs) {
    const i = spec.indexOf(':');
    const topic = i < 0 ? spec : spec.slice(0, i);
    let parts: number[];
    if (i < 0) {
      parts = [...(await client.leaders(topic)).keys()].sort((a, b) => a - b);
    } else {
      parts = spec.slice(i + 1).split(',').map((s) => {
        const n = Number(s);
        if (s.trim() === '' || !Number.isInteger(n) || n < 0) throw new CliError(`--topic ${spec}: expected TOPIC or TOPIC:P1,P2`);
        return n;
      });
      const known = await client.leaders(topic);
      for (const p of parts) if (!known.has(p)) throw new CliError(`--topic ${spec}: ${topic} has no partition ${p}`);
    }
    targets.set(topic, parts);
  }
  return targets;
}

/**
 * Computes (and with --execute commits) the new offsets, as kafka-consumer-groups.sh
 * --reset-offsets; for a share group its start offsets, as kafka-share-groups.sh --reset-offsets.
 */
export async function resetOffsets(client: KafkaClient, groupId: string, flags: ResetFlags): Promise<ResetRow[]> {
  const chosen = [flags.toEarliest, flags.toLatest, flags.toCurrent, flags.toDatetime, flags.toOffset, flags.shiftBy].filter((x) => x !== undefined);
  if (chosen.length !== 1) {
    throw new CliError('choose one of --to-earliest, --to-latest, --to-current, --to-datetime, --to-offset, --shift-by');
  }
  const topicSpecs = flags.topic ?? [];
  if ((topicSpecs.length > 0) === (flags.allTopics === true)) throw new CliError('give --topic (repeatable) or --all-topics');
  if (flags.execute === true && flags.dryRun === true) throw new CliError('--execute and --dry-run exclude each other');
  let datetime: bigint | undefined;
  if (flags.toDatetime !== undefined) {
    const ms = Date.parse(flags.toDatetime);
    if (Number.isNaN(ms)) throw new CliError(`--to-datetime ${flags.toDatetime}: not an ISO-8601 time such as 2026-01-01T00:00:00.000Z`);
    datetime = BigInt(ms);
  }
  const share = await describeShareGroup(client, groupId);
  if (share !== null) return resetShareOffsets(client, share, flags, (specs) => topicPartitions(client, specs), datetime);
  const admin = new Admin(client);
  const g = await admin.describeGroup(groupId);
  if (g.state !== 'Empty' && g.state !== 'Dead') {
    throw new CliError(`assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${g.state}`);
  }
  const committed = await admin.fetchOffsets(groupId);
  // topic → partitions to reset
  let targets = new Map<string, number[]>();
  if (flags.allTopics === true) {
    for (const [topic, parts] of committed) targets.set(topic, [...parts.keys()].sort((a, b) => a - b));
  } else {
    targets = await topicPartitions(client, topicSpecs);
  }
  const rows: ResetRow[] = [];
  const toCommit = new Map<string, Map<number, bigint>>();
  for (const [topic, parts] of targets) {
    const [earliest, latest] = await Promise.all([listOffsets(client, topic, parts, -2n), listOffsets(client, topic, parts, -1n)]);
    const byTime = datetime === undefined ? undefined : await listOffsets(client, topic, parts, datetime);
    const m = new Map<number, bigint>();
    for (const p of parts) {
      const lo = earliest.get(p) ?? 0n;
      const hi = latest.get(p) ?? 0n;
      const cur = committed.get(topic)?.get(p) ?? null;
      let next: bigint;
      if (flags.toEarliest === true) next = lo;
      else if (flags.toLatest === true) next = hi;
      else if (byTime !== undefined) {
        const at = byTime.get(p);
        next = at === undefined || at < 0n ? hi : at; // no record that late: the end
      } else if (flags.toOffset !== undefined) next = flags.toOffset;
      else {
        if (cur === null) {
          throw new CliError(`cannot ${flags.shiftBy !== undefined ? 'shift' : 'keep'} the offset of ${topic}-${p}: the group has no committed offset for it`);
        }
        next = cur + (flags.shiftBy ?? 0n);
      }
      next = next < lo ? lo : next > hi ? hi : next;
      m.set(p, next);
      rows.push({ topic, partition: p, currentOffset: cur, newOffset: next });
    }
    toCommit.set(topic, m);
  }
  if (flags.execute === true) await admin.commitOffsets(groupId, toCommit);
  return rows;
}
