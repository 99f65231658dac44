// The metadata store on a real etcd: several stores (brokers) in this process, each with its
// own etcd client and a short session TTL, each test under its own key prefix.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdKv } from '../../../src/cluster/kv/etcd-kv.js';
import { KvMetadataStore } from '../../../src/cluster/kv-metadata-store.js';
import { isMetadataError } from '../../../src/cluster/metadata.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { eventually } from '../../helpers/eventually.js';
import { startEtcd, type EtcdServer } from './etcd-server.js';

let server: EtcdServer;
before(async () => {
  server = await startEtcd();
});
after(async () => {
  await server.stop();
});

function cluster() {
  const root = `/test-${randomBytes(4).toString('hex')}/`;
  const stores: KvMetadataStore[] = [];
  const dirs: string[] = [];
  return {
    stores,
    async open(nodeId: number): Promise<KvMetadataStore> {
      const logDir = mkdtempSync(join(tmpdir(), 'millrace-etcd-store-'));
      dirs.push(logDir);
      const store = await KvMetadataStore.open({
        kv: new EtcdKv({ hosts: [server.endpoint] }),
        ownsKv: true,
        root,
        logDir,
        self: { nodeId, host: '127.0.0.1', port: 9000 + nodeId, rack: null },
        sessionTtlSeconds: 2,
      });
      stores.push(store);
      return store;
    },
    async end() {
      for (const s of stores) await s.close();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

const ids = (s: KvMetadataStore) => s.brokers().map((b) => b.nodeId).join(',');

test('etcd: registration, and a second broker with a taken node.id refuses to start', async () => {
  const c = cluster();
  try {
    const s1 = await c.open(1);
    const s2 = await c.open(2);
    await eventually('both registered', () => ids(s1) === '1,2' && ids(s2) === '1,2');
    assert.equal(s1.clusterId, s2.clusterId);
    await eventually('one controller', () => s1.controllerId === 1 && s2.controllerId === 1);
    await assert.rejects(c.open(1), /node\.id 1 is already registered by a live broker at 127\.0\.0\.1:9001/);
    assert.equal(ids(s2), '1,2');
  } finally {
    await c.end();
  }
});

test('etcd: two stores create the same topic at once: one wins, the other gets TOPIC_ALREADY_EXISTS', async () => {
  const c = cluster();
  try {
    const s1 = await c.open(1);
    const s2 = await c.open(2);
    await eventually('both registered', () => ids(s1) === '1,2' && ids(s2) === '1,2');
    for (let round = 0; round < 5; round++) {
      const name = `race-${round}`;
      const results = await Promise.allSettled([s1.createTopic(name, 2, 2, {}), s2.createTopic(name, 2, 2, {})]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(won.length, 1, name);
      assert.ok(isMetadataError(lost[0]!.reason, ErrorCode.TOPIC_ALREADY_EXISTS), String(lost[0]!.reason));
      await eventually(`${name} in both images`, () => s1.topic(name) !== undefined && s2.topic(name)?.id.equals(s1.topic(name)!.id));
    }
  } finally {
    await c.end();
  }
});

test("etcd: a broker's lease expires: it leaves the broker list and the controller re-elects leaders from the ISR", async () => {
  const c = cluster();
  try {
    const s1 = await c.open(1);
    const s2 = await c.open(2);
    const s3 = await c.open(3);
    await eventually('three registered', () => c.stores.every((s) => ids(s) === '1,2,3'));
    const before = await s1.createTopic('t', 6, 3, {});
    const ledBy3 = before.partitions.filter((p) => p.leader === 3);
    assert.ok(ledBy3.length > 0);
    await s3.crash();
    await eventually('broker 3 expired and its partitions re-led', () =>
      ids(s2) === '1,2' && s2.topic('t')!.partitions.every((p) => p.leader !== 3 && !p.isr.includes(3)), { intervalMs: 50 });
    for (const old of ledBy3) {
      const p = s2.topic('t')!.partitions[old.partition]!;
      assert.equal(p.leader, old.replicas.find((id) => id !== 3));
      assert.equal(p.leaderEpoch, old.leaderEpoch + 1);
      assert.equal(p.partitionEpoch, 1);
    }
  } finally {
    await c.end();
  }
});

test("etcd: controller failover: the controller's session is killed, another broker takes over", async () => {
  const c = cluster();
  try {
    const s1 = await c.open(1);
    const s2 = await c.open(2);
    const s3 = await c.open(3);
    await eventually('controller 1 everywhere', () => c.stores.every((s) => s.controllerId === 1 && ids(s) === '1,2,3'));
    const epoch = s1.controller.epoch;
    await s1.createTopic('t', 3, 3, {});
    // Kill the session from outside, as etcd does when the controller stops answering.
    const admin = new EtcdKv({ hosts: [server.endpoint] });
    try {
      await admin.revokeLease(s1.sessionLease!);
    } finally {
      await admin.close();
    }
    await eventually('another controller', () => (s2.controllerId === 2 || s2.controllerId === 3) && s3.controllerId === s2.controllerId, { intervalMs: 50 });
    const next = s2.controllerId === 2 ? s2 : s3;
    assert.equal(next.controller.active, true);
    assert.ok(next.controller.epoch > epoch);
    assert.equal(s1.controller.active, false);
    // The old controller registers again as a plain broker.
    await eventually('broker 1 back', () => s1.registered && ids(s2) === '1,2,3', { intervalMs: 50 });
    assert.equal((await s1.createTopic('after-failover', 2, 3, {})).partitions.length, 2);
  } finally {
    await c.end();
  }
});
