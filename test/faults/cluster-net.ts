/**
 * A network of its own for each broker of the fault tests: one Linux network namespace per
 * broker, each with a veth pair whose host end is on a bridge in the test's namespace. The
 * bridge holds the test's own address (.1, the one clients connect from) and etcd's (.254);
 * broker i has .(10+i). Cutting broker i off adds blackhole routes in its namespace to the
 * other brokers and (optionally) to etcd: it can reach neither (nor answer them), while the
 * clients, which connect from .1, still reach it — a broker that is partitioned from the
 * cluster but still taking requests, the case where a stale leader could acknowledge writes.
 *
 * Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) and iproute2's `ip`; no iptables, no ip_forward
 * (broker-to-broker traffic is bridged). Everything it creates is named after the test's pid
 * (`mrf<pid>...`), removed by `close()`, by a process exit hook if the test dies, and — for a
 * test that was killed — by the next run, which removes the names of pids no longer alive.
 */
import { spawnSync } from 'node:child_process';

export interface ClusterNet {
  /** The address clients connect from (the bridge's first address). */
  readonly hostAddress: string;
  /** Where etcd listens (a second address on the bridge). */
  readonly etcdAddress: string;
  addressOf(nodeId: number): string;
  /** The namespace broker `nodeId` runs in (`ip netns exec <ns> ...`). */
  namespaceOf(nodeId: number): string;
  /**
   * Cuts broker `nodeId` off from the other brokers and, unless `etcd` is false, from etcd
   * (clients still reach it).
   */
  cut(nodeId: number, etcd?: boolean): void;
  heal(nodeId: number): void;
  close(): void;
}

function ip(args: string[], ns?: string): void {
  const full = ns === undefined ? args : ['netns', 'exec', ns, 'ip', ...args];
  const r = spawnSync('ip', full, { encoding: 'utf8' });
  if (r.error !== undefined) throw new Error(`ip ${full.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`ip ${full.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
}

function ipQuiet(args: string[]): void {
  spawnSync('ip', args, { stdio: 'ignore' });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const PREFIX = 'mrf';

/** Removes namespaces and bridges that earlier runs (now dead) left behind. */
function removeStale(): void {
  const ns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of ns.split('\n')) {
    const m = new RegExp(`^(${PREFIX}(\\d+)-b\\d+)`).exec(line);
    if (m !== null && !alive(Number(m[2]))) ipQuiet(['netns', 'del', m[1]!]);
  }
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of links.split('\n')) {
    const m = new RegExp(`^\\d+: (${PREFIX}(\\d+)(?:br|v\\d+))[:@]`).exec(line);
    if (m !== null && !alive(Number(m[2]))) ipQuiet(['link', 'del', m[1]!]);
  }
}

/** Why namespaces cannot be used here, or null when they can (root and a working `ip netns`). */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (r.error !== undefined) return `ip: ${r.error.message}`;
  if (r.status !== 0) return `ip netns list: ${r.stderr.trim()}`;
  return null;
}

/** Creates the bridge and one namespace per node id in `nodeIds`. */
export function createClusterNet(nodeIds: readonly number[]): ClusterNet {
  removeStale();
  const pid = process.pid;
  // 10.(100..199).(0..249).0/24, from the pid, so that two runs do not share a subnet
  const subnet = `10.${100 + (pid % 100)}.${Math.floor(pid / 100) % 250}`;
  const bridge = `${PREFIX}${pid}br`;
  const nsName = (id: number) => `${PREFIX}${pid}-b${id}`;
  const hostAddress = `${subnet}.1`;
  const etcdAddress = `${subnet}.254`;
  const addressOf = (id: number) => `${subnet}.${10 + id}`;
  const cuts = new Map<number, string[]>();
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    for (const id of nodeIds) ipQuiet(['netns', 'del', nsName(id)]);
    for (const id of nodeIds) ipQuiet(['link', 'del', `${PREFIX}${pid}v${id}`]);
    ipQuiet(['link', 'del', bridge]);
    process.off('exit', close);
  };
  process.on('exit', close);
  try {
    ip(['link', 'add', bridge, 'type', 'bridge']);
    ip(['addr', 'add', `${hostAddress}/24`, 'dev', bridge]);
    ip(['addr', 'add', `${etcdAddress}/24`, 'dev', bridge]);
    ip(['link', 'set', bridge, 'up']);
    for (const id of nodeIds) {
      const ns = nsName(id);
      const veth = `${PREFIX}${pid}v${id}`;
      ip(['netns', 'add', ns]);
      ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      ip(['link', 'set', veth, 'master', bridge, 'up']);
      ip(['addr', 'add', `${addressOf(id)}/24`, 'dev', 'eth0'], ns);
      ip(['link', 'set', 'eth0', 'up'], ns);
      ip(['link', 'set', 'lo', 'up'], ns);
    }
  } catch (err) {
    close();
    throw err;
  }
  return {
    hostAddress,
    etcdAddress,
    addressOf,
    namespaceOf: nsName,
    cut(id, etcd = true) {
      if (cuts.has(id)) return;
      const targets = nodeIds.filter((x) => x !== id).map(addressOf);
      if (etcd) targets.push(etcdAddress);
      for (const t of targets) ip(['route', 'add', 'blackhole', `${t}/32`], nsName(id));
      cuts.set(id, targets);
    },
    heal(id) {
      const targets = cuts.get(id);
      if (targets === undefined) return;
      cuts.delete(id);
      for (const t of targets) ip(['route', 'del', 'blackhole', `${t}/32`], nsName(id));
    },
    close,
  };
}
