/**
 * `millrace group list|describe|delete|reset-offsets`: kafka-consumer-groups.sh, with its
 * table layout and its rules (offsets are reset only in groups without active members, and
 * only with `--execute`; the default is a dry run).
 */
import { Command, Option } from 'commander';
import { Admin, type GroupDescription, type ListedGroup } from '../client/admin.js';
import type { KafkaClient } from '../client/client.js';
import { listOffsets } from '../client/offsets.js';
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

export function registerGroup(program: Command, out: Out = process.stdout): void {
  const group = program.command('group').description('list, describe, delete consumer groups and reset their offsets (kafka-consumer-groups.sh)');

  examples(clientOptions(group.command('list')), ['millrace group list', 'millrace group list --json'])
    .description('every group of the cluster with its type and state')
    .action(action(async (flags: ClientFlags) => {
      await withClient(flags, async (client) => {
        const groups = await new Admin(client).listGroups();
        print(out, flags.json, groups, formatGroupList);
      });
    }));

  examples(clientOptions(group.command('describe')), ['millrace group describe billing', 'millrace group describe billing --json'])
    .description('members, assignments, committed offsets, log end offsets and lag per partition')
    .argument('<group>', 'the group id')
    .action(action(async (groupId: string, flags: ClientFlags) => {
      await withClient(flags, async (client) => {
        const report = await describeGroupReport(client, groupId);
        print(out, flags.json, report, formatGroupReport);
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
  ])
    .description('move the committed offsets of an inactive group (a dry run unless --execute)')
    .argument('<group>', 'the group id')
    .option('--topic <topic[:partitions]>', 'a topic, optionally with partitions: orders or orders:0,2 (repeatable)', collect)
    .option('--all-topics', 'every topic the group has committed offsets for')
    .option('--execute', 'commit the new offsets')
    .option('--dry-run', 'only show the new offsets (the default)');
  const strategies = [
    new Option('--to-earliest', 'the log start offset'),
    new Option('--to-latest', 'the log end offset'),
    new Option('--to-current', 'the committed offset (no change)'),
    new Option('--to-datetime <iso>', 'the first offset at or after a time, e.g. 2026-01-01T00:00:00.000Z'),
    new Option('--to-offset <n>', 'an offset (kept within the log)').argParser(bigintArg('--to-offset')),
    new Option('--shift-by <n>', 'the committed offset plus n (negative moves back)').argParser(bigintArg('--shift-by')),
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
}

function formatGroupList(groups: ListedGroup[]): string {
  return table(['GROUP', 'TYPE', 'STATE', 'PROTOCOL-TYPE'], groups.map((g) => [g.groupId, g.type || '-', g.state || '-', g.protocolType || '-']));
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

/** Computes (and with --execute commits) the new offsets, as kafka-consumer-groups.sh --reset-offsets. */
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
  const admin = new Admin(client);
  const g = await admin.describeGroup(groupId);
  if (g.state !== 'Empty' && g.state !== 'Dead') {
    throw new CliError(`assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${g.state}`);
  }
  const committed = await admin.fetchOffsets(groupId);
  // topic → partitions to reset
  const targets = new Map<string, number[]>();
  if (flags.allTopics === true) {
    for (const [topic, parts] of committed) targets.set(topic, [...parts.keys()].sort((a, b) => a - b));
  } else {
    for (const spec of topicSpecs) {
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
