/**
 * SASL/PLAIN's server side as Kafka's PlainSaslServer: one token `authzid NUL authcid NUL
 * password`, checked against the `user_<name>="<password>"` options of the listener's PLAIN
 * JAAS configuration, with Kafka's messages for each refusal.
 */
import { timingSafeEqual } from 'node:crypto';
import { SaslAuthenticationError, type SaslMechanismServer, type SaslStep } from './mechanism.js';

const EMPTY = Buffer.alloc(0);

export class PlainServer implements SaslMechanismServer {
  private readonly users: ReadonlyMap<string, string>;
  private done = false;

  constructor(users: ReadonlyMap<string, string>) {
    this.users = users;
  }

  evaluate(token: Buffer): SaslStep {
    if (this.done) throw new SaslAuthenticationError('Authentication failed: PLAIN exchange already complete');
    this.done = true;
    const parts = token.toString('utf8').split('\u0000');
    if (parts.length !== 3) throw new SaslAuthenticationError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${parts.length}`);
    const [authorizationId, username, password] = parts as [string, string, string];
    if (username === '') throw new SaslAuthenticationError('Authentication failed: username not specified');
    if (password === '') throw new SaslAuthenticationError('Authentication failed: password not specified');
    if (!passwordMatches(this.users.get(username), password)) throw new SaslAuthenticationError('Authentication failed: Invalid username or password');
    if (authorizationId !== '' && authorizationId !== username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    return { challenge: EMPTY, user: username };
  }
}

function passwordMatches(expected: string | undefined, given: string): boolean {
  if (expected === undefined) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** PLAIN's users from the JAAS options: `user_<name>` holds that user's password. */
export function plainUsers(options: ReadonlyMap<string, string>): Map<string, string> {
  const users = new Map<string, string>();
  for (const [k, v] of options) if (k.startsWith('user_')) users.set(k.slice(5), v);
  return users;
}
