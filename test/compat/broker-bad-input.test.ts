/**
 * Bad input on one connection never disturbs a real client on another: while confluent-kafka
 * (PyPI, librdkafka 2.x, idempotent, zstd) produces a continuous stream into a topic, other
 * connections send garbage, a 2 GB length prefix, truncated frames (then close), an unknown API
 * key, unsupported versions, a Produce whose batch fails its CRC and a Produce with a batch
 * larger than message.max.bytes, into the partition the client is writing. Each gets its error
 * (CORRUPT_MESSAGE, MESSAGE_TOO_LARGE, UNSUPPORTED_VERSION for ApiVersions) or a closed
 * connection; the broker keeps answering everyone else; the client's production ends with a
 * successful delivery report for every record, and every record reads back where its report
 * says (our own Fetch, and the client's consumer).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import * as ProduceRequest from '../../src/protocol/generated/produce-request.js';
import { decodeResponseFrame, encodeRequestFrame } from '../../src/protocol/header.js';
import { encodeBatch } from '../../src/protocol/records/index.js';
import { CLIENTS } from './clients/index.js';
import { readTopic } from './clients/log-reader.js';
import { killOps, opsClient, startOps, tsvLine } from './clients/ops.js';
import { killDrivers, runDriver } from './clients/run.js';
import { startTarget, type CompatTarget } from './setup/target.js';
import { createTopics, WireClient } from '../helpers/wire-client.js';
import { seededRandom } from '../helpers/seeded-random.js';

const PARTITIONS = 3;
const CHUNK = 200;
const CLIENT = 'confluent-kafka-python-pypi';

let target: CompatTarget | undefined;

before(async () => {
  target = await startTarget({ kind: 'millrace' });
});

after(async () => {
  killOps();
  killDrivers();
  await target?.stop();
});

interface RawOutcome {
  closed: boolean;
  data: Buffer;
}

/**
 * Opens a connection, writes `bytes` and then (with `thenClose`) closes it, or waits until the
 * broker closes it or answers `expectFrames` frames; gives up waiting after 15 s.
 */
function raw(bootstrap: string, bytes: Buffer, options: { thenClose?: boolean; expectFrames?: number } = {}): Promise<RawOutcome> {
  const colon = bootstrap.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(bootstrap.slice(colon + 1)), bootstrap.slice(0, colon));
    const data: Buffer[] = [];
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ closed, data: Buffer.concat(data) });
    };
    const frames = () => {
      let all = Buffer.concat(data);
      let n = 0;
      while (all.length >= 4 && all.length >= 4 + all.readInt32BE(0)) {
        all = all.subarray(4 + all.readInt32BE(0));
        n++;
      }
      return n;
    };
    const timer = setTimeout(() => finish(false), 15_000);
    socket.on('data', (d: Buffer) => {
      data.push(d);
      if (options.expectFrames !== undefined && frames() >= options.expectFrames) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', (e) => {
      if (!settled && (e as NodeJS.ErrnoException).code !== 'ECONNRESET' && (e as NodeJS.ErrnoException).code !== 'EPIPE') reject(e);
    });
    socket.on('connect', () => {
      socket.write(bytes);
      if (options.thenClose) setImmediate(() => finish(true));
    });
  });
}

