import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from '../../src/start-broker.js';

// <outDir>/test/cli/perf.test.js → <outDir>/src/cli/main.js, whichever outDir was built.
const mainJs = join(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

function millrace(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `const { main } = await import(${JSON.stringify(mainJs)}); await main(['node', 'millrace', ...process.argv.slice(1)]);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

const LATENCY_KEYS = ['avg_ms', 'count', 'max_ms', 'p50_ms', 'p95_ms', 'p999_ms', 'p99_ms'];
const RESULT_KEYS = ['acks', 'bytes', 'compression', 'elapsed_s', 'errors', 'first_error', 'histogram', 'latency', 'max_in_flight',
  'mb_per_s', 'mode', 'record_size', 'records', 'records_per_s', 'settings', 'throughput_limit', 'topic'];

test('millrace perf produce, consume and e2e print JSON summaries and progress lines', async () => {
  const broker = await startBroker({ config: { 'num.partitions': 2 } });
  const dir = mkdtempSync(join(tmpdir(), 'millrace-perf-'));
  try {
    const base = ['--bootstrap-server', broker.bootstrapServers, '--topic', 'cli-perf'];
    const produce = await millrace(['perf', 'produce', ...base, '--num-records', '20000', '--record-size', '100', '--acks', '1',
      '--compression', 'snappy', '--max-in-flight', '10', '--json', '--reporting-interval', '20']);
    assert.equal(produce.code, 0, produce.stderr);
    const p = JSON.parse(produce.stdout) as Record<string, unknown> & { latency: Record<string, number>; histogram: { le_ms: number; count: number }[] };
    assert.deepEqual(Object.keys(p).sort(), RESULT_KEYS);
    assert.deepEqual(Object.keys(p.latency).sort(), LATENCY_KEYS);
    assert.equal(p.mode, 'produce');
    assert.equal(p.records, 20000);
    assert.equal(p.acks, '1');
    assert.equal(p.compression, 'snappy');
    assert.equal(p.errors, 0);
    assert.equal(p.histogram.reduce((a, b) => a + b.count, 0), 20000);
    assert.match(produce.stderr, /^perf produce: [\d.]+ s, [\d,]+ records, [\d,]+ records\/s, [\d.]+ MB\/s/m);

    // acks=0 and settings from --command-config (Kafka's property names).
    const props = join(dir, 'producer.properties');
    writeFileSync(props, `acks=0\nlinger.ms=1\nbatch.size=8192\nclient.id=perf-test\n`);
    const fire = await millrace(['perf', 'produce', ...base, '--num-records', '5000', '--record-size', '50', '--command-config', props, '--json', '--quiet']);
    assert.equal(fire.code, 0, fire.stderr);
    const f = JSON.parse(fire.stdout) as { acks: string; records: number; settings: { batch_size: number; linger_ms: number } };
    assert.equal(f.acks, '0');
    assert.equal(f.records, 5000);
    assert.deepEqual([f.settings.batch_size, f.settings.linger_ms], [8192, 1]);
    assert.equal(fire.stderr, '');

    const consume = await millrace(['perf', 'consume', ...base, '--num-records', '25000', '--json', '--quiet']);
    assert.equal(consume.code, 0, consume.stderr);
    const c = JSON.parse(consume.stdout) as { mode: string; records: number; bytes: number };
    assert.equal(c.mode, 'consume');
    assert.equal(c.records, 25000);
    assert.equal(c.bytes, 20000 * 100 + 5000 * 50);

    const e2e = await millrace(['perf', 'e2e', '--bootstrap-server', broker.bootstrapServers, '--topic', 'cli-e2e', '--num-records', '500',
      '--record-size', '64', '--throughput', '2000', '--acks', '1']);
    assert.equal(e2e.code, 0, e2e.stderr);
    assert.match(e2e.stdout, /^500 records of 64 B produced and consumed through cli-e2e in [\d.]+ s \(acks=1, throughput limit 2,000 records\/s\)/);
    assert.match(e2e.stdout, /e2e ms +avg [\d.]+ +p50 [\d.]+ +p95 [\d.]+ +p99 [\d.]+ +p99\.9 [\d.]+ +max [\d.]+/);
    assert.match(e2e.stdout, /histogram \(ms\):/);

    // Mistakes are one line and exit code 1.
    const bad = await millrace(['perf', 'produce', ...base, '--num-records', '10', '--acks', '2']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--acks must be 0, 1 or all/);
    const short = await millrace(['perf', 'consume', ...base, '--num-records', '30000', '--timeout', '300', '--json', '--quiet']);
    assert.equal(short.code, 1);
    assert.equal((JSON.parse(short.stdout) as { records: number }).records, 25000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await broker.close();
  }
});
