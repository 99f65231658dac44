// End to end: real producers (kcat/librdkafka, kafkajs) against an embedded broker, then the
// partition log read back directly from the storage layer (and through kcat as a consumer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { CompressionType } from '../../../src/protocol/compression/compression-type.js';
import { readLog, readValues } from '../../broker/produce/helpers.js';
import { ensureApt } from '../setup/apt.js';
import { makeTopic, startTestBroker } from '../../helpers/test-broker.js';

/** Runs kcat with `input` on stdin; resolves with its output, rejects on a non-zero exit. */
function kcat(args: string[], input = ''): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`kcat exited ${code}: ${stderr}`))));
    child.stdin.end(input);
  });
}

test('kcat (librdkafka) produces with every codec, idempotent with acks=all; the log holds exactly what was sent', async () => {
  // Installs kcat (Debian) when missing; fails the test if it cannot.
  await ensureApt(['kcat']);
  const tb = await startTestBroker();
  try {
    await makeTopic(tb, 'kcat');
    const expected: string[] = [];
    // librdkafka compresses with lz4 only for brokers that serve FindCoordinator (its feature
    // table), which this broker does.
    const codecs = [
      ['none', CompressionType.None],
      ['gzip', CompressionType.Gzip],
      ['snappy', CompressionType.Snappy],
      ['zstd', CompressionType.Zstd],
      ['lz4', CompressionType.Lz4],
    ] as const;
    for (const [codec, stored] of codecs) {
      const lines = Array.from({ length: 50 }, (_, i) => `${codec}-${i}-${'x'.repeat(40)}`);
      expected.push(...lines);
      const before = (await readLog(tb, 'kcat', 0)).length;
      const { stderr } = await kcat(
        ['-P', '-b', tb.bootstrap, '-t', 'kcat', '-p', '0', '-z', codec, '-X', 'enable.idempotence=true', '-X', 'acks=all', '-X', 'message.timeout.ms=20000'],
        lines.join('\n') + '\n',
      );
      assert.doesNotMatch(stderr, /fail|error/i, stderr);
      const batches = (await readLog(tb, 'kcat', 0)).slice(before);
      assert.ok(batches.length >= 1);
      for (const b of batches) {
        assert.ok(b.producerId >= 0, 'idempotent batches carry a producer id');
        assert.equal(b.compression, stored, codec);
      }
    }
    assert.deepEqual(await readValues(tb, 'kcat', 0), expected);
    // And read back through the broker by kcat as a consumer.
    const { stdout } = await kcat(['-C', '-b', tb.bootstrap, '-t', 'kcat', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
    assert.deepEqual(stdout.trimEnd().split('\n'), expected);
  } finally {
    await tb.close();
  }
});

test('kafkajs idempotent producer (acks -1, none and gzip): contiguous sequences, values in the log', async () => {
  const require = createRequire(import.meta.url);
  const { Kafka, CompressionTypes, logLevel } = require('kafkajs') as typeof import('kafkajs');
  const tb = await startTestBroker();
  try {
    await makeTopic(tb, 'kjs', 2);
    const kafka = new Kafka({ brokers: [tb.bootstrap], clientId: 'produce-test', logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    const expected: string[] = [];
    try {
      for (const compression of [CompressionTypes.None, CompressionTypes.GZIP]) {
        for (let round = 0; round < 3; round++) {
          const messages = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `c${compression}-r${round}-m${i}` }));
          expected.push(...messages.map((m) => m.value));
          const res = await producer.send({ topic: 'kjs', acks: -1, compression, messages: messages.map((m) => ({ ...m, partition: 0 })) });
          assert.equal(res[0]!.errorCode, 0);
        }
      }
    } finally {
      await producer.disconnect();
    }
    assert.deepEqual(await readValues(tb, 'kjs', 0), expected);
    const batches = await readLog(tb, 'kjs', 0);
    const pid = batches[0]!.producerId;
    assert.ok(pid >= 0);
    let seq = 0;
    for (const b of batches) {
      assert.equal(b.producerId, pid);
      assert.equal(b.baseSequence, seq);
      seq += b.records.length;
    }
    assert.deepEqual([...new Set(batches.map((b) => b.compression))], [CompressionType.None, CompressionType.Gzip]);
  } finally {
    await tb.close();
  }
});
