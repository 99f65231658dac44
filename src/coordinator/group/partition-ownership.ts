/**
 * Which partitions of __consumer_offsets the group coordinator owns, and at which leader epoch
 * (Kafka's GroupCoordinatorRuntime partition states, without the runtime): an election starts
 * a load, a partition is served once loaded, a resignation unloads it. Elections and
 * resignations are keyed by epoch: the same election twice shares one load, a newer one
 * replaces an older one's state, an older one (or a resignation older than the election held)
 * changes nothing. A load that the partition was taken away from meanwhile is discarded.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';

/** Loads `partition`; `current()` turns false once the load should stop applying what it reads. */
export type LoadPartition = (partition: number, coordinatorEpoch: number, current: () => boolean) => Promise<number>;

class OwnedPartition {
  readonly coordinatorEpoch: number;
  loaded = false;
  loading: Promise<number> | null = null;
  constructor(coordinatorEpoch: number) {
    this.coordinatorEpoch = coordinatorEpoch;
  }
}

export class PartitionOwnership {
  private readonly owned = new Map<number, OwnedPartition>();
  private readonly load: LoadPartition;
  private readonly unload: (partition: number) => void;

  /** `load` reads a partition in; `unload` forgets what it held (called after it stops being owned). */
  constructor(load: LoadPartition, unload: (partition: number) => void) {
    this.load = load;
    this.unload = unload;
  }

  has(partition: number): boolean {
    return this.owned.has(partition);
  }

  /** Loads `partition` at `coordinatorEpoch`; resolves with the records read (0 when nothing was loaded). */
  elect(partition: number, coordinatorEpoch: number): Promise<number> {
    const held = this.owned.get(partition);
    if (held !== undefined) {
      if (held.coordinatorEpoch === coordinatorEpoch) return held.loading ?? Promise.resolve(0);
      if (held.coordinatorEpoch > coordinatorEpoch) return Promise.resolve(0);
      this.drop(partition);
    }
    const state = new OwnedPartition(coordinatorEpoch);
    this.owned.set(partition, state);
    const current = () => this.owned.get(partition) === state;
    state.loading = this.load(partition, coordinatorEpoch, current).then(
      (records) => {
        if (!current()) return 0;
        state.loaded = true;
        state.loading = null;
        return records;
      },
      (err: unknown) => {
        if (current()) this.drop(partition);
        throw err;
      },
    );
    return state.loading;
  }

  /** Unloads `partition` unless it is held at a newer epoch than `coordinatorEpoch`; true when it was. */
  resign(partition: number, coordinatorEpoch?: number): boolean {
    const held = this.owned.get(partition);
    if (held === undefined) return false;
    if (coordinatorEpoch !== undefined && held.coordinatorEpoch > coordinatorEpoch) return false;
    this.drop(partition);
    return true;
  }

  /** NONE when `partition` is loaded here, COORDINATOR_LOAD_IN_PROGRESS while it loads, NOT_COORDINATOR when not owned. */
  error(partition: number): number {
    const p = this.owned.get(partition);
    if (p === undefined) return ErrorCode.NOT_COORDINATOR;
    return p.loaded ? ErrorCode.NONE : ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
  }

  get anyLoading(): boolean {
    for (const p of this.owned.values()) if (!p.loaded) return true;
    return false;
  }

  /** Forgets every partition without unloading them one by one (the coordinator stops). */
  clear(): void {
    this.owned.clear();
  }

  private drop(partition: number): void {
    this.owned.delete(partition);
    this.unload(partition);
  }
}
