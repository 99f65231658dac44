/**
 * Share groups in `millrace group`: what kafka-share-groups.sh --describe prints (ShareGroupCommand:
 * offsets by default, --members, --state, each with --verbose's extra columns), and its
 * --reset-offsets (to earliest, latest, a time, an offset, or the current start offset, only
 * for a group without members) and the table its --delete-offsets prints.
 */
import { listOffsets } from '../client/offsets.js';
import type { KafkaClient } from '../client/client.js';
import {
  alterShareGroupOffsets, shareGroupOffsets,
  type ShareGroupDescription, type SharePartitionOffset,
} from '../client/share-group-admin.js';
import { CliError } from './options.js';
import { table } from './output.js';

export interface ShareGroupReport {
  type: 'share';
  group: ShareGroupDescription;
  /** Start offset and lag per share-partition (what the default view shows). */
  offsets: SharePartitionOffset[];
}

export type DescribeView = 'offsets' | 'members' | 'state';

export async function shareGroupReport(client: KafkaClient, group: ShareGroupDescription, view: DescribeView): Promise<ShareGroupReport> {
  // A Dead group has no state to ask about; the members and state views need no offsets.
  const offsets = view === 'offsets' && group.state !== 'Dead' ? await shareGroupOffsets(client, group.groupId) : [];
  return { type: 'share', group, offsets };
}

/** The view kafka-share-groups.sh --describe prints, with ShareGroupCommand's columns and messages. */
export function formatShareGroup(r: ShareGroupReport, view: DescribeView, verbose: boolean): string {
  const g = r.group;
  if (g.state === 'Dead') return `Share group '${g.groupId}' does not exist.\n`;
  const idle = g.state === 'Empty' && g.members.length === 0 ? `\nShare group '${g.groupId}' has no active members.\n` : '';
  if (view === 'state') {
    const coordinator = `${g.coordinator.host}:${g.coordinator.port}  (${g.coordinator.id})`;
    return verbose
      ? table(['GROUP', 'COORDINATOR (ID)', 'STATE', 'GROUP-EPOCH', 'ASSIGNMENT-EPOCH', '#MEMBERS'],
        [[g.groupId, coordinator, g.state, g.groupEpoch, g.assignmentEpoch, g.members.length]])
      : table(['GROUP', 'COORDINATOR (ID)', 'STATE', '#MEMBERS'], [[g.groupId, coordinator, g.state, g.members.length]]);
  }
  if (view === 'members') {
    if (g.members.length === 0) return idle;
    const rows = g.members.map((m) => {
      const count = m.assignment.reduce((n, tp) => n + tp.partitions.length, 0);
      const assignment = m.assignment.map((tp) => `${tp.topic}:${tp.partitions.join(',')}`).join(';');
      return verbose ? [g.groupId, m.memberId, m.host, m.clientId, count, m.memberEpoch, assignment] : [g.groupId, m.memberId, m.host, m.clientId, count, assignment];
    });
    return table(verbose ? ['GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS', 'MEMBER-EPOCH', 'ASSIGNMENT'] : ['GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS', 'ASSIGNMENT'], rows);
  }
  if (r.offsets.length === 0) return `${idle}\nShare group '${g.groupId}' has no offset information.\n`;
  const rows = r.offsets.map((o) => verbose
    ? [g.groupId, o.topic, o.partition, o.leaderEpoch, o.startOffset, o.lag]
    : [g.groupId, o.topic, o.partition, o.startOffset, o.lag]);
  return idle + table(verbose ? ['GROUP', 'TOPIC', 'PARTITION', 'LEADER-EPOCH', 'START-OFFSET', 'LAG'] : ['GROUP', 'TOPIC', 'PARTITION', 'START-OFFSET', 'LAG'], rows);
}

export interface ShareResetFlags {
  topic?: string[];
  allTopics?: boolean;
  toEarliest?: boolean;
  toLatest?: boolean;
  toDatetime?: string;
  toOffset?: bigint;
  shiftBy?: bigint;
  toCurrent?: boolean;
  execute?: boolean;
}

export interface ShareResetRow {
  topic: string;
  partition: number;
  /** The start offset before the reset; null where the share-partition had no state. */
  currentOffset: bigint | null;
  newOffset: bigint;
}

/**
 * Computes (and with --execute sets) new start offsets, as kafka-share-groups.sh --reset-offsets
 * does: the group must be empty; --all-topics means every share-partition the group has state
 * for; a time past the last record means the end. `parseTopics` turns --topic specs into
 * partitions (shared with the consumer-group reset).
 */
export async function resetShareOffsets(client: KafkaClient, g: ShareGroupDescription, flags: ShareResetFlags,
  parseTopics: (specs: readonly string[]) => Promise<Map<string, number[]>>, datetime: bigint | undefined): Promise<ShareResetRow[]> {
  if (flags.shiftBy !== undefined) throw new CliError('--shift-by is not a share group reset (kafka-share-groups.sh has none): use --to-offset');
  if (g.state !== 'Empty' && g.state !== 'Dead') throw new CliError(`Share group '${g.groupId}' is not empty.`);
  const current = await shareGroupOffsets(client, g.groupId);
  const targets = new Map<string, number[]>();
  if (flags.allTopics === true) {
    for (const o of current) targets.set(o.topic, [...(targets.get(o.topic) ?? []), o.partition]);
  } else {
    for (const [topic, parts] of await parseTopics(flags.topic ?? [])) targets.set(topic, parts);
  }
  const startOf = new Map(current.map((o) => [`${o.topic}\0${o.partition}`, o.startOffset]));
  const rows: ShareResetRow[] = [];
  const toSet = new Map<string, Map<number, bigint>>();
  for (const [topic, parts] of targets) {
    const [earliest, latest] = await Promise.all([listOffsets(client, topic, parts, -2n), listOffsets(client, topic, parts, -1n)]);
    const byTime = datetime === undefined ? undefined : await listOffsets(client, topic, parts, datetime);
    const m = new Map<number, bigint>();
    for (const p of parts) {
      const lo = earliest.get(p) ?? 0n;
      const hi = latest.get(p) ?? 0n;
      const cur = startOf.get(`${topic}\0${p}`) ?? null;
      let next: bigint;
      if (flags.toEarliest === true) next = lo;
      else if (flags.toLatest === true) next = hi;
      else if (byTime !== undefined) {
        const at = byTime.get(p);
        next = at === undefined || at < 0n ? hi : at;
      } else if (flags.toOffset !== undefined) next = flags.toOffset;
      else {
        if (cur === null) throw new CliError(`cannot keep the start offset of ${topic}-${p}: the share group has no state for it`);
        next = cur;
      }
      next = next < lo ? lo : next > hi ? hi : next;
      m.set(p, next);
      rows.push({ topic, partition: p, currentOffset: cur, newOffset: next });
    }
    toSet.set(topic, m);
  }
  if (flags.execute === true && toSet.size > 0) await alterShareGroupOffsets(client, g.groupId, toSet);
  return rows;
}

/** ShareGroupCommand's table of --delete-offsets results. */
export function formatDeleteOffsets(results: ReadonlyMap<string, string | null>): string {
  return table(['TOPIC', 'STATUS'], [...results].map(([t, e]) => [t, e === null ? 'Successful' : `Error: ${e}`]));
}
