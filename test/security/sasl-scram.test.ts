import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { principalsOn, startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { WireClient } from '../helpers/wire-client.js';

type Hash = 'sha256' | 'sha512';
const MECHANISMS: Array<[string, Hash, number, number]> = [['SCRAM-SHA-256', 'sha256', 32, 1], ['SCRAM-SHA-512', 'sha512', 64, 2]];
const GENERIC = (m: string) => `Authentication failed during authentication due to invalid credentials with SASL mechanism ${m}`;

function saslBroker(logDir?: string): Promise<TestBroker> {
  return startTestBroker({
    ...(logDir === undefined ? {} : { logDir }),
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
      'connection.failed.authentication.delay.ms': 10,
    },
  });
}

/** A salted password as kafka-configs.sh sends it. */
function upsertion(name: string, mechanism: number, password: string, iterations: number) {
  const [, hash, bytes] = MECHANISMS.find((m) => m[3] === mechanism)!;
  const salt = randomBytes(16);
  return { name, mechanism, iterations, salt, saltedPassword: pbkdf2Sync(password, salt, iterations, bytes, hash) };
}

/** The client side of RFC 5802, written here against node:crypto. */
class ScramClient {
  readonly nonce = randomBytes(12).toString('base64url');
  private serverFirst = '';
  private salted: Buffer = Buffer.alloc(0);
  authMessage = '';
  constructor(private readonly hash: Hash, private readonly bytes: number, private readonly user: string, private readonly password: string) {}
  first(): Buffer {
    return Buffer.from(`n,,${this.bare()}`);
  }
  private bare(): string {
    return `n=${this.user.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${this.nonce}`;
  }
  final(serverFirst: Buffer): Buffer {
    this.serverFirst = serverFirst.toString();
    const attrs = Object.fromEntries(this.serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
    assert.ok(attrs.r!.startsWith(this.nonce));
    this.salted = pbkdf2Sync(this.password, Buffer.from(attrs.s!, 'base64'), Number(attrs.i), this.bytes, this.hash);
    const withoutProof = `c=biws,r=${attrs.r}`;
    this.authMessage = `${this.bare()},${this.serverFirst},${withoutProof}`;
    const clientKey = createHmac(this.hash, this.salted).update('Client Key').digest();
    const storedKey = createHash(this.hash).update(clientKey).digest();
    const signature = createHmac(this.hash, storedKey).update(this.authMessage).digest();
    const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
  }
  serverSignatureOk(serverFinal: Buffer): boolean {
    const serverKey = createHmac(this.hash, this.salted).update('Server Key').digest();
    return serverFinal.toString() === `v=${createHmac(this.hash, serverKey).update(this.authMessage).digest('base64')}`;
  }
}

async function saslConnect(tb: TestBroker, mechanism: string): Promise<WireClient> {
  const c = await WireClient.connect(tb.broker.listenerAddress('SASL_PLAINTEXT'));
  const hs = await c.request(ApiKey.SaslHandshake, 1, { mechanism });
  assert.equal(hs.errorCode, 0);
  return c;
}

test('AlterUserScramCredentials and DescribeUserScramCredentials as Kafka answers them, kept across a restart', async () => {
  let tb = await saslBroker();
  const logDir = tb.logDir;
  try {
    const alter = await tb.client.request(ApiKey.AlterUserScramCredentials, 0, {
      deletions: [{ name: 'nobody', mechanism: 1 }],
      upsertions: [
        upsertion('alice', 1, 'alice-secret', 4096),
        upsertion('bob', 2, 'bob-secret', 8192),
        upsertion('few', 1, 'x', 4095),
        upsertion('many', 2, 'x', 16385),
        upsertion('', 1, 'x', 4096),
        { ...upsertion('odd', 1, 'x', 4096), mechanism: 3 },
        upsertion('twice', 1, 'x', 4096),
        upsertion('twice', 2, 'x', 4096),
      ],
    });
    const byUser = Object.fromEntries(alter.results.map((r) => [r.user, [r.errorCode, r.errorMessage]]));
    assert.deepEqual(byUser, {
      alice: [0, null],
      bob: [0, null],
      nobody: [ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist'],
      few: [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations'],
      many: [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations'],
      '': [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty'],
      odd: [ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism'],
      twice: [ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request'],
    });
    await tb.close(true);
    tb = await saslBroker(logDir);
    const all = await tb.client.request(ApiKey.DescribeUserScramCredentials, 0, { users: null });
    assert.deepEqual(all.results.map((r) => [r.user, r.errorCode, r.credentialInfos]).sort(), [
      ['alice', 0, [{ mechanism: 1, iterations: 4096 }]],
      ['bob', 0, [{ mechanism: 2, iterations: 8192 }]],
    ]);
    const some = await tb.client.request(ApiKey.DescribeUserScramCredentials, 0, { users: [{ name: 'alice' }, { name: 'carol' }, { name: 'bob' }, { name: 'bob' }] });
    assert.deepEqual(some.results.map((r) => [r.user, r.errorCode, r.errorMessage]), [
      ['alice', 0, null],
      ['carol', ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to describe a user credential that does not exist: carol'],
      ['bob', ErrorCode.DUPLICATE_RESOURCE, 'Cannot describe SCRAM credentials for the same user twice in a single request: bob'],
    ]);
    const del = await tb.client.request(ApiKey.AlterUserScramCredentials, 0, { deletions: [{ name: 'bob', mechanism: 2 }], upsertions: [] });
    assert.deepEqual(del.results.map((r) => [r.user, r.errorCode]), [['bob', 0]]);
    const after = await tb.client.request(ApiKey.DescribeUserScramCredentials, 0, { users: [] });
    assert.deepEqual(after.results.map((r) => r.user), ['alice']);
  } finally {
    await tb.close();
  }
});

test('SCRAM-SHA-256 and SCRAM-SHA-512 authenticate with SaslAuthenticate; the server proves it knows the key', async () => {
  const tb = await saslBroker();
  try {
    for (const [name, hash, bytes, type] of MECHANISMS) {
      const user = `user,=${type}`;
      await tb.client.request(ApiKey.AlterUserScramCredentials, 0, { deletions: [], upsertions: [upsertion(user, type, 'pw', 4096)] });
      const c = await saslConnect(tb, name);
      const scram = new ScramClient(hash, bytes, user, 'pw');
      const first = await c.request(ApiKey.SaslAuthenticate, 2, { authBytes: scram.first() });
      assert.equal(first.errorCode, 0);
      const final = await c.request(ApiKey.SaslAuthenticate, 2, { authBytes: scram.final(first.authBytes) });
      assert.equal(final.errorCode, 0, final.errorMessage ?? '');
      assert.ok(scram.serverSignatureOk(final.authBytes));
      assert.equal((await c.request(ApiKey.Metadata, 12, { topics: null })).brokers.length, 1);
      // The SASL name's =2C and =3D are the user's ',' and '='.
      assert.ok(principalsOn(tb, 'SASL_PLAINTEXT').includes(`User:${user}`));
      c.close();
    }
  } finally {
    await tb.close();
  }
});

test('SCRAM failures: wrong password, unknown user, truncated and replayed exchanges, malformed messages', async () => {
  const tb = await saslBroker();
  try {
    await tb.client.request(ApiKey.AlterUserScramCredentials, 0, { deletions: [], upsertions: [upsertion('alice', 2, 'right', 4096)] });
    const fail = async (steps: (c: WireClient) => Promise<{ errorCode: number; errorMessage: string | null }>, message: string) => {
      const c = await saslConnect(tb, 'SCRAM-SHA-512');
      const res = await steps(c);
      assert.deepEqual([res.errorCode, res.errorMessage], [ErrorCode.SASL_AUTHENTICATION_FAILED, message]);
      await c.waitClosed();
    };
    const generic = GENERIC('SCRAM-SHA-512');
    // Wrong password: the proof does not match.
    await fail(async (c) => {
      const s = new ScramClient('sha512', 64, 'alice', 'wrong');
      const first = await c.request(ApiKey.SaslAuthenticate, 2, { authBytes: s.first() });
      return c.request(ApiKey.SaslAuthenticate, 2, { authBytes: s.final(first.authBytes) });
    }, generic);
    // No such user.
    await fail((c) => c.request(ApiKey.SaslAuthenticate, 2, { authBytes: new ScramClient('sha512', 64, 'mallory', 'x').first() }), generic);
    // A client-first message that is not one (channel binding asked, which Kafka does not offer).
    await fail((c) => c.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from('p=tls-unique,,n=alice,r=abc') }), generic);
    // Truncated: a final message cut before its proof.
    await fail(async (c) => {
      const s = new ScramClient('sha512', 64, 'alice', 'right');
      const first = await c.request(ApiKey.SaslAuthenticate, 2, { authBytes: s.first() });
      const final = s.final(first.authBytes).toString();
      return c.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from(final.slice(0, final.indexOf(',p='))) });
    }, generic);
    // Replayed: a final message recorded from a successful exchange, sent in a new one.
    const ok = await saslConnect(tb, 'SCRAM-SHA-512');
    const s1 = new ScramClient('sha512', 64, 'alice', 'right');
    const f1 = await ok.request(ApiKey.SaslAuthenticate, 2, { authBytes: s1.first() });
    const recorded = s1.final(f1.authBytes);
    assert.equal((await ok.request(ApiKey.SaslAuthenticate, 2, { authBytes: recorded })).errorCode, 0);
    ok.close();
    await fail(async (c) => {
      await c.request(ApiKey.SaslAuthenticate, 2, { authBytes: s1.first() });
      return c.request(ApiKey.SaslAuthenticate, 2, { authBytes: recorded });
    }, generic);
    // Other connections are unaffected.
    assert.equal((await tb.client.request(ApiKey.Metadata, 12, { topics: null })).brokers.length, 1);
  } finally {
    await tb.close();
  }
});

test('SCRAM over handshake v0: raw client and server messages', async () => {
  const tb = await saslBroker();
  try {
    await tb.client.request(ApiKey.AlterUserScramCredentials, 0, { deletions: [], upsertions: [upsertion('alice', 1, 'pw', 4096)] });
    const c = await WireClient.connect(tb.broker.listenerAddress('SASL_PLAINTEXT'));
    assert.equal((await c.request(ApiKey.SaslHandshake, 0, { mechanism: 'SCRAM-SHA-256' })).errorCode, 0);
    c.socket.removeAllListeners('data');
    let buffered = Buffer.alloc(0);
    const nextFrame = () => new Promise<Buffer>((resolve) => {
      const onData = (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered.length < 4 || buffered.length < 4 + buffered.readInt32BE(0)) return;
        c.socket.removeListener('data', onData);
        const size = buffered.readInt32BE(0);
        const out = buffered.subarray(4, 4 + size);
        buffered = buffered.subarray(4 + size);
        resolve(out);
      };
      c.socket.on('data', onData);
      onData(Buffer.alloc(0));
    });
    const send = (token: Buffer) => {
      const frame = Buffer.alloc(4 + token.length);
      frame.writeInt32BE(token.length, 0);
      token.copy(frame, 4);
      c.socket.write(frame);
    };
    const s = new ScramClient('sha256', 32, 'alice', 'pw');
    send(s.first());
    const serverFirst = await nextFrame();
    send(s.final(serverFirst));
    assert.ok(s.serverSignatureOk(await nextFrame()));
    c.close();
  } finally {
    await tb.close();
  }
});
