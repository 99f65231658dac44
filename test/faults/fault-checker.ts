/**
 * The checker of the cluster fault tests: from what the producers were told (acknowledgements),
 * what the partitions hold below their high watermarks (read from each leader, and each
 * replica's own log), what the consumer groups received and committed, and who was reported
 * leader at which epoch, it counts per partition what Kafka promises never happens:
 *
 *  - lost: an acknowledged value that is not in the partition (or, when the client said where,
 *    not at the offset it was acknowledged at — `misplaced`);
 *  - duplicates: a value stored more than once (every value is written once by one producer;
 *    with idempotence a retry must not store it again);
 *  - duplicatesAfterEpochBump: a value stored again by the same idempotent producer under a
 *    higher producer epoch — the client bumped its epoch (KIP-360) and renumbered a message the
 *    partition already held. Kafka's idempotence holds within a producer epoch: no broker can
 *    tell such a copy from a new record, so it is counted apart. librdkafka bumps on an
 *    OUT_OF_ORDER_SEQUENCE_NUMBER answer to a later in-flight request, which a leader change
 *    makes, and duplicates so against Apache Kafka too (confluentinc/librdkafka#4953); the Java
 *    client retries without bumping there;
 *  - outOfOrder: a producer's values out of its send order within the partition;
 *  - offsetsBackwards: a group consumer received an offset not above the previous one in
 *    the same assignment, or a group's committed offset went down;
 *  - notConsumed: a stored acknowledged value a consumer group never received (counted once
 *    per group);
 *  - divergentReplicas: replicas whose records below the high watermark differ from the
 *    leader's (offset, value and leader epoch of each record);
 *  - epochsWithTwoLeaders: a leader epoch for which two different leaders were reported
 *    (by etcd or any broker's Metadata; leader -1, "none", is not a leader).
 *
 * Values are `<producer>-<seq>`: the producer (client and instance) and its send order.
 * Pure functions of their inputs, so that the unit test can feed made-up histories.
 */

export interface Ack {
  value: string;
  /** Where the client said it was stored, when it says (kcat does not). */
  partition: number | null;
  offset: number | null;
}

export interface StoredRecord {
  offset: number;
  value: string;
  /** The partition leader epoch of the record's batch. */
  leaderEpoch: number;
  /** The idempotent producer that wrote it (its batch's producer id and epoch, and the record's sequence), when known. */
  producer?: ProducerStamp;
}

export interface ProducerStamp {
  id: number;
  epoch: number;
  seq: number;
}

/** A value stored twice: where it was first, where again, with the producer stamps of both. */
export interface Duplicate {
  value: string;
  first: { partition: number; offset: number; producer?: ProducerStamp };
  again: { partition: number; offset: number; producer?: ProducerStamp };
}

export interface ConsumedRecord {
  /** The consumer group (each group must receive every acknowledged value). */
  group: string;
  /** One consumer assignment in the group: offsets received within it must go up. */
  assignment: number;
  partition: number;
  offset: number;
  value: string;
}

export interface CommittedOffset {
  group: string;
  partition: number;
  offset: number;
}

export interface LeaderObservation {
  source: string;
  partition: number;
  leaderEpoch: number;
  leader: number;
  atMs: number;
}

export interface CheckInput {
  partitions: number;
  acks: readonly Ack[];
  /** Each partition's records below its high watermark, read from its leader. */
  leaderLogs: ReadonlyMap<number, readonly StoredRecord[]>;
  highWatermarks: ReadonlyMap<number, number>;
  /** Each replica's records (node id -> records), read from its own log. */
  replicaLogs: ReadonlyMap<number, ReadonlyMap<number, readonly StoredRecord[]>>;
  consumed: readonly ConsumedRecord[];
  /** The groups' committed offsets, in the order they were observed. */
  committed: readonly CommittedOffset[];
  /** The consumer groups that read the topic throughout. */
  groups: readonly string[];
  leaders: readonly LeaderObservation[];
}

export interface PartitionFigures {
  partition: number;
  stored: number;
  acked: number;
  lost: number;
  misplaced: number;
  duplicates: number;
  duplicatesAfterEpochBump: number;
  outOfOrder: number;
  offsetsBackwards: number;
  notConsumed: number;
  divergentReplicas: number;
  epochsWithTwoLeaders: number;
}

