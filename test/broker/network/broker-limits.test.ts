// The network limits as a broker configured by Kafka's names applies them, with raw sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { startBroker } from '../../../src/start-broker.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { encodeRequestFrame } from '../../../src/protocol/header.js';
import { WireClient } from '../../helpers/wire-client.js';
import { eventually } from '../../helpers/eventually.js';

async function raw(port: number): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => {});
  await once(s, 'connect');
  return s;
}

test('max.connections.per.ip and its overrides close the connection over the limit at once', async () => {
  const broker = await startBroker({ config: { 'max.connections.per.ip': 0, 'max.connections.per.ip.overrides': '127.0.0.1:2' } });
  try {
    const a = await WireClient.connect(broker.bootstrapServers);
    const b = await WireClient.connect(broker.bootstrapServers);
    const c = await raw(broker.port);
    await once(c, 'close');
    // The two within the limit are served.
    const versions = await b.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    assert.equal(versions.errorCode, 0);
    a.close();
    // A slot freed is a slot for the next one, once the broker has seen `a` go: until then a
    // new connection is closed at once, so connect until one is served.
    const d = await eventually('a connection in the freed slot', async () => {
      const next = await WireClient.connect(broker.bootstrapServers);
      try {
        assert.equal((await next.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode, 0);
        return next;
      } catch (e) {
        next.close(); // closed over the limit: not yet
        throw e;
      }
    }, { retryErrors: true });
    b.close();
    d.close();
  } finally {
    await broker.close();
  }
});

test('queued.max.request.bytes: a request that cannot get pool memory waits until the holder lets go', async () => {
  const broker = await startBroker({ config: { 'socket.request.max.bytes': 1 << 20, 'queued.max.request.bytes': 1 << 20 } });
  try {
    // Connected before the pool is taken, so still read: a request it sends whole is served past
    // the pool, and its answer shows the broker has run since everything sent before it arrived
    // (loopback delivers a write into the broker's socket buffer before the call returns).
    const probe = await WireClient.connect(broker.bootstrapServers);
    const roundTrip = async () => {
      assert.equal((await probe.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode, 0);
    };
    const hog = await raw(broker.port);
    const claim = Buffer.alloc(4 + 1000);
    claim.writeInt32BE(1 << 20, 0); // claims the whole pool, sends 1000 bytes of it
    hog.write(claim);
    await roundTrip();
    const client = await WireClient.connect(broker.bootstrapServers);
    // A 200 KB Produce sent in two parts: it needs pool memory (what it is answered does not matter).
    const frame = encodeRequestFrame(ApiKey.Produce, 9, { correlationId: 7, clientId: 't' }, {
      transactionalId: null, acks: 1, timeoutMs: 5000,
      topicData: [{ name: 'some-topic', partitionData: [{ index: 0, records: Buffer.alloc(200_000) }] }],
    } as never);
    let answered = false;
    const reply = client.sendRaw(frame.subarray(0, 1000), 7)!.then((r) => {
      answered = true;
      return r;
    });
    await roundTrip();
    client.sendRaw(frame.subarray(1000));
    await roundTrip();
    assert.equal(answered, false, 'not read while the pool is taken');
    hog.destroy();
    const r = await reply;
    assert.equal(r.readInt32BE(4), 7);
    client.close();
    probe.close();
  } finally {
    await broker.close();
  }
});

test('max.connection.creation.rate delays connections over the rate; they are then served', async () => {
  const broker = await startBroker({ config: { 'max.connection.creation.rate': 1 } });
  try {
    const sockets: Socket[] = [];
    for (let i = 0; i < 11; i++) sockets.push(await raw(broker.port));
    // The 11th is over 1/s (counted over at least 10 s): served after up to a second's wait.
    const last = await WireClient.connect(broker.bootstrapServers);
    assert.equal((await last.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode, 0);
    last.close();
    for (const s of sockets) s.destroy();
  } finally {
    await broker.close();
  }
});
