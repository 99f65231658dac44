// Consumer group member driver for @platformatic/kafka 1.x (installed by test/compat/setup, in
// the folder COMPAT_NODE_MODULES names).
//   node group-member-platformatic.mjs member BOOTSTRAP TOPIC GROUP [key=value ...]
//   node group-member-platformatic.mjs lag    BOOTSTRAP TOPIC GROUP
// Same lines and options as group_member_confluent.py (see group-members.ts). The client has
// both group protocols (groupProtocol 'classic' | 'consumer'). Records come from
// Consumer#consume (mode committed, falling back to earliest, no autocommit); each is printed,
// then committed with message.commit(). The assignment is Consumer#assignments, watched for
// changes. @platformatic/kafka 1.x hands over records of partitions the member no longer has
// (fetched before a rebalance, delivered after it), and may fetch a partition that comes back
// to the member from the member's own old position instead of the group's commit (its fetch
// loop can run with the new assignment before its offsets refresh, and a fetch in flight sets
// the position after the refresh). The driver does what an application must then do: it skips
// records of partitions not assigned, and records below the group's commit as of the current
// assignment or below what it read since (printed as {"event":"stale",...}). lag: Admin#listConsumerGroupOffsets + Admin#listOffsets (latest).
import { createInterface } from 'node:readline';
import { loadPlatformaticKafka } from './platformatic-kafka-load.mjs';

const { kafka: { Admin, Consumer }, version } = await loadPlatformaticKafka();

const [mode, bootstrap, topic, group, ...rest] = process.argv.slice(2);
const opts = Object.fromEntries(rest.map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
out({ event: 'client', client: `@platformatic/kafka ${version} (node ${process.version})` });

async function member() {
  const protocol = opts.protocol ?? 'classic';
  const groupOptions = protocol === 'consumer'
    ? { groupProtocol: 'consumer' }
    : { sessionTimeout: Number(opts.session ?? 10000), heartbeatInterval: Number(opts.heartbeat ?? 300),
      rebalanceTimeout: Math.max(30000, Number(opts.session ?? 10000)) };
  const consumer = new Consumer({
    clientId: opts.name ?? 'member', bootstrapBrokers: [bootstrap], groupId: group, ...groupOptions,
    autocommit: false, maxWaitTime: 100, retries: 10, timeout: 10000,
  });
  const lifetime = setTimeout(() => {
    console.error('lifetime over');
    process.exit(2);
  }, Number(opts.lifetime ?? 300000));
  let last = null;
  const watch = setInterval(() => {
    const now = JSON.stringify((consumer.assignments ?? []).filter((a) => a.topic === topic)
      .flatMap((a) => a.partitions).sort((a, b) => a - b));
    if (now !== last) {
      out({ event: 'assigned', partitions: JSON.parse(now) });
      last = now;
    }
  }, 20);
  const stream = await consumer.consume({
    topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false, maxWaitTime: 100,
    ...(protocol === 'consumer' ? {} : groupOptions),
  });
  // partition -> the group's commit (a promise) as of an assignment (Consumer#assignments is a new array each time)
  const floors = new Map();
  const committedOffset = async (partition) => {
    const offsets = await consumer.listCommittedOffsets({ topics: [{ topic, partitions: [partition] }] });
    const c = offsets.get(topic)?.[partition];
    return c === undefined || c < 0n ? 0 : Number(c);
  };
  // partition -> offset whose commit was refused: tried again while the partition is ours
  const pending = new Map();
  const retry = setInterval(async () => {
    const mine = new Set((consumer.assignments ?? []).filter((a) => a.topic === topic).flatMap((a) => a.partitions));
    for (const p of pending.keys()) if (!mine.has(p)) pending.delete(p);
    if (pending.size === 0) return;
    const offsets = [...pending];
    try {
      await consumer.commit({ offsets: offsets.map(([partition, offset]) => ({ topic, partition, offset: BigInt(offset), leaderEpoch: -1 })) });
    } catch (e) {
      out({ event: 'commit_failed', offsets: Object.fromEntries(offsets), error: String(e) });
      return;
    }
    for (const [partition, offset] of offsets) {
      out({ event: 'committed', partition, offset });
      if (pending.get(partition) === offset) pending.delete(partition);
    }
  }, 200);
  const reading = (async () => {
    for await (const m of stream) {
      const offset = Number(m.offset);
      // The stream hands over what fetches brought in, whether or not the partition is still
      // this member's (a fetch in flight or records buffered across a rebalance): skip those,
      // as an application must, without committing them.
      const mine = (consumer.assignments ?? []).some((a) => a.topic === topic && a.partitions.includes(m.partition));
      if (!mine) {
        out({ event: 'stale', partition: m.partition, offset, why: 'not assigned' });
        continue;
      }
      // A partition that comes back to this member can be fetched from where this member
      // left it, not from the group's commit (the stream's own position wins a race with its
      // refresh): check records against the group's commit as of the current assignment.
      let seen = floors.get(m.partition);
      if (seen?.assignments !== consumer.assignments) {
        seen = { assignments: consumer.assignments, floor: committedOffset(m.partition) };
        floors.set(m.partition, seen);
      }
      const floor = Math.max(await seen.floor, seen.next ?? 0);
      if (offset < floor) {
        out({ event: 'stale', partition: m.partition, offset, why: `below the group's commit or what this member read since, ${floor}` });
        continue;
      }
      seen.next = offset + 1;
      out({ event: 'record', partition: m.partition, offset, value: m.value.toString() });
      pending.delete(m.partition);
      try {
        await m.commit();
        out({ event: 'committed', partition: m.partition, offset: offset + 1 });
      } catch (e) {
        pending.set(m.partition, offset + 1);
        out({ event: 'commit_failed', partition: m.partition, offset: offset + 1, error: String(e) });
      }
    }
  })();
  reading.catch((e) => {
    console.error(e);
    process.exit(1);
  });
  const rl = createInterface({ input: process.stdin });
  await new Promise((resolve) => {
    rl.on('line', (l) => l.trim() === 'close' && resolve());
    rl.on('close', resolve);
  });
  clearInterval(watch);
  clearInterval(retry);
  await stream.close();
  await consumer.close();
  clearTimeout(lifetime);
  out({ event: 'closed' });
  process.exit(0);
}

async function lag() {
  const admin = new Admin({ clientId: 'lag', bootstrapBrokers: [bootstrap], retries: 5, timeout: 10000 });
  const metadata = await admin.metadata({ topics: [topic] });
  const partitions = metadata.topics.get(topic).partitions.map((_, i) => i);
  const [g] = await admin.listConsumerGroupOffsets({ groups: [{ groupId: group, topics: [{ name: topic, partitionIndexes: partitions }] }] });
  const committed = new Map((g.topics.find((t) => t.name === topic)?.partitions ?? [])
    .filter((p) => p.committedOffset >= 0n).map((p) => [p.partitionIndex, Number(p.committedOffset)]));
  const listed = await admin.listOffsets({ topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p, timestamp: -1n })) }] });
  const ends = new Map(listed[0].partitions.map((p) => [p.partitionIndex, Number(p.offset)]));
  await admin.close();
  out({
    event: 'lag', how: 'Admin#listConsumerGroupOffsets + Admin#listOffsets (latest)',
    partitions: partitions.map((p) => {
      const c = committed.get(p);
      return { partition: p, committed: c ?? null, end: ends.get(p), lag: c === undefined ? null : ends.get(p) - c };
    }),
  });
}

try {
  await (mode === 'member' ? member() : lag());
} catch (e) {
  console.error(e);
  process.exit(1);
}
