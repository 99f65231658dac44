/**
 * Issue 18's proof for /metrics with clients we did not write: kcat (librdkafka) produces
 * through a loopback proxy that counts every byte it sends, and the broker's bytes-in counter,
 * scraped and parsed strictly, is within 1% of it (the difference is the requests' framing:
 * headers, ApiVersions, Metadata); a kcat group consumer reads part of the topic, and the lag
 * /metrics reports is the lag `millrace group describe` prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startBroker } from '../../src/start-broker.js';
import { ensureApt } from './setup/apt.js';
import { parsePrometheusText, sampleValue, type Exposition } from '../helpers/prometheus-text.js';

const KCAT = process.env.KCAT ?? 'kcat';
const bin = join(fileURLToPath(new URL('../../..', import.meta.url)), 'bin/millrace.js');

function exec(command: string, args: readonly string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/** A TCP proxy to `target` counting the bytes clients send through it. */
async function countingProxy(): Promise<{ server: Server; port: number; sent: () => number; forwardTo: (port: number) => void }> {
  let sent = 0;
  let targetPort = -1;
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    client.on('data', (d: Buffer) => (sent += d.length));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, sent: () => sent, forwardTo: (p) => (targetPort = p) };
}

test('kcat: bytes in within 1% of what kcat sent; lag as `millrace group describe` shows it', async () => {
  await ensureApt(['kcat']);
  const proxy = await countingProxy();
  // Clients are told the proxy's address, so every byte kcat sends passes through it.
  const broker = await startBroker({
    // kcat -G joins a fresh group: no 3 s wait for more members (as setup/target.ts)
    config: { 'console.listeners': 'http://127.0.0.1:0', 'num.partitions': 1, 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}`,
      'group.initial.rebalance.delay.ms': 0 },
  });
  proxy.forwardTo(broker.port);
  const bootstrap = `127.0.0.1:${proxy.port}`;
  const scrape = async (): Promise<Exposition> => parsePrometheusText(await (await fetch(new URL('metrics', broker.consoleUrl!))).text());
  try {
    const records = 3000;
    const input = Array.from({ length: records }, (_, i) => `key-${i}\t${'x'.repeat(400 + (i % 200))}-${i}`).join('\n') + '\n';
    const p = await exec(KCAT, ['-P', '-b', bootstrap, '-t', 'watched', '-K', '\t', '-X', 'linger.ms=20'], input);
    assert.equal(p.code, 0, p.stderr);
    let m = await scrape();
    const bytesIn = sampleValue(m, 'millrace_broker_topic_bytes_in_total', { topic: 'watched' });
    const sent = proxy.sent();
    assert.ok(bytesIn > 0 && bytesIn <= sent, `bytes in ${bytesIn}, kcat sent ${sent}`);
    assert.ok((sent - bytesIn) / sent < 0.01, `bytes in ${bytesIn} within 1% of the ${sent} bytes kcat sent`);
    assert.equal(sampleValue(m, 'millrace_broker_topic_messages_in_total', { topic: 'watched' }), records);
    assert.equal(sampleValue(m, 'millrace_log_end_offset', { topic: 'watched', partition: '0' }), records);

    // A group reads part of the topic and commits when it leaves.
    const read = 1200;
    const c = await exec(KCAT, ['-b', bootstrap, '-G', 'watchers', '-c', String(read), '-X', 'auto.offset.reset=earliest', '-f', '%o\\n', 'watched']);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(c.stdout.trim().split('\n').length, read);
    const described = await exec(process.execPath, [bin, 'group', 'describe', 'watchers', '--bootstrap-server', broker.bootstrapServers, '--json']);
    assert.equal(described.code, 0, described.stderr);
    const report = JSON.parse(described.stdout) as { partitions: Array<{ topic: string; partition: number; currentOffset: string | number | null; lag: string | number | null }> };
    const row = report.partitions.find((x) => x.topic === 'watched' && x.partition === 0)!;
    assert.ok(row.lag !== null && row.currentOffset !== null);
    m = await scrape();
    assert.equal(sampleValue(m, 'millrace_consumer_group_lag', { group: 'watchers', topic: 'watched', partition: '0' }), Number(row.lag));
    assert.equal(sampleValue(m, 'millrace_consumer_group_committed_offset', { group: 'watchers', topic: 'watched', partition: '0' }), Number(row.currentOffset));
    assert.equal(Number(row.lag), records - Number(row.currentOffset));
    assert.ok(Number(row.currentOffset) >= read, 'the group committed at least what it printed');
  } finally {
    await broker.close();
    proxy.server.close();
  }
});
