/**
 * The console acts on the broker through Millrace's own client, over the broker's own
 * listener, so that what a console user may do is what the broker's ACLs let their principal
 * do. One session (a KafkaClient with its admin, producer and connections) per principal:
 * without SASL every request shares the anonymous session; with a SASL listener each user logs
 * in with HTTP Basic credentials (PLAIN, SCRAM) or a bearer token (OAUTHBEARER), which the
 * session's client presents to the broker; the broker checks them, and its
 * SASL_AUTHENTICATION_FAILED is answered 401.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AclAdmin } from '../../client/acl-admin.js';
import { Admin } from '../../client/admin.js';
import { KafkaClient } from '../../client/client.js';
import { KafkaResponseError } from '../../client/errors.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { ConnectionOptions } from '../../client/connection.js';
import { Producer } from '../../client/producer.js';
import { HttpError } from './errors.js';

export type ConsoleSaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';

export interface ConsoleOptions {
  /** The broker listener the console connects to (`host:port`). */
  bootstrapServers: readonly string[];
  /** TLS and client id for those connections; credentials come from each user's login. */
  connection?: Omit<ConnectionOptions, 'sasl'>;
  /**
   * The listener's SASL mechanism: set, every request must log in and acts as that user (HTTP
   * Basic for PLAIN and SCRAM, `Authorization: Bearer <token>` for OAUTHBEARER).
   */
  saslMechanism?: ConsoleSaslMechanism;
  /** Largest request body in bytes (default 1 MiB); larger ones get 413. */
  bodyLimit?: number;
  /** A session unused this long is closed (default 5 minutes). */
  idleSessionMs?: number;
}

/** What one principal's requests act through. */
export class ConsoleSession {
  readonly principal: string;
  readonly client: KafkaClient;
  readonly admin: Admin;
  readonly acls: AclAdmin;
  lastUsed = Date.now();
  /** The cluster's id once known (REST Proxy v3 paths name it). */
  clusterId: string | undefined;
  private producerInstance: Producer | undefined;

  constructor(principal: string, client: KafkaClient) {
    this.principal = principal;
    this.client = client;
    this.admin = new Admin(client);
    this.acls = new AclAdmin(client);
  }

  /** A producer that sends each record at once (the console produces one at a time), acks=all. */
  get producer(): Producer {
    if (this.producerInstance === undefined) this.producerInstance = new Producer(this.client, { acks: -1, lingerMs: 0, deliveryTimeoutMs: 30_000, maxBlockMs: 10_000 });
    return this.producerInstance;
  }

  async close(): Promise<void> {
    const p = this.producerInstance;
    this.producerInstance = undefined;
    if (p !== undefined) await p.close().catch(() => {});
    this.client.close();
  }
}

const ANONYMOUS = 'User:ANONYMOUS';
const NO_EXTENSIONS: ReadonlyMap<string, string> = new Map();

/** The sessions by principal (and a hash of the password, so a wrong one never reuses a session). */
export class SessionPool {
  readonly options: ConsoleOptions;
  private readonly sessions = new Map<string, ConsoleSession>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: ConsoleOptions) {
    if (options.bootstrapServers.length === 0) throw new Error('the console needs the broker listener to connect to');
    this.options = options;
    const idle = options.idleSessionMs ?? 300_000;
    this.sweeper = setInterval(() => this.sweep(idle), Math.min(idle, 60_000));
    this.sweeper.unref();
  }

  /** The session a request acts through; 401 when a login is needed and missing. */
  forRequest(req: FastifyRequest): ConsoleSession {
    const mechanism = this.options.saslMechanism;
    if (mechanism === undefined) return this.session(ANONYMOUS, ANONYMOUS, undefined);
    if (mechanism === 'OAUTHBEARER') {
      const token = bearerToken(req.headers.authorization);
      if (token === undefined) throw new HttpError(401, 40101, 'Send an OAuth bearer token the broker accepts (Authorization: Bearer <token>).');
      const key = `bearer\u0000${createHash('sha256').update(token).digest('hex')}`;
      return this.session(key, `User:${tokenSubject(token)}`, { mechanism, token: () => token, extensions: NO_EXTENSIONS });
    }
    const login = basicCredentials(req.headers.authorization);
    if (login === undefined) throw new HttpError(401, 40101, 'Log in with the user name and password of a Kafka user (HTTP Basic).');
    const key = `${login.username}\u0000${createHash('sha256').update(`${mechanism}\u0000${login.username}\u0000${login.password}`).digest('hex')}`;
    return this.session(key, `User:${login.username}`, { mechanism, username: login.username, password: login.password });
  }

  /** How a 401 asks for a login (the WWW-Authenticate challenge). */
  get challenge(): string {
    return this.options.saslMechanism === 'OAUTHBEARER' ? 'Bearer realm="millrace"' : 'Basic realm="millrace", charset="UTF-8"';
  }

  /** Forgets a session whose login the broker refused. */
  async drop(session: ConsoleSession): Promise<void> {
    for (const [k, s] of this.sessions) if (s === session) this.sessions.delete(k);
    await session.close();
  }

  /**
   * Runs `fn` with the request's session. A login the broker refuses drops the session, so
   * the next attempt connects afresh.
   */
  async run<T>(req: FastifyRequest, fn: (session: ConsoleSession) => Promise<T>): Promise<T> {
    const session = this.forRequest(req);
    try {
      return await fn(session);
    } catch (err) {
      if (err instanceof KafkaResponseError && err.code === ErrorCode.SASL_AUTHENTICATION_FAILED) await this.drop(session);
      throw err;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.close()));
  }

  private session(key: string, principal: string, sasl: ConnectionOptions['sasl']): ConsoleSession {
    let s = this.sessions.get(key);
    if (s === undefined) {
      const client = new KafkaClient({
        ...this.options.connection,
        clientId: this.options.connection?.clientId ?? 'millrace-console',
        bootstrapServers: this.options.bootstrapServers,
        retryTimeoutMs: 10_000,
        ...(sasl === undefined ? {} : { sasl }),
      });
      s = new ConsoleSession(principal, client);
      this.sessions.set(key, s);
    }
    s.lastUsed = Date.now();
    return s;
  }

  private sweep(idleMs: number): void {
    const cutoff = Date.now() - idleMs;
    for (const [k, s] of this.sessions) {
      if (s.lastUsed < cutoff) {
        this.sessions.delete(k);
        void s.close();
      }
    }
  }
}

/** `Authorization: Basic base64(user:password)`, or undefined. */
export function basicCredentials(header: string | undefined): { username: string; password: string } | undefined {
  if (header === undefined) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (m === null) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i <= 0) return undefined;
  return { username: text.slice(0, i), password: text.slice(i + 1) };
}

/** `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = header === undefined ? null : /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header);
  return m === null ? undefined : m[1];
}

/**
 * The `sub` claim of a JWT, for showing whom a session acts as; unverified here because the
 * broker verifies the token when the session's client logs in, before anything is shown.
 */
function tokenSubject(token: string): string {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : 'unknown';
  } catch {
    return 'unknown';
  }
}
