// Delegation tokens in a cluster on a real etcd: a token created through one broker is a key
// under <root>tokens/ (without its HMAC), authenticates SCRAM (tokenauth=true) on the other
// broker, is renewed there, and once expired through the first broker authenticates nowhere.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startBroker, type EmbeddedBroker } from '../../../src/start-broker.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { EtcdKv } from '../../../src/cluster/kv/etcd-kv.js';
import { connectSaslPlain, connectScram } from '../../helpers/sasl-client.js';
import { eventually } from '../../helpers/eventually.js';
import { startEtcd, type EtcdServer } from './etcd-server.js';

let server: EtcdServer;
before(async () => {
  server = await startEtcd();
});
after(async () => {
  await server.stop();
});

test('a token made on one broker of an etcd cluster authenticates on another until it is expired', async () => {
  const root = `/tokens-${randomBytes(4).toString('hex')}`;
  const brokers: EmbeddedBroker[] = [];
  const kv = new EtcdKv({ hosts: [server.endpoint] });
  try {
    for (const id of [1, 2]) {
      brokers.push(await startBroker({
        config: {
          'node.id': id,
          'metadata.store': `etcd://${server.endpoint}${root}`,
          // The SASL listener first: bootstrapServers is its address; brokers talk over PLAINTEXT.
          listeners: 'SASL_PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0',
          'inter.broker.listener.name': 'PLAINTEXT',
          'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256',
          'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="a";',
          'connection.failed.authentication.delay.ms': 0,
          'delegation.token.secret.key': 'cluster-secret',
        },
      }));
    }
    const [one, two] = brokers as [EmbeddedBroker, EmbeddedBroker];
    const alice = await connectSaslPlain(one.bootstrapServers, 'alice', 'a');
    try {
      const created = await alice.request(ApiKey.CreateDelegationToken, 3, { ownerPrincipalType: null, ownerPrincipalName: null, renewers: [], maxLifetimeMs: -1n });
      assert.equal(created.errorCode, ErrorCode.NONE);
      const stored = await kv.get(`${root}/tokens/${created.tokenId}`);
      assert.ok(stored !== undefined);
      const record = JSON.parse(stored.value) as Record<string, unknown>;
      assert.equal(record.owner, 'User:alice');
      assert.ok(!('hmac' in record));
      const password = created.hmac.toString('base64');
      // Broker 2 learns the token from its watch.
      await eventually('broker 2 knows the token', async () => {
        try {
          (await connectScram(two.bootstrapServers, 'SCRAM-SHA-256', created.tokenId, password, true)).close();
          return true;
        } catch {
          return false;
        }
      }, { intervalMs: 50 });
      const onTwo = await connectSaslPlain(two.bootstrapServers, 'alice', 'a');
      try {
        const renewed = await onTwo.request(ApiKey.RenewDelegationToken, 2, { hmac: created.hmac, renewPeriodMs: 60_000n });
        assert.equal(renewed.errorCode, ErrorCode.NONE);
        await eventually('broker 1 describes the renewed token', async () => {
          const d = await alice.request(ApiKey.DescribeDelegationToken, 3, { owners: null });
          return d.tokens.length === 1 && d.tokens[0]!.expiryTimestamp === renewed.expiryTimestampMs;
        }, { intervalMs: 50 });
      } finally {
        onTwo.close();
      }
      const expired = await alice.request(ApiKey.ExpireDelegationToken, 2, { hmac: created.hmac, expiryTimePeriodMs: -1n });
      assert.equal(expired.errorCode, ErrorCode.NONE);
      assert.equal(await kv.get(`${root}/tokens/${created.tokenId}`), undefined);
      await eventually('broker 2 refuses the token', async () => {
        try {
          (await connectScram(two.bootstrapServers, 'SCRAM-SHA-256', created.tokenId, password, true)).close();
          return false;
        } catch (err) {
          return /error 58/.test((err as Error).message);
        }
      }, { intervalMs: 50 });
    } finally {
      alice.close();
    }
  } finally {
    await kv.close();
    for (const b of brokers.reverse()) await b.close();
  }
});
