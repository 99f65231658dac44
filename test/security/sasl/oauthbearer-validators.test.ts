import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { JwtValidator } from '../../../src/security/sasl/oauthbearer/jwt.js';
import { UnsecuredValidator, unsecuredOptions } from '../../../src/security/sasl/oauthbearer/unsecured.js';

const b64 = (o: object) => Buffer.from(JSON.stringify(o), 'utf8').toString('base64url');
const unsecured = (claims: object, header: object = { alg: 'none' }) => `${b64(header)}.${b64(claims)}.`;
const NOW = 1_700_000_000_000;

test('unsecured validator: Kafka\'s checks and messages', () => {
  const v = new UnsecuredValidator(unsecuredOptions(new Map([['unsecuredValidatorAllowableClockSkewMs', '500']])), () => NOW);
  const ok = v.validate(unsecured({ sub: 'alice', iat: NOW / 1000 - 1, exp: NOW / 1000 + 60, scope: 'x' }));
  assert.deepEqual([ok.principalName, [...ok.scope], ok.lifetimeMs], ['alice', ['x'], NOW + 60_000]);
  // Within the clock skew an expired token still passes.
  assert.equal(v.validate(unsecured({ sub: 'alice', exp: NOW / 1000 - 0.4 })).principalName, 'alice');
  const cases: Array<[string, RegExp]> = [
    [unsecured({ sub: 'alice', exp: NOW / 1000 - 1 }), /^The indicated time \(1700000000000 ms\) minus allowable clock skew \(500 ms\) was on or after the Expiration Time value \(1699999999\.000000 seconds\)$/],
    [unsecured({ sub: 'alice', iat: NOW / 1000 + 10, exp: NOW / 1000 + 60 }), /^The Issued At value \(1700000010\.000000 seconds\) was after the indicated time/],
    [unsecured({ sub: 'alice' }), /^No expiration time in JWT$/],
    [unsecured({ sub: 7, exp: NOW / 1000 + 60 }), /^The 'sub' claim was not of type String: Integer$/],
    [unsecured({ sub: 'alice', exp: NOW / 1000 + 60 }, { alg: 'RS256' }), /^Unsecured JWS must have 'none' for an algorithm$/],
    [`${unsecured({ sub: 'alice', exp: NOW / 1000 + 60 })}c2ln`, /^Unsecured JWS must not contain a digital signature$/],
    ['a..b', /^Malformed compact serialization contains '\.\.'$/],
    [`${b64({ alg: 'none' })}.e30-.`, /^malformed JSON$/],
  ];
  for (const [token, message] of cases) assert.throws(() => v.validate(token), (err: Error & { status?: string }) => message.test(err.message) && err.status === 'invalid_token');
  assert.throws(() => unsecuredOptions(new Map([['unsecuredValidatorAllowableClockSkewMs', '-1']])), /Allowable clock skew millis must not be negative: -1/);
});

test('JWT validator: signature, alg none, expiry, audience, issuer and sub with the library\'s reasons', async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const { privateKey: stranger } = await generateKeyPair('ES256');
  const keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'a', alg: 'ES256' }] });
  const settings = { jwksEndpointUrl: 'file:///unused', jwksRefreshMs: 1000, expectedAudience: ['kafka'], expectedIssuer: 'idp', subClaimName: 'sub', scopeClaimName: 'scope', clockSkewSeconds: 0, tls: {} };
  const v = new JwtValidator(settings, keys);
  const sign = (claims: Record<string, unknown>, key = privateKey, exp: number | string = '10m') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'a' }).setIssuedAt().setExpirationTime(exp).sign(key);
  const base = { sub: 'bob', aud: 'kafka', iss: 'idp', scope: ['a', 'b'] };
  const ok = await v.validate(await sign(base));
  assert.deepEqual([ok.principalName, [...ok.scope]], ['bob', ['a', 'b']]);
  const refused = async (token: string, reason: RegExp) => assert.rejects(v.validate(token), (err: Error & { status?: string }) => reason.test(err.message) && err.status === 'invalid_token');
  await refused(await sign(base, stranger), /^Could not validate the access token: signature verification failed$/);
  await refused(await sign(base, privateKey, Math.floor(Date.now() / 1000) - 5), /"exp" claim timestamp check failed/);
  await refused(await sign({ ...base, aud: 'other' }), /unexpected "aud" claim value/);
  await refused(await sign({ ...base, iss: 'evil' }), /unexpected "iss" claim value/);
  await refused(await sign({ ...base, sub: undefined }), /^sub value must be non-null$/);
  await refused(await sign({ ...base, scope: ['a', 'a'] }), /^scope value must not contain duplicates - a already present$/);
  await refused(unsecured({ ...base, exp: Math.floor(Date.now() / 1000) + 60, iat: 1 }), /^Could not validate the access token/);
  await refused('not-a-jwt', /^Could not validate the access token: Invalid Compact JWS$/);
  // No iat: Kafka's validator requires it.
  const noIat = await new SignJWT(base).setProtectedHeader({ alg: 'ES256', kid: 'a' }).setExpirationTime('10m').sign(privateKey);
  await refused(noIat, /missing required "iat" claim/);
});
