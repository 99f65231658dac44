// End to end: consumers we did not write read what was appended, through Metadata, ListOffsets
// and Fetch (sessions and long polls included), without consumer groups.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CompressionType } from '../../../src/protocol/compression/compression-type.js';
import { append, values } from '../../broker/fetch/helpers.js';
import { eventually } from '../../helpers/eventually.js';
import { type TestBroker, makeTopic, startTestBroker } from '../../helpers/test-broker.js';
import { DEBIAN_PYTHON, ensureApt, KAFKA_PYTHON_PACKAGES } from '../setup/apt.js';
import { clientsDir } from '../setup/paths.js';
import { ensurePlatformaticKafka } from '../setup/platformatic.js';

const run = promisify(execFile);
const TIMEOUT = 60_000;
let tb: TestBroker;

before(async () => {
  // The real clients these tests drive, installed when missing (fails if they cannot be).
  await ensureApt(['kcat', ...KAFKA_PYTHON_PACKAGES]);
  tb = await startTestBroker();
  await makeTopic(tb, 'e2e', 2);
  append(tb, 'e2e', 0, values('p0-a', 3));
  append(tb, 'e2e', 1, values('p1-a', 2), { compression: CompressionType.Gzip });
  append(tb, 'e2e', 0, values('p0-b', 2), { compression: CompressionType.Lz4 });
  append(tb, 'e2e', 1, values('p1-b', 1, 3000), { compression: CompressionType.Gzip });
});

after(async () => {
  await tb.close();
});

const expected = ['p0-a-0', 'p0-a-1', 'p0-a-2', 'p0-b-0', 'p0-b-1', 'p1-a-0', 'p1-a-1', `p1-b-0`.padEnd(3000, '.')];

test('kcat -C -e -o beginning reads every partition to its end', async () => {
  const { stdout } = await run('kcat', ['-C', '-b', tb.bootstrap, '-t', 'e2e', '-e', '-o', 'beginning', '-q', '-f', '%p %o %s\\n'], { timeout: TIMEOUT });
  const lines = stdout.trim().split('\n').map((l) => l.split(' '));
  assert.deepEqual(lines.map(([, , v]) => v).sort(), [...expected].sort());
  assert.deepEqual(lines.filter(([p]) => p === '0').map(([, o]) => Number(o)), [0, 1, 2, 3, 4]);
});

test('kcat waits at the end (long poll) and gets records appended later', async () => {
  await makeTopic(tb, 'e2e-wait');
  const consumer = run('kcat', ['-C', '-b', tb.bootstrap, '-t', 'e2e-wait', '-o', 'beginning', '-c', '3', '-q', '-f', '%o %s\\n'], { timeout: TIMEOUT });
  await eventually('kcat to wait for data', () => tb.broker.fetch.purgatory.size > 0, { timeoutMs: TIMEOUT });
  append(tb, 'e2e-wait', 0, values('late', 3));
  const { stdout } = await consumer;
  assert.deepEqual(stdout.trim().split('\n'), ['0 late-0', '1 late-1', '2 late-2']);
});

test('kafka-python: assign() consumer without a group reads from the beginning', async () => {
  const script = `
import sys
from kafka import KafkaConsumer, TopicPartition
c = KafkaConsumer(bootstrap_servers=sys.argv[1], group_id=None, enable_auto_commit=False, auto_offset_reset='earliest', consumer_timeout_ms=20000)
tps = [TopicPartition('e2e', 0), TopicPartition('e2e', 1)]
c.assign(tps)
c.seek_to_beginning(*tps)
seen = []
for m in c:
    seen.append('%d %d %s' % (m.partition, m.offset, m.value.decode()))
    if len(seen) == 8:
        break
print('\\n'.join(seen))
print('end', c.end_offsets(tps)[tps[0]], c.beginning_offsets(tps)[tps[1]])
c.close()
`;
  const { stdout } = await run(DEBIAN_PYTHON, ['-c', script, tb.bootstrap], { timeout: TIMEOUT });
  const lines = stdout.trim().split('\n');
  assert.equal(lines.pop(), 'end 5 0');
  assert.deepEqual(lines.map((l) => l.split(' ')[2]).sort(), [...expected].sort());
});

test('@platformatic/kafka: Consumer#fetch by topic id (Fetch v17)', async () => {
  const loader = pathToFileURL(path.join(clientsDir, 'platformatic-kafka-load.mjs')).href;
  const script = `
import { loadPlatformaticKafka } from '${loader}';
const { kafka: { Consumer } } = await loadPlatformaticKafka();
const consumer = new Consumer({ clientId: 'millrace-fetch-test', bootstrapBrokers: [process.argv[1]], groupId: 'unused', retries: 0, timeout: 10000 });
try {
  const md = await consumer.metadata({ topics: ['e2e'] });
  const t = md.topics.get('e2e');
  const out = [];
  for (let p = 0; p < t.partitions.length; p++) {
    const res = await consumer.fetch({ node: t.partitions[p].leader, maxWaitTime: 100, topics: [{ topicId: t.id, partitions: [{ partition: p, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }] }] });
    for (const part of res.responses[0].partitions) {
      if (part.errorCode !== 0) throw new Error('error ' + part.errorCode);
      for (const batch of part.records ?? []) for (const r of batch.records) out.push(p + ' ' + (batch.firstOffset + BigInt(r.offsetDelta)) + ' ' + r.value.toString());
    }
  }
  console.log(out.join('\\n'));
} finally {
  await consumer.close(true);
}
`;
  // The records above avoid zstd (this client needs Node >= 22.15 for it) and snappy (our batches use the
  // Java client's xerial framing, which this client's decoder does not read).
  const env = { ...process.env, COMPAT_NODE_MODULES: await ensurePlatformaticKafka() };
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, tb.bootstrap], { timeout: TIMEOUT, env });
  const lines = stdout.trim().split('\n');
  assert.deepEqual(lines.map((l) => l.split(' ')[2]).sort(), [...expected].sort());
  assert.deepEqual(lines.filter((l) => l.startsWith('0 ')).map((l) => Number(l.split(' ')[1])), [0, 1, 2, 3, 4]);
});
