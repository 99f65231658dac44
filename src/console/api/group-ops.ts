/**
 * Consumer groups for the console: each partition's committed offset against its log end
 * (the lag kafka-consumer-groups.sh --describe shows, with the member that owns the
 * partition), and offset resets committed from outside the group, as that tool's
 * --reset-offsets does (Kafka accepts them only while the group has no active members).
 */
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets } from '../../client/offsets.js';
import type { GroupDescription } from '../../client/admin.js';
import { badRequest } from './errors.js';
import type { ConsoleSession } from './session.js';

export interface PartitionLag {
  topic: string;
  partition: number;
  current_offset: number;
  log_end_offset: number;
  lag: number;
  consumer_id: string;
  client_id: string;
  instance_id: string | null;
}

export interface GroupLag {
  group: GroupDescription;
  partitions: PartitionLag[];
  total_lag: number;
}

export async function groupLag(session: ConsoleSession, groupId: string): Promise<GroupLag> {
  const group = await session.admin.describeGroup(groupId);
  const committed = await session.admin.fetchOffsets(groupId);
  const owner = new Map<string, GroupDescription['members'][number]>();
  for (const m of group.members) for (const tp of m.assignment) for (const p of tp.partitions) owner.set(`${tp.topic}\u0000${p}`, m);
  // Assigned partitions without a commit are listed too, with no current offset.
  const topics = new Map<string, Set<number>>();
  for (const [t, parts] of committed) topics.set(t, new Set(parts.keys()));
  for (const m of group.members) for (const tp of m.assignment) {
    let s = topics.get(tp.topic);
    if (s === undefined) topics.set(tp.topic, s = new Set());
    for (const p of tp.partitions) s.add(p);
  }
  const partitions: PartitionLag[] = [];
  for (const [topic, parts] of [...topics].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const ends = await listOffsets(session.client, topic, [...parts].sort((a, b) => a - b), LATEST_TIMESTAMP);
    for (const [p, end] of ends) {
      const current = committed.get(topic)?.get(p);
      const m = owner.get(`${topic}\u0000${p}`);
      partitions.push({
        topic, partition: p, current_offset: current === undefined ? -1 : Number(current), log_end_offset: Number(end),
        lag: current === undefined ? 0 : Math.max(0, Number(end - current)),
        consumer_id: m?.memberId ?? '', client_id: m?.clientId ?? '', instance_id: m?.groupInstanceId ?? null,
      });
    }
  }
  return { group, partitions, total_lag: partitions.reduce((s, p) => s + p.lag, 0) };
}

export type ResetTo = 'earliest' | 'latest' | 'offset' | 'timestamp';

export interface ResetRequest {
  topic: string;
  /** Absent: every partition of the topic. */
  partitions?: number[];
  to: ResetTo;
  offset?: number;
  timestamp?: number;
}

/** Commits the new offsets for the group and returns them by partition. */
export async function resetOffsets(session: ConsoleSession, groupId: string, req: ResetRequest): Promise<Map<number, bigint>> {
  const parts = req.partitions ?? null;
  let offsets: Map<number, bigint>;
  if (req.to === 'offset') {
    if (req.offset === undefined) throw badRequest('"offset" is required with "to": "offset"');
    // Clamped into the log, as kafka-consumer-groups.sh --to-offset does.
    const [start, end] = await Promise.all([
      listOffsets(session.client, req.topic, parts, EARLIEST_TIMESTAMP), listOffsets(session.client, req.topic, parts, LATEST_TIMESTAMP),
    ]);
    offsets = new Map();
    const wanted = BigInt(req.offset);
    for (const [p, s] of start) {
      const e = end.get(p) ?? s;
      offsets.set(p, wanted < s ? s : wanted > e ? e : wanted);
    }
  } else if (req.to === 'timestamp') {
    if (req.timestamp === undefined) throw badRequest('"timestamp" is required with "to": "timestamp"');
    const [at, end] = await Promise.all([
      listOffsets(session.client, req.topic, parts, BigInt(req.timestamp)), listOffsets(session.client, req.topic, parts, LATEST_TIMESTAMP),
    ]);
    // No record at or after the time: the log end, as Kafka's tool does.
    offsets = new Map([...at].map(([p, o]) => [p, o < 0n ? (end.get(p) ?? 0n) : o]));
  } else {
    offsets = await listOffsets(session.client, req.topic, parts, req.to === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP);
  }
  await session.admin.commitOffsets(groupId, new Map([[req.topic, offsets]]));
  return offsets;
}