export interface CheckReport {
  partitions: PartitionFigures[];
  total: Omit<PartitionFigures, 'partition'>;
  /** Human-readable details of every violation (at most a few per kind). */
  details: string[];
  /** Every duplicate, in full (details keeps only a few). */
  duplicates: Duplicate[];
}

/** The producer of a value: everything before its last '-'. */
export function producerOf(value: string): string {
  const i = value.lastIndexOf('-');
  return i < 0 ? value : value.slice(0, i);
}

function seqOf(value: string): number {
  return Number(value.slice(value.lastIndexOf('-') + 1));
}

const COUNTS = ['stored', 'acked', 'lost', 'misplaced', 'duplicates', 'duplicatesAfterEpochBump', 'outOfOrder', 'offsetsBackwards', 'notConsumed', 'divergentReplicas', 'epochsWithTwoLeaders'] as const;

export function check(input: CheckInput): CheckReport {
  const details: string[] = [];
  const note = (kind: string, text: string): void => {
    if (details.filter((d) => d.startsWith(kind)).length < 5) details.push(`${kind}: ${text}`);
  };
  const figures: PartitionFigures[] = [];
  for (let p = 0; p < input.partitions; p++) {
    figures.push({ partition: p, stored: 0, acked: 0, lost: 0, misplaced: 0, duplicates: 0, duplicatesAfterEpochBump: 0, outOfOrder: 0, offsetsBackwards: 0, notConsumed: 0, divergentReplicas: 0, epochsWithTwoLeaders: 0 });
  }
  const fig = (p: number): PartitionFigures => {
    const f = figures[p];
    if (f === undefined) throw new Error(`partition ${p} out of range (${input.partitions} partitions)`);
    return f;
  };

  // where each value is stored (first place), duplicates and per-producer order
  const where = new Map<string, { partition: number; offset: number; producer?: ProducerStamp }>();
  const duplicates: Duplicate[] = [];
  for (let p = 0; p < input.partitions; p++) {
    const log = input.leaderLogs.get(p) ?? [];
    const f = fig(p);
    f.stored = log.length;
    const lastSeq = new Map<string, number>();
    for (const r of log) {
      const first = where.get(r.value);
      if (first !== undefined) {
        const bumped = afterEpochBump(first.producer, r.producer);
        if (bumped) f.duplicatesAfterEpochBump++;
        else f.duplicates++;
        duplicates.push({ value: r.value, first, again: { partition: p, offset: r.offset, ...(r.producer === undefined ? {} : { producer: r.producer }) } });
        note(bumped ? 'duplicate after the client bumped its epoch' : 'duplicate', `${r.value} at ${p}@${r.offset}${stamp(r.producer)}, first at ${first.partition}@${first.offset}${stamp(first.producer)}`);
        continue;
      }
      where.set(r.value, { partition: p, offset: r.offset, ...(r.producer === undefined ? {} : { producer: r.producer }) });
      const producer = producerOf(r.value);
      const seq = seqOf(r.value);
      const last = lastSeq.get(producer);
      if (last !== undefined && seq < last) {
        f.outOfOrder++;
        note('out of order', `${r.value} at ${p}@${r.offset} after ${producer}-${last}`);
      } else {
        lastSeq.set(producer, seq);
      }
    }
  }

  // acknowledged values: stored, and where the client was told
  for (const a of input.acks) {
    const at = where.get(a.value);
    const p = a.partition ?? at?.partition;
    if (at === undefined) {
      if (p !== undefined) fig(p).lost++;
      else fig(0).lost++;
      note('lost', `${a.value} acknowledged at ${a.partition ?? '?'}@${a.offset ?? '?'}, not stored`);
      continue;
    }
    fig(at.partition).acked++;
    // acknowledged at its second copy (a duplicate, counted as such) is not misplaced as well
    const atCopy = a.offset !== null && duplicates.some((d) => d.value === a.value && d.again.partition === a.partition && d.again.offset === a.offset);
    if (a.partition !== null && !atCopy && (a.partition !== at.partition || (a.offset !== null && a.offset !== at.offset))) {
      fig(a.partition).misplaced++;
      note('misplaced', `${a.value} acknowledged at ${a.partition}@${a.offset}, stored at ${at.partition}@${at.offset}`);
    }
  }

  // the group consumers
  const lastInAssignment = new Map<string, number>();
  const consumedValues = new Map<string, Set<string>>(input.groups.map((g) => [g, new Set<string>()]));
  for (const c of input.consumed) {
    let seen = consumedValues.get(c.group);
    if (seen === undefined) consumedValues.set(c.group, (seen = new Set()));
    seen.add(c.value);
    const key = `${c.group}/${c.assignment}/${c.partition}`;
    const last = lastInAssignment.get(key);
    if (last !== undefined && c.offset <= last) {
      fig(c.partition).offsetsBackwards++;
      note('offset backwards', `group ${c.group}, assignment ${c.assignment}, received ${c.partition}@${c.offset} after @${last}`);
    }
    lastInAssignment.set(key, c.offset);
  }
  const lastCommitted = new Map<string, number>();
  for (const c of input.committed) {
    const key = `${c.group}/${c.partition}`;
    const last = lastCommitted.get(key);
    if (last !== undefined && c.offset < last) {
      fig(c.partition).offsetsBackwards++;
      note('offset backwards', `committed offset of group ${c.group} on ${c.partition} went from ${last} to ${c.offset}`);
    }
    lastCommitted.set(key, c.offset);
  }
  for (const [group, seen] of consumedValues) {
    for (const a of input.acks) {
      const at = where.get(a.value);
      if (at !== undefined && !seen.has(a.value)) {
        fig(at.partition).notConsumed++;
        note('not consumed', `${a.value} at ${at.partition}@${at.offset} by group ${group}`);
      }
    }
  }

  // replicas below the high watermark
  const sig = (r: StoredRecord): string => `${r.offset}:${r.leaderEpoch}:${r.value}`;
  for (let p = 0; p < input.partitions; p++) {
    const hw = input.highWatermarks.get(p) ?? 0;
    const want = (input.leaderLogs.get(p) ?? []).filter((r) => r.offset < hw).map(sig);
    for (const [node, records] of input.replicaLogs.get(p) ?? new Map<number, readonly StoredRecord[]>()) {
      const have = records.filter((r) => r.offset < hw).map(sig);
      const firstDiff = want.findIndex((s, i) => have[i] !== s);
      if (firstDiff >= 0 || have.length !== want.length) {
        fig(p).divergentReplicas++;
        const i = firstDiff >= 0 ? firstDiff : Math.min(want.length, have.length);
        note('divergent replica', `partition ${p} on broker ${node} (hw ${hw}): record ${i} is ${have[i] ?? 'missing'}, the leader has ${want[i] ?? 'nothing'}`);
      }
    }
  }

  // leader epochs
  const leadersOf = new Map<string, Set<number>>();
  for (const o of input.leaders) {
    if (o.leader < 0) continue;
    const key = `${o.partition}/${o.leaderEpoch}`;
    let s = leadersOf.get(key);
    if (s === undefined) leadersOf.set(key, (s = new Set()));
    s.add(o.leader);
  }
  for (const [key, s] of leadersOf) {
    if (s.size < 2) continue;
    const [p, epoch] = key.split('/').map(Number);
    fig(p!).epochsWithTwoLeaders++;
    const who = input.leaders.filter((o) => o.partition === p && o.leaderEpoch === epoch && o.leader >= 0).map((o) => `${o.source}:${o.leader}`);
    note('two leaders', `partition ${p} epoch ${epoch}: ${[...new Set(who)].join(', ')}`);
  }

  const total = Object.fromEntries(COUNTS.map((k) => [k, figures.reduce((n, f) => n + f[k], 0)])) as CheckReport['total'];
  return { partitions: figures, total, details, duplicates };
}

/** The second copy comes from the same producer id under a higher epoch: the client renumbered it. */
function afterEpochBump(first: ProducerStamp | undefined, again: ProducerStamp | undefined): boolean {
  return first !== undefined && again !== undefined && first.id === again.id && again.epoch > first.epoch;
}

function stamp(p: ProducerStamp | undefined): string {
  return p === undefined ? '' : ` (producer ${p.id} epoch ${p.epoch} seq ${p.seq})`;
}

/** The counts that must be 0. */
export const MUST_BE_ZERO = ['lost', 'misplaced', 'duplicates', 'outOfOrder', 'offsetsBackwards', 'notConsumed', 'divergentReplicas', 'epochsWithTwoLeaders'] as const;
