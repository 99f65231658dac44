// The kafkajs producer of the cluster fault tests (test/faults/fault-workload.ts):
//   node fault-producer-kafkajs.mjs BOOTSTRAP TOPIC INTERVAL_MS
// An idempotent producer (acks=-1, maxInFlightRequests 1, as kafkajs requires for idempotence)
// sends "kafkajs-<n>" (key = value), one record per send, one send every INTERVAL_MS, and
// prints each outcome: {"ack":V,"p":P,"o":O} or {"fail":V,"err":"..."}. A line on stdin (or
// its end) stops it: it waits for the send under way and prints {"produced":true}.
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const [bootstrap, topic, intervalMs] = process.argv.slice(2);
const out = (fields) => console.log(JSON.stringify(fields));

const kafka = new Kafka({ clientId: 'millrace-faults-kafkajs', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING,
  requestTimeout: 10_000, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 2000 } });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
let running = true;
process.stdin.on('data', () => { running = false; });
process.stdin.on('end', () => { running = false; });

await producer.connect();
for (let n = 0; running; n++) {
  const value = `kafkajs-${n}`;
  try {
    const [r] = await producer.send({ topic, acks: -1, timeout: 10_000, messages: [{ key: value, value }] });
    out({ ack: value, p: r.partition, o: Number(r.baseOffset) });
  } catch (e) {
    out({ fail: value, err: String(e?.message ?? e) });
  }
  await new Promise((resolve) => setTimeout(resolve, Number(intervalMs)));
}
await producer.disconnect().catch(() => {});
out({ produced: true });
process.exit(0);
