/**
 * Producer ids (Kafka's ProducerIdManager): handed out one by one from blocks of 1000 that
 * are reserved durably before the first id of a block is used, so an id is never given twice,
 * not even after a crash (the unused rest of a block is skipped). The next block is fetched
 * in the background once 90% of the current one is used, as Kafka's RPCProducerIdManager
 * does, so InitProducerId rarely waits for the disk.
 *
 * Where blocks come from is behind ProducerIdBlockStore: a file in the log directory for a
 * single node (FileProducerIdBlockStore, below); a cluster store allocates them through its
 * consensus store instead (Kafka's controller and its ProducerIdsRecord).
 */
import { open, readFile, rename } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

export interface ProducerIdBlock {
  /** First id of the block. */
  first: number;
  /** Last id of the block (inclusive). */
  last: number;
}

export interface ProducerIdBlockStore {
  /** Durably reserves the next `size` ids and returns them. */
  allocate(size: number): Promise<ProducerIdBlock>;
}

/** The manager could not get a block (the store failed); retriable for clients. */
export class ProducerIdsUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProducerIdsUnavailableError';
  }
}

export class ProducerIdManager {
  private readonly store: ProducerIdBlockStore;
  private readonly blockSize: number;
  private current: ProducerIdBlock | null = null;
  private nextId = 0;
  private prefetched: ProducerIdBlock | null = null;
  private fetching: Promise<void> | null = null;
  private lastError: unknown = null;

  constructor(store: ProducerIdBlockStore, blockSize = PRODUCER_ID_BLOCK_SIZE) {
    this.store = store;
    this.blockSize = blockSize;
  }

  /** The next producer id. Waits for a block only when none is at hand. */
  async generateProducerId(): Promise<number> {
    for (;;) {
      const id = this.take();
      if (id >= 0) return id;
      this.fetchNext();
      await this.fetching;
      if (this.prefetched === null && this.lastError !== null) {
        throw new ProducerIdsUnavailableError('no producer id block is available', { cause: this.lastError });
      }
    }
  }

  /** An id from the blocks at hand, or -1. Starts the prefetch at 90% of a block. */
  private take(): number {
    if (this.current === null || this.nextId > this.current.last) {
      this.current = this.prefetched;
      this.prefetched = null;
      if (this.current === null) return -1;
      this.nextId = this.current.first;
    }
    const id = this.nextId++;
    const block = this.current;
    const used = this.nextId - block.first;
    if (this.prefetched === null && used >= Math.floor((block.last - block.first + 1) * 0.9)) this.fetchNext();
    return id;
  }

  private fetchNext(): void {
    if (this.fetching !== null || this.prefetched !== null) return;
    this.fetching = this.store.allocate(this.blockSize).then(
      (block) => {
        this.prefetched = block;
        this.lastError = null;
        this.fetching = null;
      },
      (err: unknown) => {
        this.lastError = err;
        this.fetching = null;
      },
    );
  }
}

/**
 * Blocks reserved in `<dir>/producer-id-block.json`, in the format of the znode a ZooKeeper
 * Kafka kept them in (`/latest_producer_id_block`): the last block handed out,
 * `{"version":1,"broker":<node>,"block_start":"<first>","block_end":"<last>"}`. Written to a
 * temporary file, fsynced, renamed over the old one and the directory fsynced before the
 * block is used. A file that cannot be read is an error, never a reason to start again from 0.
 */
export class FileProducerIdBlockStore implements ProducerIdBlockStore {
  static readonly FILE = 'producer-id-block.json';
  private readonly file: string;
  private readonly dir: string;
  private readonly nodeId: number;
  /** Last id reserved so far (-1: none). */
  private lastReserved: number;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(dir: string, nodeId: number) {
    this.dir = dir;
    this.file = path.join(dir, FileProducerIdBlockStore.FILE);
    this.nodeId = nodeId;
    this.lastReserved = existsSync(this.file) ? parseBlockFile(readFileSync(this.file, 'utf8'), this.file).last : -1;
  }

  allocate(size: number): Promise<ProducerIdBlock> {
    const p = this.chain.then(() => this.reserve(size));
    this.chain = p.catch(() => {});
    return p;
  }

  private async reserve(size: number): Promise<ProducerIdBlock> {
    const block = { first: this.lastReserved + 1, last: this.lastReserved + size };
    if (block.last > Number.MAX_SAFE_INTEGER) throw new ProducerIdsUnavailableError('producer ids are exhausted');
    const json = JSON.stringify({ version: 1, broker: this.nodeId, block_start: String(block.first), block_end: String(block.last) });
    const tmp = `${this.file}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(json);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.file);
    const dirHandle = await open(this.dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
    this.lastReserved = block.last;
    return block;
  }

  /** The block last written, for tools and tests. */
  static async read(dir: string): Promise<ProducerIdBlock | null> {
    const file = path.join(dir, FileProducerIdBlockStore.FILE);
    try {
      return parseBlockFile(await readFile(file, 'utf8'), file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

}

function parseBlockFile(text: string, file: string): ProducerIdBlock {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const o = v as { version?: unknown; block_start?: unknown; block_end?: unknown };
  const first = Number(o.block_start);
  const last = Number(o.block_end);
  if (o.version !== 1 || !Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 0 || last < first) {
    throw new Error(`${file} does not hold a producer id block: ${text.slice(0, 200)}`);
  }
  return { first, last };
}
