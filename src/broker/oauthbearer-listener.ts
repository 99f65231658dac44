/**
 * A listener's OAUTHBEARER validator, chosen as Kafka chooses it by
 * `listener.name.<l>.oauthbearer.sasl.server.callback.handler.class`: unset (Kafka's default)
 * is the unsecured validator for development, configured by the OAUTHBEARER JAAS module's
 * `unsecuredValidator*` options; Kafka's OAuthBearerValidatorCallbackHandler (either package)
 * validates signed JWTs against `sasl.oauthbearer.jwks.endpoint.url`. The `sasl.oauthbearer.*`
 * settings are read as the listener sees them (`listener.name.<l>.oauthbearer.<setting>`, then
 * `listener.name.<l>.<setting>`, then the setting itself); an https JWKS endpoint is reached
 * with the `ssl.*` options of the OAUTHBEARER JAAS configuration, as Kafka's JaasOptionsUtils does.
 */
import type { Broker } from './broker.js';
import { listenerPrefix } from './settings/broker-config.js';
import { JwtValidator } from '../security/sasl/oauthbearer/jwt.js';
import type { TokenValidator } from '../security/sasl/oauthbearer/token.js';
import { UnsecuredValidator, unsecuredOptions } from '../security/sasl/oauthbearer/unsecured.js';
import { SSL_CLIENT_DEFAULTS, tlsClientOptions } from '../common/tls-settings.js';

const UNSECURED = 'org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler';
const JWT = new Set([
  'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
  'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerValidatorCallbackHandler',
]);

export function oauthBearerValidator(config: Broker['config'], name: string, jaas: ReadonlyMap<string, string>): TokenValidator {
  const handler = config.listenerOnly(name, 'oauthbearer.sasl.server.callback.handler.class')?.trim() ?? '';
  try {
    if (handler === '' || handler === UNSECURED) return new UnsecuredValidator(unsecuredOptions(jaas));
    if (!JWT.has(handler)) {
      throw new Error(`${handler} is not served; Millrace has ${UNSECURED} (the default) and org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler`);
    }
    const setting = (key: string) => config.listenerOnly(name, `oauthbearer.${key}`) ?? config.listenerRaw(name, key);
    const url = setting('sasl.oauthbearer.jwks.endpoint.url');
    if (url === null || url.trim() === '') throw new Error('sasl.oauthbearer.jwks.endpoint.url must be set for OAuthBearerValidatorCallbackHandler');
    const number = (key: string) => {
      const v = Number(setting(key));
      if (!Number.isFinite(v) || v < 0) throw new Error(`${key} must be a non-negative number`);
      return v;
    };
    return new JwtValidator({
      jwksEndpointUrl: url.trim(),
      jwksRefreshMs: number('sasl.oauthbearer.jwks.endpoint.refresh.ms'),
      expectedAudience: (setting('sasl.oauthbearer.expected.audience') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''),
      expectedIssuer: setting('sasl.oauthbearer.expected.issuer')?.trim() || null,
      subClaimName: setting('sasl.oauthbearer.sub.claim.name')?.trim() || 'sub',
      scopeClaimName: setting('sasl.oauthbearer.scope.claim.name')?.trim() || 'scope',
      clockSkewSeconds: number('sasl.oauthbearer.clock.skew.seconds'),
      // Kafka's JaasOptionsUtils: the https client's ssl.* settings are JAAS options of the login module.
      tls: tlsClientOptions(name, (key) => jaas.get(key) ?? SSL_CLIENT_DEFAULTS.get(key) ?? null, `listener ${name}: OAUTHBEARER JWKS endpoint`),
    });
  } catch (err) {
    throw new Error(`listener ${name}: ${listenerPrefix(name)}oauthbearer.sasl.server.callback.handler.class: ${(err as Error).message}`);
  }
}
