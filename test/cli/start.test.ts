import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { WireClient } from '../helpers/wire-client.js';
import { eventually } from '../helpers/eventually.js';

// dist/test/cli/start.test.js → repository root
const root = join(fileURLToPath(import.meta.url), '../../../..');
const bin = join(root, 'bin/millrace.js');

/** Starts `millrace start` and resolves with the child and its bootstrap address. */
async function startCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  // The console on a free port (its default 8080 would be shared by test files running at once).
  const child = spawn(process.execPath, [bin, 'start', '--log-level', 'warn', '--override', 'console.listeners=http://127.0.0.1:0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const address = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (\S+),/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  return { child, address, stderr: () => stderr };
}

test('millrace start serves clients, stops cleanly on SIGTERM and keeps its data', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-cli-'));
  try {
    const props = join(dir, 'server.properties');
    writeFileSync(props, `num.partitions=2\nlog.dirs=${join(dir, 'data')}\nprocess.roles=broker\n`);
    const first = await startCli(['--config', props, '--override', 'listeners=PLAINTEXT://127.0.0.1:0']);
    const client = await WireClient.connect(first.address);
    const lookup = () =>
      client.request(ApiKey.Metadata, 12, {
        topics: [{ topicId: Buffer.alloc(16), name: 'cli-topic' }],
        allowAutoTopicCreation: true,
        includeTopicAuthorizedOperations: false,
        includeClusterAuthorizedOperations: false,
      });
    // As on Kafka: the request that auto-creates the topic does not see it yet.
    assert.equal((await lookup()).topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const md = await lookup();
    assert.equal(md.topics[0]!.partitions.length, 2);
    // The console (on a free port here) is said on start and answers /ready.
    const consoleUrl = (await eventually('the console address printed', () => /console on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(first.stderr())))[1]!;
    assert.equal((await fetch(new URL('ready', consoleUrl))).status, 200);
    client.close();
    first.child.kill('SIGTERM');
    const [code] = await once(first.child, 'exit');
    assert.equal(code, 0);
    assert.ok(existsSync(join(dir, 'data', '.kafka_cleanshutdown')), 'clean-shutdown marker written');
    assert.match(readFileSync(join(dir, 'data', 'meta.properties'), 'utf8'), /cluster\.id=/);

    const second = await startCli(['--config', props, '--override', 'listeners=PLAINTEXT://127.0.0.1:0'], { MILLRACE_NUM_PARTITIONS: '5' });
    const c2 = await WireClient.connect(second.address);
    const again = await c2.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false, includeClusterAuthorizedOperations: false });
    assert.deepEqual(again.topics.map((t) => [t.name, t.partitions.length]), [['cli-topic', 2]]);
    c2.close();
    second.child.kill('SIGINT');
    const [code2] = await once(second.child, 'exit');
    assert.equal(code2, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('millrace start reports invalid settings and exits 1', async () => {
  const child = spawn(process.execPath, [bin, 'start', '--override', 'num.partitions=many', '--override', 'listeners=PLAINTEXT://127.0.0.1:0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = await once(child, 'exit');
  assert.equal(code, 1);
  assert.match(stderr, /num\.partitions=many: expected an integer/);
});

test('the sample config/server.properties is accepted: no setting unknown, none refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-sample-config-'));
  try {
    // Its own port and data directory; every other setting as the file has it.
    const started = await startCli(['--config', join(root, 'config', 'server.properties'),
      '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', `log.dirs=${join(dir, 'data')}`]);
    const client = await WireClient.connect(started.address);
    const res = await client.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false, includeClusterAuthorizedOperations: false });
    assert.equal(res.brokers[0]!.nodeId, 1);
    client.close();
    started.child.kill('SIGTERM');
    const [code] = await once(started.child, 'exit');
    assert.equal(code, 0);
    assert.doesNotMatch(started.stderr(), /unknown settings/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
