// A Millrace cluster of separate OS processes for bench/cluster/run.js: one etcd member and N
// `millrace start` processes with the settings `millrace cluster dev` gives them (node.id i,
// listeners on 127.0.0.1, log.dirs under one directory, metadata.store=etcd://..., and
// default.replication.factor=min(3, N)). `millrace cluster dev` itself is not used because it
// stops the whole cluster when one broker exits, and the failover measurement kills one with
// SIGKILL and needs the others to go on; here each process is the rig's own child.
//
// Also reads etcd's Prometheus metrics (its client URL serves /metrics) to count its writes.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, probeBroker } from '../../tools/kafka/kafka-process.js';
import { sleep } from '../vs-kafka/proc.js';

function launch(cmd, args, logFile, cwd) {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exited = null;
  const exitedPromise = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exited = { code, signal }))));
  const stop = async (timeoutMs = 30000) => {
    if (exited === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exitedPromise;
      clearTimeout(t);
    }
    return exited;
  };
  return { child, pid: /** @type {number} */ (child.pid), exited: exitedPromise, alive: () => exited === null, stop };
}

/**
 * The counters of etcd's /metrics that say how much it wrote: raft proposals committed (every
 * write: KV transactions, lease grants and revokes; lease keep-alives are not proposals), the
 * store's revision (one per KV-changing transaction), puts, deletes and transactions.
 * @param {string} endpoint host:port of etcd's client listener
 */
export async function etcdWriteCounters(endpoint) {
  const res = await fetch(`http://${endpoint}/metrics`);
  const text = await res.text();
  const value = (name) => {
    const m = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };
  return {
    at_ms: Date.now(),
    proposals_committed: value('etcd_server_proposals_committed_total'),
    revision: value('etcd_debugging_mvcc_current_revision'),
    puts: value('etcd_mvcc_put_total') ?? value('etcd_debugging_mvcc_put_total'),
    deletes: value('etcd_mvcc_delete_total') ?? value('etcd_debugging_mvcc_delete_total'),
    txns: value('etcd_mvcc_txn_total') ?? value('etcd_debugging_mvcc_txn_total'),
  };
}

/** Per-second rates between two etcdWriteCounters readings. */
export function etcdWriteRates(before, after) {
  const s = (after.at_ms - before.at_ms) / 1000;
  const rate = (k) => (before[k] === null || after[k] === null ? null : Math.round(((after[k] - before[k]) / s) * 100) / 100);
  return {
    seconds: Math.round(s * 10) / 10,
    proposals_per_s: rate('proposals_committed'),
    revisions_per_s: rate('revision'),
    puts_per_s: rate('puts'),
    deletes_per_s: rate('deletes'),
    txns_per_s: rate('txns'),
  };
}

/**
 * The node id of Millrace's controller: the `<root>controller` key ({"nodeId": N}, default root
 * /millrace/) read through etcd's JSON gateway (/v3/kv/range, base64 keys and values). Null
 * when there is none or etcd cannot say.
 * @param {string} endpoint
 */
export async function millraceController(endpoint) {
  try {
    const res = await fetch(`http://${endpoint}/v3/kv/range`, {
      method: 'POST',
      body: JSON.stringify({ key: Buffer.from('/millrace/controller').toString('base64') }),
    });
    const body = await res.json();
    const kv = body.kvs?.[0];
    return kv === undefined ? null : JSON.parse(Buffer.from(kv.value, 'base64').toString('utf8')).nodeId ?? null;
  } catch {
    return null;
  }
}

/**
 * Starts etcd and `brokers` Millrace processes on free loopback ports, data under `dir`.
 * Resolves when every broker's Metadata lists all of them.
 * @param {{dir: string, brokers?: number, node: string, root: string, etcd?: string, config?: Record<string, string|number|boolean>, readyTimeoutMs?: number}} o
 */
export async function startMillraceCluster(o) {
  const host = '127.0.0.1';
  const brokers = o.brokers ?? 3;
  fs.rmSync(o.dir, { recursive: true, force: true });
  const logs = path.join(o.dir, 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const etcdPort = await freePort(host);
  const peerPort = await freePort(host);
  const etcdEndpoint = `${host}:${etcdPort}`;
  const peer = `http://${host}:${peerPort}`;
  const etcd = launch(o.etcd ?? 'etcd', [
    '--name', 'bench', '--data-dir', path.join(o.dir, 'etcd'),
    '--listen-client-urls', `http://${etcdEndpoint}`, '--advertise-client-urls', `http://${etcdEndpoint}`,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `bench=${peer}`,
  ], path.join(logs, 'etcd.log'), o.dir);
  const nodes = [];
  const stop = async (timeoutMs = 30000) => {
    // brokers first, together (each moves its leaderships away), etcd last — as cluster dev does
    await Promise.all(nodes.map((n) => n.stop(timeoutMs)));
    await etcd.stop(timeoutMs);
  };
  try {
    const deadline = Date.now() + (o.readyTimeoutMs ?? 60000);
    for (;;) {
      if (!etcd.alive()) throw new Error(`etcd exited; see ${logs}/etcd.log`);
      try {
        if ((await etcdWriteCounters(etcdEndpoint)).revision !== null) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error('etcd did not start');
      await sleep(100);
    }
    for (let id = 1; id <= brokers; id++) {
      const port = await freePort(host);
      const settings = {
        'node.id': id,
        listeners: `PLAINTEXT://${host}:${port}`,
        'log.dirs': path.join(o.dir, `broker-${id}`),
        'metadata.store': `etcd://${etcdEndpoint}`,
        'console.listeners': '',
        'default.replication.factor': Math.min(3, brokers),
        ...(o.config ?? {}),
      };
      const args = [path.join(o.root, 'bin', 'millrace.js'), 'start', ...Object.entries(settings).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
      nodes.push({ nodeId: id, port, ...launch(o.node, args, path.join(logs, `broker-${id}.log`), o.dir) });
    }
    for (const n of nodes) {
      for (;;) {
        const dead = nodes.find((x) => !x.alive());
        if (dead !== undefined) throw new Error(`Millrace broker ${dead.nodeId} exited during start-up; see ${logs}`);
        if (await probeBroker(host, n.port, 2000, brokers)) break;
        if (Date.now() > deadline) throw new Error(`Millrace broker ${n.nodeId} not ready; see ${logs}`);
        await sleep(100);
      }
    }
  } catch (e) {
    await stop(5000);
    throw e;
  }
  return {
    bootstrap: nodes.map((n) => `${host}:${n.port}`).join(','),
    etcdEndpoint,
    etcdPid: etcd.pid,
    nodes,
    logs,
    broker: (nodeId) => {
      const n = nodes.find((b) => b.nodeId === nodeId);
      if (n === undefined) throw new Error(`no Millrace broker ${nodeId}`);
      return n;
    },
    signal: (nodeId, signal) => {
      const n = nodes.find((b) => b.nodeId === nodeId);
      if (n === undefined) throw new Error(`no Millrace broker ${nodeId}`);
      n.child.kill(signal);
    },
    stop,
  };
}
