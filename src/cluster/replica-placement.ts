/**
 * Replica assignment as Apache Kafka's AdminUtils.assignReplicasToBrokers does it (the
 * placement `kafka-topics.sh` and ZooKeeper-mode controllers used, and what KRaft's
 * StripedReplicaPlacer keeps in spirit): leaders spread round-robin from a random start,
 * followers shifted so that replicas of consecutive partitions do not pile up on the same
 * brokers, and with racks (every broker has `broker.rack`) the broker list alternated by
 * rack so that each partition's replicas span as many racks as it can.
 */
import { ErrorCode } from '../protocol/generated/errors.js';
import { MetadataError } from './metadata.js';
import { cordonedLogDirsSupported, type FinalizedFeatures } from './features.js';

export interface PlacementBroker {
  nodeId: number;
  rack: string | null;
}

export interface PlacementOptions {
  /** Where the first partition's leader falls in the (arranged) broker list; random when omitted. */
  startIndex?: number;
  /** The shift of the followers; random when omitted. */
  replicaShift?: number;
  /** First partition id to assign (adding partitions to a topic). */
  startPartition?: number;
  random?: (n: number) => number;
}

const defaultRandom = (n: number): number => Math.floor(Math.random() * n);

/**
 * Whether a broker takes new replicas as far as its log directories go: Kafka's
 * BrokerRegistration.hasUncordonedDirs (no directories known, or one not cordoned), which
 * matters only once metadata.version is 4.3-IV0 (before it, registrations carry no cordoned
 * directories).
 */
export function hasUncordonedLogDirs(b: { logDirs?: readonly string[]; cordonedLogDirs?: readonly string[] }, features: FinalizedFeatures): boolean {
  if (!cordonedLogDirsSupported(features)) return true;
  const dirs = b.logDirs ?? [];
  const cordoned = b.cordonedLogDirs;
  if (dirs.length === 0 || cordoned === undefined) return true;
  return dirs.some((d) => !cordoned.includes(d));
}

/**
 * StripedReplicaPlacer's refusals, as ReplicationControlManager reports them, for
 * `replicationFactor` replicas over `usable` brokers (registered, not shutting down, with a
 * directory not cordoned); null when they can be placed.
 */
export function placementRefusal(replicationFactor: number, usable: number): string | null {
  const prefix = `Unable to replicate the partition ${replicationFactor} time(s): `;
  if (usable === 0) return `${prefix}All brokers are currently fenced, or have all their log directories cordoned.`;
  if (replicationFactor > usable) {
    return `${prefix}The target replication factor of ${replicationFactor} cannot be reached because only ${usable} broker(s) are registered or some brokers have all their log directories cordoned.`;
  }
  return null;
}

/**
 * Replica lists for `partitions` partitions (ids from `startPartition`), `replicationFactor`
 * each, over `brokers`. Rack-aware when every broker has a rack; MetadataError
 * INVALID_REPLICATION_FACTOR when there are too few brokers, INVALID_REPLICA_ASSIGNMENT when
 * only some brokers have a rack (Kafka refuses that too).
 */
export function assignReplicas(partitions: number, replicationFactor: number, brokers: readonly PlacementBroker[], options: PlacementOptions = {}): number[][] {
  if (replicationFactor <= 0) throw new MetadataError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
  const refusal = placementRefusal(replicationFactor, brokers.length);
  if (refusal !== null) throw new MetadataError(ErrorCode.INVALID_REPLICATION_FACTOR, refusal);
  const withRack = brokers.filter((b) => b.rack !== null).length;
  if (withRack === 0) return rackUnaware(partitions, replicationFactor, brokers.map((b) => b.nodeId).sort((a, b) => a - b), options);
  if (withRack < brokers.length) {
    throw new MetadataError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Not all brokers have rack information for replica rack aware assignment.');
  }
  return rackAware(partitions, replicationFactor, brokers, options);
}

/** AdminUtils.replicaIndex: the j-th follower of a partition whose leader is at `first`. */
function replicaIndex(first: number, shift: number, j: number, n: number): number {
  return (first + 1 + ((shift + j) % (n - 1))) % n;
}

