// Compat driver for @platformatic/kafka 1.x over a secured listener (installed by
// test/compat/setup, in the folder COMPAT_NODE_MODULES names):
//   node secure-platformatic.mjs BOOTSTRAP TOPIC COUNT CONFIG_JSON
// CONFIG_JSON: { "ca": path, "cert"?: path, "key"?: path, "sasl"?: { "mechanism", "username"?,
// "password"?, "token"? } }, the client's own `tls` and `sasl` options with PEM files named by
// path. Produces COUNT records "v0".."v<COUNT-1>" (idempotent, acks all), then reads them back
// as a consumer group member (Consumer#consume from the earliest offset). Prints
// {"client":...}, {"produced":N} and {"consumed":[...]}; exits 1 on any client error.
import { readFileSync } from 'node:fs';
import { loadPlatformaticKafka } from './platformatic-kafka-load.mjs';

const { kafka: { Producer, Consumer, ProduceAcks, saslOAuthBearer }, version } = await loadPlatformaticKafka();
const [bootstrap, topic, countText, configText] = process.argv.slice(2);
const count = Number(countText);
const config = JSON.parse(configText);
console.log(JSON.stringify({ client: `@platformatic/kafka ${version} (node ${process.version})` }));

const tls = { ca: [readFileSync(config.ca, 'utf8')] };
if (config.cert !== undefined) Object.assign(tls, { cert: readFileSync(config.cert, 'utf8'), key: readFileSync(config.key, 'utf8') });
// OAUTHBEARER: a refused token comes back as RFC 7628's JSON error in a successful
// SaslAuthenticate response (the broker then waits for the client's \x01 and closes); the
// client reads that JSON only with its jwtValidateAuthenticationBytes validator, so set it.
const sasl = config.sasl?.mechanism === 'OAUTHBEARER' ? { ...config.sasl, authBytesValidator: saslOAuthBearer.jwtValidateAuthenticationBytes } : config.sasl;
const security = { tls, ...(sasl === undefined ? {} : { sasl }) };
// Two retries: a refused login fails after three tries. (An idempotent producer given fewer
// than two retries makes them unlimited, and retries a refused login for ever.) 100 ms between
// tries instead of the client's default second: a refused login is not worth waiting on.
const common = { bootstrapBrokers: [bootstrap], retries: 2, retryDelay: 100, timeout: 15000, ...security };

const deadline = setTimeout(() => {
  console.error('timed out');
  process.exit(2);
}, 60_000);

/** An error with its inner errors and causes on one line, so the test sees why a login failed. */
const describe = (e) => [e?.message, ...(e?.errors ?? []).map(describe), ...(e?.cause === undefined ? [] : [describe(e.cause)])].join(' / ');

async function roundTrip() {
  const producer = new Producer({ clientId: 'millrace-compat-platformatic-secure', idempotent: true, ...common });
  try {
    await producer.send({ acks: ProduceAcks.ALL, messages: Array.from({ length: count }, (_, i) => ({ topic, value: Buffer.from(`v${i}`) })) });
  } finally {
    await producer.close();
  }
  console.log(JSON.stringify({ produced: count }));

  const consumer = new Consumer({ clientId: 'millrace-compat-platformatic-secure', groupId: `compat-platformatic-${topic}`, maxWaitTime: 100, ...common });
  const consumed = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxWaitTime: 100 });
    for await (const message of stream) {
      consumed.push(message.value.toString());
      if (consumed.length >= count) break;
    }
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  console.log(JSON.stringify({ consumed }));
}

try {
  await roundTrip();
} catch (e) {
  console.log(JSON.stringify({ error: describe(e) }));
  process.exit(1);
}
clearTimeout(deadline);
