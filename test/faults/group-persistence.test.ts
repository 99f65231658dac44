// Groups and offsets survive a broker restart, clean (close) or not (SIGKILL of a broker in a
// child process): every acknowledged commit is read back from __consumer_offsets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startBroker } from '../../src/start-broker.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { defaultCreateTopicsRequest } from '../../src/protocol/generated/create-topics-request.js';
import { defaultDescribeGroupsRequest } from '../../src/protocol/generated/describe-groups-request.js';
import { WireClient } from '../helpers/wire-client.js';
import { commitBody, fetchCommitted, joinGroup, syncBody } from '../coordinator/group/wire-helpers.js';

const CONFIG = { 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.num.partitions': 3 };

async function createTopic(c: WireClient, name: string, partitions: number): Promise<void> {
  const r = await c.request(ApiKey.CreateTopics, 7, {
    ...defaultCreateTopicsRequest(),
    topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 10_000,
  });
  assert.equal(r.topics[0]!.errorCode, ErrorCode.NONE);
}

test('a clean restart keeps offsets, metadata and the groups\' state', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-groups-'));
  try {
    let broker = await startBroker({ logDir: dir, config: CONFIG });
    let c = await WireClient.connect(broker.bootstrapServers);
    await createTopic(c, 't', 4);
    const j = await joinGroup(c, 9, { groupId: 'members', sessionTimeoutMs: 30_000 });
    await c.request(ApiKey.SyncGroup, 5, syncBody('members', j.generationId, j.memberId, [{ memberId: j.memberId, assignment: Buffer.from('all') }]));
    await c.request(ApiKey.OffsetCommit, 9, commitBody('members', [['t', 0, 11n, 'first'], ['t', 1, 12n]], j.generationId, j.memberId));
    await c.request(ApiKey.OffsetCommit, 9, commitBody('members', [['t', 0, 21n, 'second']], j.generationId, j.memberId));
    await c.request(ApiKey.OffsetCommit, 2, commitBody('simple', [['t', 3, 99n]]));
    c.close();
    await broker.close();

    broker = await startBroker({ logDir: dir, config: CONFIG });
    c = await WireClient.connect(broker.bootstrapServers);
    const members = await fetchCommitted(c, 'members');
    assert.deepEqual(Object.fromEntries(members), { 't-0': { offset: 21n, metadata: 'second' }, 't-1': { offset: 12n, metadata: '' } });
    assert.deepEqual(Object.fromEntries(await fetchCommitted(c, 'simple')), { 't-3': { offset: 99n, metadata: '' } });
    const d = await c.request(ApiKey.DescribeGroups, 5, { ...defaultDescribeGroupsRequest(), groups: ['members'] });
    assert.equal(d.groups[0]!.groupState, 'Stable');
    assert.equal(d.groups[0]!.members[0]!.memberId, j.memberId);
    assert.equal(d.groups[0]!.members[0]!.memberAssignment.toString(), 'all');
    // The member carries on in its generation after the restart.
    assert.equal((await c.request(ApiKey.Heartbeat, 4, { groupId: 'members', generationId: j.generationId, memberId: j.memberId, groupInstanceId: null })).errorCode, ErrorCode.NONE);
    c.close();
    await broker.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const startBrokerModule = fileURLToPath(new URL('../../src/start-broker.js', import.meta.url));

/** A broker in a child process on `dir`; resolves with its bootstrap address. */
async function childBroker(dir: string): Promise<{ bootstrap: string; kill(): Promise<void> }> {
  const script = `
    const { startBroker } = await import(process.argv[1]);
    const b = await startBroker({ logDir: process.argv[2], config: JSON.parse(process.argv[3]) });
    process.stdout.write(b.bootstrapServers + '\\n');
    setInterval(() => {}, 1 << 30);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, startBrokerModule, dir, JSON.stringify(CONFIG)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  const bootstrap = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (s: string) => {
      out += s;
      if (out.includes('\n')) resolve(out.trim());
    });
    child.on('exit', (code) => reject(new Error(`child broker exited ${code}`)));
  });
  return {
    bootstrap,
    async kill() {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

test('kill -9 of the broker loses no acknowledged commit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-groups-kill-'));
  try {
    const child = await childBroker(dir);
    const c = await WireClient.connect(child.bootstrap);
    await createTopic(c, 't', 8);
    const expected = new Map<string, bigint>();
    // Many groups (spread over the partitions of __consumer_offsets), many commits each.
    for (let round = 0; round < 20; round++) {
      for (let g = 0; g < 6; g++) {
        const offsets: Array<[string, number, bigint]> = [];
        for (let p = 0; p < 8; p++) offsets.push(['t', p, BigInt(round * 100 + g * 10 + p)]);
        const r = await c.request(ApiKey.OffsetCommit, 8, commitBody(`g-${g}`, offsets));
        assert.ok(r.topics[0]!.partitions.every((p) => p.errorCode === ErrorCode.NONE));
        for (const [, p, o] of offsets) expected.set(`g-${g}/t-${p}`, o);
      }
    }
    await child.kill();
    c.close();

    const broker = await startBroker({ logDir: dir, config: CONFIG });
    const after = await WireClient.connect(broker.bootstrapServers);
    try {
      for (let g = 0; g < 6; g++) {
        const got = await fetchCommitted(after, `g-${g}`);
        for (let p = 0; p < 8; p++) assert.equal(got.get(`t-${p}`)?.offset, expected.get(`g-${g}/t-${p}`), `g-${g} t-${p}`);
      }
    } finally {
      after.close();
      await broker.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