function rackUnaware(partitions: number, rf: number, ids: number[], o: PlacementOptions): number[][] {
  const n = ids.length;
  const random = o.random ?? defaultRandom;
  const start = o.startIndex ?? random(n);
  let shift = o.replicaShift ?? random(n);
  let pid = Math.max(0, o.startPartition ?? 0);
  const out: number[][] = [];
  for (let i = 0; i < partitions; i++, pid++) {
    if (pid > 0 && pid % n === 0) shift++;
    const first = (pid + start) % n;
    const replicas = [ids[first]!];
    for (let j = 0; j < rf - 1; j++) replicas.push(ids[replicaIndex(first, shift, j, n)]!);
    out.push(replicas);
  }
  return out;
}

/**
 * AdminUtils.getRackAlternatedBrokerList: racks in name order, taking each rack's brokers in
 * id order in turn, so neighbours in the list sit in different racks.
 */
export function rackAlternatedBrokers(brokers: readonly PlacementBroker[]): number[] {
  const byRack = new Map<string, number[]>();
  for (const b of brokers) {
    const list = byRack.get(b.rack!) ?? [];
    list.push(b.nodeId);
    byRack.set(b.rack!, list);
  }
  const racks = [...byRack.keys()].sort();
  for (const r of racks) byRack.get(r)!.sort((a, b) => a - b);
  const cursors = racks.map(() => 0);
  const out: number[] = [];
  for (let r = 0; out.length < brokers.length; r = (r + 1) % racks.length) {
    const list = byRack.get(racks[r]!)!;
    if (cursors[r]! < list.length) out.push(list[cursors[r]!++]!);
  }
  return out;
}

function rackAware(partitions: number, rf: number, brokers: readonly PlacementBroker[], o: PlacementOptions): number[][] {
  const rackOf = new Map(brokers.map((b) => [b.nodeId, b.rack!]));
  const numRacks = new Set(rackOf.values()).size;
  const arranged = rackAlternatedBrokers(brokers);
  const n = arranged.length;
  const random = o.random ?? defaultRandom;
  const start = o.startIndex ?? random(n);
  let shift = o.replicaShift ?? random(n);
  let pid = Math.max(0, o.startPartition ?? 0);
  const out: number[][] = [];
  for (let i = 0; i < partitions; i++, pid++) {
    if (pid > 0 && pid % n === 0) shift++;
    const first = (pid + start) % n;
    const leader = arranged[first]!;
    const replicas = [leader];
    const racksWith = new Set([rackOf.get(leader)!]);
    const brokersWith = new Set([leader]);
    let k = 0;
    for (let j = 0; j < rf - 1; j++) {
      for (;;) {
        const broker = arranged[replicaIndex(first, shift * numRacks, k, n)]!;
        const rack = rackOf.get(broker)!;
        k++;
        // Skip a broker whose rack already has a replica while some rack has none, and a
        // broker that already has one while some broker has none.
        if ((!racksWith.has(rack) || racksWith.size === numRacks) && (!brokersWith.has(broker) || brokersWith.size === n)) {
          replicas.push(broker);
          racksWith.add(rack);
          brokersWith.add(broker);
          break;
        }
      }
    }
    out.push(replicas);
  }
  return out;
}

/**
 * Where new partitions of a topic start (AdminZkClient.addPartitions): at the position of
 * partition 0's first replica in the broker list, so the topic keeps its stripe.
 */
export function startIndexFor(existingFirstReplica: number | undefined, brokers: readonly PlacementBroker[]): number | undefined {
  if (existingFirstReplica === undefined) return undefined;
  const withRack = brokers.every((b) => b.rack !== null) && brokers.length > 0;
  const list = withRack ? rackAlternatedBrokers(brokers) : brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  const i = list.indexOf(existingFirstReplica);
  return i >= 0 ? i : Math.max(0, list.findIndex((id) => id >= existingFirstReplica));
}
