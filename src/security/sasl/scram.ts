/**
 * SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka's ScramSaslServer runs them:
 * client-first (`n,[a=authzid],n=user,r=nonce[,ext]`, no channel binding), server-first
 * (`r=<client nonce><server nonce>,s=<salt>,i=<iterations>`), client-final (`c=..,r=..,p=proof`)
 * checked against the stored key, server-final (`v=<server signature>`). Hashing and HMAC are
 * node:crypto's; credentials come from the cluster metadata, or with the `tokenauth=true`
 * extension from a delegation token: the user name is its id, the session authenticates as
 * its owner and lasts until its expiry at most.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ScramCredential } from '../../cluster/scram-credentials.js';
import { clientKey, saltedPassword, SCRAM_MECHANISMS, scramDigest, scramHmac, serverKey, type ScramMechanism } from '../../common/scram.js';
import { SaslAuthenticationError, type SaslMechanismServer, type SaslStep } from './mechanism.js';

/** A delegation token's credential for SCRAM with `tokenauth=true` (the token id is the user name). */
export interface ScramTokenCredential {
  credential: ScramCredential;
  /** The token owner's name: the principal the connection authenticates as. */
  ownerName: string;
  /** When the token expires (ms since the epoch): the session ends then at the latest. */
  expiryTimestamp: bigint;
}

export { SCRAM_MECHANISMS, scramMechanism, type ScramMechanism } from '../../common/scram.js';

/** Kafka's ScramControlManager.MAX_ITERATIONS. */
export const SCRAM_MAX_ITERATIONS = 16384;

export function scramMechanismByType(type: number): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => m.type === type);
}

/** The stored credential from a salted password (what AlterUserScramCredentials carries). */
export function scramCredentialFromSaltedPassword(m: ScramMechanism, salt: Buffer, salted: Buffer, iterations: number): ScramCredential {
  return { salt, storedKey: scramDigest(m, clientKey(m, salted)), serverKey: serverKey(m, salted), iterations };
}

/** A credential for a password, with a random salt (tests and tools). */
export function scramCredentialFromPassword(m: ScramMechanism, password: string, iterations: number): ScramCredential {
  const salt = randomBytes(32);
  return scramCredentialFromSaltedPassword(m, salt, saltedPassword(m, password, salt, iterations), iterations);
}

// Kafka's ScramMessages patterns: SASL names escape ',' and '=' as =2C and =3D.
const SASLNAME = '(?:[\\x01-\\x2B\\x2D-\\x3C\\x3E-\\x7F]|=2C|=3D)+';
const PRINTABLE = '[\\x21-\\x2B\\x2D-\\x7E]+';
const BASE64 = '[A-Za-z0-9+/]*={0,2}';
const EXTENSIONS = '(?:,[a-zA-Z]+=[\\x01-\\x2B\\x2D-\\x7F]+)*';
const CLIENT_FIRST = new RegExp(`^n,(?:a=(${SASLNAME}))?,(?:m=[\\x01-\\x2B\\x2D-\\x7F]+,)?n=(${SASLNAME}),r=(${PRINTABLE})(${EXTENSIONS})$`);
const CLIENT_FINAL = new RegExp(`^c=(${BASE64}),r=(${PRINTABLE})(${EXTENSIONS}),p=(${BASE64})$`);

const enum State {
  ClientFirst,
  ClientFinal,
  Complete,
  Failed,
}

