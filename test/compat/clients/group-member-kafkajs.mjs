// Consumer group member driver for kafkajs (the project's devDependency).
//   node group-member-kafkajs.mjs member BOOTSTRAP TOPIC GROUP [key=value ...]
//   node group-member-kafkajs.mjs lag    BOOTSTRAP TOPIC GROUP
// Same lines and options as group_member_confluent.py (see group-members.ts); kafkajs has the
// classic protocol only. Each record is committed (commitOffsets, awaited) after it is printed;
// a refused commit is tried again while the partition is the member's.
// The assignment comes from the GROUP_JOIN event. lag: admin.fetchOffsets + fetchTopicOffsets.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const [mode, bootstrap, topic, group, ...rest] = process.argv.slice(2);
const opts = Object.fromEntries(rest.map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const version = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('kafkajs/package.json'), 'utf8')).version;
out({ event: 'client', client: `kafkajs ${version} (node ${process.version})` });

const kafka = new Kafka({ clientId: opts.name ?? 'member', brokers: [bootstrap], logLevel: logLevel.ERROR, retry: { retries: 10 } });

async function member() {
  if ((opts.protocol ?? 'classic') !== 'classic') throw new Error('kafkajs has the classic group protocol only');
  const consumer = kafka.consumer({
    groupId: group, sessionTimeout: Number(opts.session ?? 10000), heartbeatInterval: Number(opts.heartbeat ?? 300),
    maxWaitTimeInMs: 100,
  });
  let mine = new Set();
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    mine = new Set(e.payload.memberAssignment[topic] ?? []);
    out({ event: 'assigned', partitions: [...mine].sort((a, b) => a - b) });
  });
  // partition -> offset whose commit was refused: tried again while the partition is ours
  const pending = new Map();
  const commit = async (offsets) => {
    try {
      await consumer.commitOffsets([...offsets].map(([partition, offset]) => ({ topic, partition, offset: String(offset) })));
    } catch (e) {
      for (const [p, o] of offsets) pending.set(p, o);
      out({ event: 'commit_failed', offsets: Object.fromEntries(offsets), error: String(e) });
      return;
    }
    for (const [partition, offset] of offsets) {
      out({ event: 'committed', partition, offset });
      if (pending.get(partition) === offset) pending.delete(partition);
    }
  };
  const retry = setInterval(() => {
    for (const p of pending.keys()) if (!mine.has(p)) pending.delete(p);
    if (pending.size > 0) commit(new Map(pending));
  }, 200);
  const lifetime = setTimeout(() => {
    console.error('lifetime over');
    process.exit(2);
  }, Number(opts.lifetime ?? 300000));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const offset = Number(message.offset);
      out({ event: 'record', partition, offset, value: message.value.toString() });
      pending.delete(partition);
      await commit(new Map([[partition, offset + 1]]));
    },
  });
  // `close` on stdin, or its end: leave the group
  const rl = createInterface({ input: process.stdin });
  await new Promise((resolve) => {
    rl.on('line', (l) => l.trim() === 'close' && resolve());
    rl.on('close', resolve);
  });
  clearInterval(retry);
  await consumer.disconnect();
  clearTimeout(lifetime);
  out({ event: 'closed' });
  process.exit(0);
}

async function lag() {
  const admin = kafka.admin();
  await admin.connect();
  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const byPartition = new Map(committed.partitions.map((p) => [p.partition, Number(p.offset)]));
  const partitions = ends.map((e) => {
    const c = byPartition.get(e.partition);
    const has = c !== undefined && c >= 0;
    return { partition: e.partition, committed: has ? c : null, end: Number(e.high), lag: has ? Number(e.high) - c : null };
  }).sort((a, b) => a.partition - b.partition);
  out({ event: 'lag', how: 'admin.fetchOffsets + admin.fetchTopicOffsets', partitions });
}

try {
  await (mode === 'member' ? member() : lag());
} catch (e) {
  console.error(e);
  process.exit(1);
}
