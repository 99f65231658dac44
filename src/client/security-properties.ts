/**
 * A Kafka client's security settings, by Kafka's names, as connection options:
 * - `security.protocol` PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL;
 * - on SSL and SASL_SSL the `ssl.*` settings (PEM key and trust stores, files or inline;
 *   PKCS12 key stores; `ssl.endpoint.identification.algorithm`, https by default, empty to
 *   skip the host name check), read as the broker reads them (src/common/tls-settings.ts);
 * - on SASL_PLAINTEXT and SASL_SSL `sasl.mechanism` (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512,
 *   OAUTHBEARER) with its login in `sasl.jaas.config`: PlainLoginModule or ScramLoginModule
 *   with `username` and `password`, OAuthBearerLoginModule in the unsecured mode.
 * What this client cannot do (JKS stores, GSSAPI, Java login classes, OAuth token endpoints)
 * is refused with the setting's name rather than ignored.
 */
import { parseJaasConfig, type JaasEntry } from '../common/jaas.js';
import { SSL_CLIENT_DEFAULTS, tlsClientOptions } from '../common/tls-settings.js';
import type { ConnectionOptions } from './connection.js';
import { unsecuredOAuthBearer } from './oauthbearer-unsecured.js';

const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;

const PLAIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const SCRAM_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule';
const OAUTHBEARER_MODULE = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';

/** Settings naming Java classes or OAuth flows this client has no equivalent of, by what they configure. */
const UNSUPPORTED: ReadonlyArray<readonly [kind: 'ssl' | 'sasl', name: string, why: string]> = [
  ['sasl', 'sasl.login.class', 'it runs no Java login classes'],
  ['sasl', 'sasl.login.callback.handler.class', 'it runs no Java callback handlers; OAUTHBEARER logs in with the unsecured token of OAuthBearerLoginModule\'s unsecuredLogin* options'],
  ['sasl', 'sasl.client.callback.handler.class', 'it runs no Java callback handlers'],
  ['sasl', 'sasl.oauthbearer.token.endpoint.url', 'it fetches no OAuth tokens; OAUTHBEARER logs in with the unsecured token of OAuthBearerLoginModule\'s unsecuredLogin* options'],
  ['ssl', 'ssl.engine.factory.class', 'it runs no Java SSL engine factories'],
];

export type ClientSecurity = Pick<ConnectionOptions, 'tls' | 'sasl'>;

/**
 * TLS and SASL options from the settings; `where` names their source in error messages
 * (`--command-config client.properties`).
 */
export function clientSecurity(props: ReadonlyMap<string, string>, where: string): ClientSecurity {
  const value = (props.get('security.protocol') ?? 'PLAINTEXT').trim();
  const protocol = SECURITY_PROTOCOLS.find((p) => p === value.toUpperCase());
  if (protocol === undefined) throw new Error(`${where}: security.protocol ${value} is not one of ${SECURITY_PROTOCOLS.join(', ')}`);
  const ssl = protocol === 'SSL' || protocol === 'SASL_SSL';
  const sasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  // As in Kafka, settings of a layer the protocol does not use are ignored.
  for (const [kind, name, why] of UNSUPPORTED) {
    const v = props.get(name);
    if ((kind === 'ssl' ? ssl : sasl) && v !== undefined && v.trim() !== '') throw new Error(`${where}: ${name} is not supported by the millrace client: ${why}`);
  }
  const out: ClientSecurity = {};
  if (ssl) {
    out.tls = tlsClientOptions('', (name) => props.get(name) ?? SSL_CLIENT_DEFAULTS.get(name) ?? null, where);
  }
  if (sasl) out.sasl = saslLogin(props, where);
  return out;
}

function saslLogin(props: ReadonlyMap<string, string>, where: string): NonNullable<ConnectionOptions['sasl']> {
  const given = props.get('sasl.mechanism')?.trim();
  const mechanism = given ?? 'GSSAPI';
  if (!(MECHANISMS as readonly string[]).includes(mechanism)) {
    const what = given === undefined ? 'sasl.mechanism is not set and Kafka\'s default, GSSAPI (Kerberos),' : `sasl.mechanism ${mechanism}`;
    throw new Error(`${where}: ${what} is not supported by the millrace client: set sasl.mechanism to one of ${MECHANISMS.join(', ')}`);
  }
  const text = props.get('sasl.jaas.config');
  if (text === undefined || text.trim() === '') {
    throw new Error(`${where}: sasl.jaas.config is not set: the millrace client reads the ${mechanism} login from it (there is no JAAS file), e.g. ${example(mechanism)}`);
  }
  let jaas: JaasEntry;
  try {
    jaas = parseJaasConfig(text);
  } catch (err) {
    throw new Error(`${where}: sasl.jaas.config: ${(err as Error).message}`);
  }
  const module = jaas.loginModule;
  if (mechanism === 'OAUTHBEARER') {
    if (module !== OAUTHBEARER_MODULE) throw new Error(`${where}: sasl.jaas.config: sasl.mechanism OAUTHBEARER needs ${OAUTHBEARER_MODULE}, not ${module}`);
    try {
      return unsecuredOAuthBearer(jaas.options);
    } catch (err) {
      throw new Error(`${where}: sasl.jaas.config: ${(err as Error).message}`);
    }
  }
  // Both modules put username and password where Kafka's PLAIN and SCRAM clients read them.
  if (module !== PLAIN_MODULE && module !== SCRAM_MODULE) {
    throw new Error(`${where}: sasl.jaas.config: sasl.mechanism ${mechanism} needs ${mechanism === 'PLAIN' ? PLAIN_MODULE : SCRAM_MODULE}, not ${module}`);
  }
  if ((jaas.options.get('tokenauth') ?? 'false').toLowerCase() === 'true') {
    throw new Error(`${where}: sasl.jaas.config: tokenauth (delegation tokens) is not supported by the millrace client`);
  }
  const username = jaas.options.get('username');
  const password = jaas.options.get('password');
  if (username === undefined || password === undefined) throw new Error(`${where}: sasl.jaas.config: ${module} needs username and password options for ${mechanism}`);
  return { mechanism, username, password };
}

function example(mechanism: string): string {
  if (mechanism === 'OAUTHBEARER') return `${OAUTHBEARER_MODULE} required unsecuredLoginStringClaim_sub="alice";`;
  return `${mechanism === 'PLAIN' ? PLAIN_MODULE : SCRAM_MODULE} required username="alice" password="alice-secret";`;
}