/** Kafka's ScramFormatter.username: =2C and =3D back to ',' and '='. */
function username(saslName: string): string {
  return saslName.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

/** Failures Kafka raises as SaslException: the client is told the generic invalid-credentials message. */
class ScramError extends Error {}

export class ScramServer implements SaslMechanismServer {
  private readonly mechanism: ScramMechanism;
  private readonly lookup: (user: string) => ScramCredential | undefined;
  private readonly tokenLookup: (tokenId: string) => ScramTokenCredential | undefined;
  private state = State.ClientFirst;
  private credential: ScramCredential | null = null;
  /** The authorization id: the user, or with a token its owner's name. */
  private user = '';
  private tokenExpiry: bigint | null = null;
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';

  constructor(mechanism: ScramMechanism, lookup: (user: string) => ScramCredential | undefined, tokenLookup: (tokenId: string) => ScramTokenCredential | undefined = () => undefined) {
    this.mechanism = mechanism;
    this.lookup = lookup;
    this.tokenLookup = tokenLookup;
  }

  evaluate(token: Buffer): SaslStep {
    try {
      if (this.state === State.ClientFirst) return this.clientFirst(token.toString('utf8'));
      if (this.state === State.ClientFinal) return this.clientFinal(token.toString('utf8'));
      throw new ScramError(`Unexpected challenge in Sasl server state ${this.state === State.Complete ? 'COMPLETE' : 'FAILED'}`);
    } catch (err) {
      this.state = State.Failed;
      this.credential = null;
      throw err;
    }
  }

  private clientFirst(message: string): SaslStep {
    const m = CLIENT_FIRST.exec(message);
    if (m === null) throw new ScramError(`Invalid SCRAM client first message format: ${message}`);
    const authorizationId = m[1] === undefined ? '' : username(m[1]);
    const user = username(m[2]!);
    const extensions = m[4]!;
    // Kafka knows one extension, tokenauth: the user name is then a delegation token's id.
    const names = extensions === '' ? [] : extensions.slice(1).split(',').map((kv) => kv.slice(0, kv.indexOf('=')));
    if (names.some((n) => n !== 'tokenauth')) throw new ScramError('Unsupported extensions will not be accepted');
    let credential: ScramCredential | undefined;
    if (/(^|,)tokenauth=true(,|$)/i.test(extensions.slice(1))) {
      const token = this.tokenLookup(user);
      if (token === undefined) throw new ScramError(`Token Authentication failed: Invalid tokenId : ${user}`);
      credential = token.credential;
      this.user = token.ownerName;
      this.tokenExpiry = token.expiryTimestamp;
    } else {
      credential = this.lookup(user);
      this.user = user;
      this.tokenExpiry = null;
    }
    if (credential === undefined) throw new ScramError('Authentication failed: Invalid user credentials');
    if (authorizationId !== '' && authorizationId !== user) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    if (credential.iterations < this.mechanism.minIterations) {
      throw new ScramError(`Iterations ${credential.iterations} is less than the minimum ${this.mechanism.minIterations} for ${this.mechanism.name}`);
    }
    this.credential = credential;
    // Kafka signs the bare message as it rebuilds it (ClientFirstMessage.clientFirstMessage()).
    this.clientFirstBare = `n=${m[2]!},r=${m[3]!}${extensions}`;
    this.nonce = m[3]! + randomBytes(18).toString('base64url');
    this.serverFirst = `r=${this.nonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`;
    this.state = State.ClientFinal;
    return { challenge: Buffer.from(this.serverFirst, 'utf8'), user: null };
  }

  private clientFinal(message: string): SaslStep {
    const m = CLIENT_FINAL.exec(message);
    if (m === null) throw new ScramError(`Invalid SCRAM client final message format: ${message}`);
    if (!m[2]!.endsWith(this.nonce)) throw new ScramError('Invalid client nonce in the final client message.');
    const credential = this.credential!;
    const proof = Buffer.from(m[4]!, 'base64');
    const withoutProof = message.slice(0, message.lastIndexOf(',p='));
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientSignature = scramHmac(this.mechanism, credential.storedKey, authMessage);
    if (proof.length !== clientSignature.length) throw new ScramError('Invalid client credentials');
    const key = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) key[i] = proof[i]! ^ clientSignature[i]!;
    if (!timingSafeEqual(scramDigest(this.mechanism, key), credential.storedKey)) throw new ScramError('Invalid client credentials');
    const serverSignature = scramHmac(this.mechanism, credential.serverKey, authMessage);
    this.state = State.Complete;
    this.credential = null;
    const challenge = Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8');
    if (this.tokenExpiry === null) return { challenge, user: this.user };
    return { challenge, user: this.user, credentialExpiresAtMs: Number(this.tokenExpiry), tokenAuthenticated: true };
  }
}
