// read_committed through real clients: a Millrace partition holds interleaved transactions,
// some aborted, with plain records between them (transactional batches and end-transaction
// markers written through the partition, as the produce path and WriteTxnMarkers do). The
// librdkafka clients, which read with isolation.level=read_committed by default (kcat,
// Debian confluent-kafka), must get exactly the plain and committed records — they rely on
// the last stable offset and the AbortedTransactions of our Fetch responses; so must the Java
// KafkaConsumer with isolation.level=read_committed, and with read_uncommitted it must get
// every data record, aborted ones included (it never hands out markers). (kafka-python
// 2.0.2 is left out: it has no read_committed, and hands control records to the application
// as records.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeBatchSync } from '../../src/protocol/records/index.js';
import { CLIENTS } from './clients/index.js';
import { killDrivers, runDriver } from './clients/run.js';
import { type TestBroker, logOf, makeTopic, startTestBroker } from '../helpers/test-broker.js';

let tb: TestBroker;
const TOPIC = 'rc-clients';
const committed: string[] = [];
const everything: string[] = [];

function batch(values: string[], producer?: { id: number; epoch: number; sequence: number }): Buffer {
  return encodeBatchSync(values.map((v) => ({ key: Buffer.from(v), value: Buffer.from(v) })), {
    producerId: producer?.id ?? -1,
    producerEpoch: producer?.epoch ?? -1,
    baseSequence: producer?.sequence ?? -1,
    transactional: producer !== undefined,
  });
}

before(async () => {
  tb = await startTestBroker();
  await makeTopic(tb, TOPIC);
  const partition = tb.broker.partitions.get(tb.broker.metadata.topic(TOPIC), 0)!;
  const log = logOf(tb, TOPIC);
  const write = (values: string[], producer?: { id: number; epoch: number; sequence: number }) => {
    partition.appendRecordsToLeader(log, batch(values, producer), true);
    everything.push(...values);
  };
  const endTxn = (id: number, epoch: number, commit: boolean) =>
    partition.appendTxnMarkerAsLeader(log, { producerId: id, producerEpoch: epoch, commit, coordinatorEpoch: 0, transactionVersion: 2 }, true);
  // Transaction version 2: every transaction bumps its producer's epoch at its marker.
  for (let round = 0; round < 10; round++) {
    const a = [0, 1, 2].map((i) => `a${round}-${i}`);
    const b = [0, 1, 2].map((i) => `b${round}-${i}`);
    const plain = [`p${round}`];
    write(a, { id: 1, epoch: round, sequence: 0 });
    write(b, { id: 2, epoch: round, sequence: 0 });
    write(plain);
    const abortA = round % 3 !== 1;
    endTxn(1, round + 1, !abortA);
    endTxn(2, round + 1, true);
    if (!abortA) committed.push(...a);
    committed.push(...b, ...plain);
  }
});

after(async () => {
  killDrivers();
  await tb.close();
});

const valueOf = (b64: string | null) => (b64 === null ? '' : Buffer.from(b64, 'base64').toString());

for (const id of ['kcat', 'confluent-kafka-python-debian']) {
  test(`${id} (read_committed by default) reads the plain and committed records only`, async () => {
    const client = CLIENTS.find((c) => c.id === id)!;
    const cmd = await client.prepare();
    const result = await runDriver(cmd, { bootstrap: tb.bootstrap, topic: TOPIC, count: committed.length, timeoutMs: 60_000 });
    assert.deepEqual(result.records.map((r) => valueOf(r.value_b64)), committed, result.client);
  });
}

test('the Java KafkaConsumer with isolation.level=read_committed reads the plain and committed records only', async () => {
  const cmd = await CLIENTS.find((c) => c.id === 'java')!.prepare();
  const result = await runDriver({ ...cmd, env: { ...cmd.env, COMPAT_ISOLATION_LEVEL: 'read_committed' } }, { bootstrap: tb.bootstrap, topic: TOPIC, count: committed.length, timeoutMs: 60_000 });
  assert.deepEqual(result.records.map((r) => valueOf(r.value_b64)), committed, result.client);
});

test('the Java KafkaConsumer with read_uncommitted reads every data record, aborted ones included', async () => {
  const cmd = await CLIENTS.find((c) => c.id === 'java')!.prepare();
  const result = await runDriver({ ...cmd, env: { ...cmd.env, COMPAT_ISOLATION_LEVEL: 'read_uncommitted' } }, { bootstrap: tb.bootstrap, topic: TOPIC, count: everything.length, timeoutMs: 60_000 });
  assert.deepEqual(result.records.map((r) => valueOf(r.value_b64)), everything, result.client);
});
