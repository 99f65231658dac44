#!/usr/bin/env node
// Issue 16's quota proof: a client over its byte-rate quota is throttled to within 10% of the
// quota over 30 s. An embedded Millrace broker (this checkout's dist/) gets a
// producer_byte_rate quota for one client id (AlterClientQuotas); that client then produces
// as fast as the broker lets it (one request in flight, like a producer honouring the
// broker's muting; --in-flight N pipelines) for --seconds, and the script prints the produced
// request bytes per second against the quota, with the throttle times the broker answered.
//
// What to expect: Kafka's Rate lets a client burst up to quota x (quota.window.num - 1) windows
// whenever its oldest window leaves the rate (every 11 s with the defaults) and then trickles;
// over 30 s that gives about 1.08-1.10 x the quota for a client sending small requests as fast
// as it may, and about 1.0 over whole multiples of 11 s (33 s, 44 s).
//
//   npm run build && node bench/quotas/run.js [--seconds 30] [--quota 1048576] [--record-bytes 16384] [--in-flight 1]
import { startBroker } from '../../dist/src/start-broker.js';
import { createTopics, WireClient } from '../../dist/test/helpers/wire-client.js';
import { encodeBatchSync } from '../../dist/src/protocol/records/encode.js';
import { ApiKey } from '../../dist/src/protocol/generated/api-keys.js';
import { encodeRequestFrame } from '../../dist/src/protocol/header.js';
import { readOptions } from '../../tools/cli-args.js';

function parseArgs(argv) {
  const { values: v } = readOptions(argv, {
    seconds: { type: 'number', default: '30' },
    quota: { type: 'number', default: '1048576' },
    'record-bytes': { type: 'number', default: '16384' },
    'in-flight': { type: 'number', default: '1' },
  });
  return { seconds: v.seconds, quota: v.quota, recordBytes: v['record-bytes'], inFlight: v['in-flight'] };
}

const o = parseArgs(process.argv.slice(2));
const broker = await startBroker({ config: { 'log.retention.bytes': 268435456 } });
const admin = await WireClient.connect(broker.bootstrapServers, { apiVersions: true });
try {
  await createTopics(admin, [{ name: 'quota-bench', partitions: 1 }]);
  const set = await admin.request(ApiKey.AlterClientQuotas, 1, {
    entries: [{ entity: [{ entityType: 'client-id', entityName: 'quota-bench' }], ops: [{ key: 'producer_byte_rate', value: o.quota, remove: false }] }],
    validateOnly: false,
  });
  if (set.entries[0].errorCode !== 0) throw new Error(`AlterClientQuotas: ${set.entries[0].errorMessage}`);
  const client = await WireClient.connect(broker.bootstrapServers, { clientId: 'quota-bench', timeoutMs: 0 });
  const records = encodeBatchSync([{ value: Buffer.alloc(o.recordBytes, 42) }]);
  const request = {
    transactionalId: null, acks: 1, timeoutMs: 30000,
    topicData: [{ name: 'quota-bench', partitionData: [{ index: 0, records }] }],
  };
  let bytes = 0;
  let requests = 0;
  let throttled = 0;
  let throttleMs = 0;
  let requestBytes = 0;
  const start = performance.now();
  const end = start + o.seconds * 1000;
  async function loop() {
    while (performance.now() < end) {
      const res = await client.request(ApiKey.Produce, 9, request);
      if (res.responses[0].partitionResponses[0].errorCode !== 0) throw new Error(`produce error ${res.responses[0].partitionResponses[0].errorCode}`);
      requests++;
      bytes += requestBytes;
      if (res.throttleTimeMs > 0) {
        throttled++;
        throttleMs += res.throttleTimeMs;
      }
    }
  }
  // The broker charges the request frame: its size without the 4-byte length prefix.
  requestBytes = encodeRequestFrame(ApiKey.Produce, 9, { correlationId: 1, clientId: 'quota-bench' }, request).length - 4;
  await Promise.all(Array.from({ length: o.inFlight }, loop));
  const elapsed = (performance.now() - start) / 1000;
  const rate = bytes / elapsed;
  client.close();
  console.log(JSON.stringify({
    node: process.version,
    seconds: Math.round(elapsed * 100) / 100,
    quota_bytes_per_s: o.quota,
    measured_bytes_per_s: Math.round(rate),
    ratio: Math.round((rate / o.quota) * 1000) / 1000,
    within_10_percent: Math.abs(rate / o.quota - 1) <= 0.1,
    requests,
    request_bytes: requestBytes,
    throttled_responses: throttled,
    mean_throttle_ms: throttled === 0 ? 0 : Math.round(throttleMs / throttled),
    in_flight: o.inFlight,
  }, null, 1));
} finally {
  admin.close();
  await broker.close();
}