const metadataBody = { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
/** A Metadata v1 request (auto-creation is implied before v4), to rewrite into bad frames. */
const metadataV1 = () => encodeRequestFrame(ApiKey.Metadata, 1, { correlationId: 12, clientId: 'x' }, { ...metadataBody, allowAutoTopicCreation: true });

function produceFrame(topic: string, batch: Buffer, correlationId: number): Buffer {
  return encodeRequestFrame(ApiKey.Produce, 9, { correlationId, clientId: 'millrace-compat-bad-input' }, {
    transactionalId: null, acks: -1, timeoutMs: 30_000,
    topicData: [{ ...ProduceRequest.defaultTopicProduceData(), name: topic, partitionData: [{ ...ProduceRequest.defaultPartitionProduceData(), index: 0, records: batch }] }],
  });
}

test(`bad input on other connections while ${CLIENT} produces: each gets its error or a closed connection, the client loses nothing`, async (t) => {
  const rnd = seededRandom(t);
  const [cmd, readerCmd] = await Promise.all([opsClient(CLIENT).prepare(), CLIENTS.find((c) => c.id === CLIENT)!.prepare()]);
  assert.ok(target !== undefined && cmd !== null);
  const bootstrap = target.bootstrap;
  const topic = `compat-bad-input-${Date.now()}`;
  const conn = await WireClient.connect(bootstrap, { apiVersions: true, clientId: 'millrace-compat-bad-input' });
  try {
    await createTopics(conn, [{ name: topic, partitions: PARTITIONS }]);

    // the real client: a stream of records, fed until every bad input has been sent
    const producer = startOps(cmd, bootstrap, [`produce:${topic}:1`], 180_000);
    const values: string[] = [];
    let stop = false;
    const feeding = (async () => {
      while (!stop || values.length < 5 * CHUNK) {
        const lines: string[] = [];
        for (let j = 0; j < CHUNK; j++) {
          const i = values.length;
          values.push(`stream-${i}-${'v'.repeat(i % 30)}`);
          lines.push(tsvLine({ codec: 'zstd', key: Buffer.from(`k-${i % 101}`), value: Buffer.from(values[i]!), timestamp: null, headers: [['i', Buffer.from(String(i))]] }));
        }
        await producer.write(lines.join(''));
        await sleep(10);
      }
      producer.end();
    })();

    const cases: { name: string; run: () => Promise<void> }[] = [
      {
        name: 'garbage bytes (an HTTP request): connection closed',
        run: async () => assert.equal((await raw(bootstrap, Buffer.from('GET / HTTP/1.1\r\nHost: millrace\r\n\r\n'))).closed, true),
      },
      {
        name: 'random bytes behind a sane length: connection closed',
        run: async () => {
          const body = rnd.bytes(64);
          body.writeInt16BE(3, 0); // Metadata, then a version and header nobody can parse
          body.writeInt16BE(1, 2);
          body.writeInt32BE(5, 4);
          body.writeInt16BE(0x7fff, 8); // a client id longer than the frame
          const frame = Buffer.concat([Buffer.from([0, 0, 0, body.length]), body]);
          assert.equal((await raw(bootstrap, frame)).closed, true);
        },
      },
      {
        name: '2 GB length prefix: connection closed',
        run: async () => assert.equal((await raw(bootstrap, Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 1, 2, 3]))).closed, true),
      },
      {
        name: 'negative length prefix: connection closed',
        run: async () => assert.equal((await raw(bootstrap, Buffer.from([0xff, 0xff, 0xff, 0xf0]))).closed, true),
      },
      {
        name: 'truncated frames, then close: no answer, and the broker serves on',
        run: async () => {
          const frame = produceFrame(topic, await encodeBatch([{ key: null, value: Buffer.from('never complete') }]), 11);
          for (const cut of [2, 4, 9, Math.floor(frame.length / 2), frame.length - 1]) {
            const r = await raw(bootstrap, frame.subarray(0, cut), { thenClose: true });
            assert.equal(r.data.length, 0, `an answer to a frame cut at ${cut} bytes`);
          }
        },
      },
      {
        name: 'unknown API key: connection closed',
        run: async () => {
          const frame = metadataV1();
          frame.writeInt16BE(32_000, 4);
          assert.equal((await raw(bootstrap, frame)).closed, true);
        },
      },
      {
        name: 'unsupported Metadata version: connection closed',
        run: async () => {
          const frame = metadataV1();
          frame.writeInt16BE(99, 6);
          assert.equal((await raw(bootstrap, frame)).closed, true);
        },
      },
      {
        name: 'unsupported ApiVersions version: UNSUPPORTED_VERSION in a v0 answer (KIP-511)',
        run: async () => {
          const frame = encodeRequestFrame(ApiKey.ApiVersions, 3, { correlationId: 14, clientId: 'x' }, { clientSoftwareName: 'future', clientSoftwareVersion: '9', clusterId: null, nodeId: -1 });
          frame.writeInt16BE(99, 6);
          const r = await raw(bootstrap, frame, { expectFrames: 1 });
          const res = decodeResponseFrame(r.data, ApiKey.ApiVersions, 0, { sizePrefixed: true });
          assert.deepEqual([res.header.correlationId, res.body.errorCode], [14, ErrorCode.UNSUPPORTED_VERSION]);
        },
      },
      {
        name: 'Produce with a batch that fails its CRC: CORRUPT_MESSAGE',
        run: async () => {
          const batch = await encodeBatch([{ key: Buffer.from('k'), value: Buffer.from('a record whose bytes change after the CRC') }]);
          batch[batch.length - 3]! ^= 0xff;
          const res = await conn.request(ApiKey.Produce, 9, {
            transactionalId: null, acks: -1, timeoutMs: 30_000,
            topicData: [{ ...ProduceRequest.defaultTopicProduceData(), name: topic, partitionData: [{ ...ProduceRequest.defaultPartitionProduceData(), index: 0, records: batch }] }],
          });
          assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.CORRUPT_MESSAGE);
        },
      },
      {
        name: 'Produce with a batch larger than message.max.bytes: MESSAGE_TOO_LARGE',
        run: async () => {
          const batch = await encodeBatch([{ key: null, value: rnd.bytes(1_100_000) }]);
          const res = await conn.request(ApiKey.Produce, 9, {
            transactionalId: null, acks: -1, timeoutMs: 30_000,
            topicData: [{ ...ProduceRequest.defaultTopicProduceData(), name: topic, partitionData: [{ ...ProduceRequest.defaultPartitionProduceData(), index: 0, records: batch }] }],
          });
          assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
        },
      },
    ];
    try {
      // let the client get going first, so every bad input lands while it is producing
      for (const deadline = Date.now() + 30_000; producer.lines.length === 0 && Date.now() < deadline;) await sleep(20);
      for (const c of cases) {
        await t.test(c.name, async () => {
          await c.run();
          // and the broker still answers a well-behaved connection
          const md = await conn.request(ApiKey.Metadata, 12, { ...metadataBody, topics: null });
          assert.equal(md.errorCode, ErrorCode.NONE);
        });
      }
    } finally {
      stop = true;
      await feeding;
    }
    const result = await producer.done;

    await t.test(`${CLIENT} delivered every record without an error`, () => {
      const reports = result.lines.filter((l) => l.op === 'produce' && l.done === undefined);
      const failed = reports.filter((r) => r.error !== undefined);
      assert.deepEqual(failed.slice(0, 5), [], `${failed.length} delivery errors`);
      const done = result.lines.find((l) => l.done === true);
      assert.deepEqual([done?.delivered, done?.errors], [values.length, 0]);
    });
    await t.test('every record reads back where its delivery report says (our Fetch, then the client\'s consumer)', async () => {
      const reports = result.lines.filter((l) => l.op === 'produce' && l.partition !== undefined);
      const log = await readTopic(bootstrap, topic);
      const at = new Map<string, string>();
      for (const [p, batches] of log.partitions.entries()) {
        for (const b of batches) for (const r of b.records) at.set(`${p}:${r.offset}`, r.value!.toString());
      }
      assert.equal(at.size, values.length, 'records in the log: the client\'s, and none of the bad inputs\'');
      const wrong = reports.filter((r) => at.get(`${String(r.partition)}:${String(r.offset)}`) !== values[r.i as number]);
      assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} records are not where their report says`);
      const read = await runDriver(readerCmd, { bootstrap, topic, count: values.length, timeoutMs: 60_000 });
      const consumed = new Set(read.records.map((r) => Buffer.from(r.value_b64!, 'base64').toString()));
      assert.equal(consumed.size, values.length);
      assert.ok(values.every((v) => consumed.has(v)));
    });
    t.diagnostic(`${values.length} records produced while the bad inputs were sent`);
  } finally {
    conn.close();
  }
});
