// ScramServer on its own: each of Kafka's ScramSaslServer refusals, and RFC 7677's test vector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { ScramServer, scramCredentialFromPassword, scramCredentialFromSaltedPassword, scramMechanism } from '../../../src/security/sasl/scram.js';
import { SaslAuthenticationError } from '../../../src/security/sasl/mechanism.js';
import { saltedPassword } from '../../../src/common/scram.js';

const SHA256 = scramMechanism('SCRAM-SHA-256')!;

test('RFC 7677: the stored and server keys of user/pencil', () => {
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
  const cred = scramCredentialFromSaltedPassword(SHA256, salt, saltedPassword(SHA256, 'pencil', salt, 4096), 4096);
  // ServerSignature of the RFC's exchange, computed from the server key over its AuthMessage.
  const authMessage = 'n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
  assert.equal(createHmac('sha256', cred.serverKey).update(authMessage).digest('base64'), '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
});

test("Kafka's refusals: unknown user, unknown extension, token auth, too few iterations, another authorization id, a message after the end", () => {
  const alice = scramCredentialFromPassword(SHA256, 'pw', 4096);
  const lookup = (u: string) => (u === 'alice' ? alice : u === 'weak' ? { ...alice, iterations: 1000 } : undefined);
  const first = (text: string) => new ScramServer(SHA256, lookup).evaluate(Buffer.from(text));
  assert.throws(() => first('n,,n=mallory,r=abc'), { message: 'Authentication failed: Invalid user credentials' });
  assert.throws(() => first('n,,n=alice,r=abc,foo=bar'), { message: 'Unsupported extensions will not be accepted' });
  // A token id no token has (every id, without a token lookup), as ScramSaslServer's token path says it.
  assert.throws(() => first('n,,n=alice,r=abc,tokenauth=true'), { message: 'Token Authentication failed: Invalid tokenId : alice' });
  assert.throws(() => first('n,,n=weak,r=abc'), { message: 'Iterations 1000 is less than the minimum 4096 for SCRAM-SHA-256' });
  assert.throws(() => first('n,a=bob,n=alice,r=abc'), (e: unknown) => e instanceof SaslAuthenticationError && e.message === 'Authentication failed: Client requested an authorization id that is different from username');
  assert.throws(() => first('y,,n=alice,r=abc'), /Invalid SCRAM client first message format/);
  const server = new ScramServer(SHA256, lookup);
  const serverFirst = server.evaluate(Buffer.from('n,,n=alice,r=abc')).challenge.toString();
  assert.match(serverFirst, /^r=abc[A-Za-z0-9_-]+,s=[A-Za-z0-9+/=]+,i=4096$/);
  assert.throws(() => server.evaluate(Buffer.from('c=biws,r=abc,p=AAAA')), { message: 'Invalid client nonce in the final client message.' });
  // A failed exchange stays failed.
  assert.throws(() => server.evaluate(Buffer.from('n,,n=alice,r=abc')), /Unexpected challenge in Sasl server state FAILED/);
});
