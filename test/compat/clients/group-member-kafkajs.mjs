// Consumer group member driver for kafkajs (the project's devDependency).
//   node group-member-kafkajs.mjs member BOOTSTRAP TOPIC GROUP [key=value ...]
//   node group-member-kafkajs.mjs lag    BOOTSTRAP TOPIC GROUP
// Same lines and options as group_member_confluent.py (see group-members.ts); kafkajs has the
// classic protocol only. Each record is committed (commitOffsets, awaited) after it is printed.
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
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    out({ event: 'assigned', partitions: [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b) });
  });
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
      try {
        await consumer.commitOffsets([{ topic, partition, offset: String(offset + 1) }]);
        out({ event: 'committed', partition, offset: offset + 1 });
      } catch (e) {
        out({ event: 'commit_failed', partition, offset: offset + 1, error: String(e) });
      }
    },
  });
  // `close` on stdin, or its end: leave the group
  const rl = createInterface({ input: process.stdin });
  await new Promise((resolve) => {
    rl.on('line', (l) => l.trim() === 'close' && resolve());
    rl.on('close', resolve);
  });
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
