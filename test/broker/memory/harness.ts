// What the memory tests share: a broker child process, its RSS, and raw request frames.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { encodeRequestFrame } from '../../../src/protocol/header.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { defaultFetchRequest, defaultFetchPartition } from '../../../src/protocol/generated/fetch-request.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';
import { WireClient } from '../../helpers/wire-client.js';

export interface ChildBroker {
  readonly child: ChildProcess;
  readonly port: number;
  readonly bootstrap: string;
  /** Resident set size now, in MB (VmRSS). */
  rssMb(): number;
  close(): Promise<void>;
}

export async function startChildBroker(config: Record<string, string> = {}): Promise<ChildBroker> {
  const script = fileURLToPath(new URL('./broker-child.js', import.meta.url));
  const child = spawn(process.execPath, [script, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, MILLRACE_MEMORY_CHILD: '1' },
  });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve((JSON.parse(out.slice(0, nl)) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`broker child exited with ${code}`)));
  });
  return {
    child,
    port,
    bootstrap: `127.0.0.1:${port}`,
    rssMb() {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m === null ? 0 : Number(m[1]) / 1024;
    },
    async close() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** Creates `topic` (1 partition) and appends `batches` batches of ~0.9 MiB; returns the records written. */
export async function fillTopic(bootstrap: string, topic: string, batches: number): Promise<number> {
  const client = await WireClient.connect(bootstrap);
  try {
    const created = await client.request(ApiKey.CreateTopics, 5, {
      topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000, validateOnly: false,
    });
    if (created.topics[0]!.errorCode !== 0) throw new Error(`CreateTopics: ${created.topics[0]!.errorCode}`);
    const value = Buffer.alloc(1000, 'v');
    const batch = encodeBatchSync(Array.from({ length: 900 }, () => ({ value })), {});
    for (let i = 0; i < batches; i++) await produce(client, topic, batch);
    return batches * 900;
  } finally {
    client.close();
  }
}

export async function produce(client: WireClient, topic: string, records: Buffer): Promise<void> {
  const res = await client.request(ApiKey.Produce, 9, {
    transactionalId: null, acks: 1, timeoutMs: 30000,
    topicData: [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }],
  });
  const code = res.responses[0]!.partitionResponses[0]!.errorCode;
  if (code !== 0) throw new Error(`Produce: error ${code}`);
}

/** A Fetch v11 frame for partition 0 of `topic` at `offset`, max_bytes and partition_max_bytes 1 MiB. */
export function fetchFrame(topic: string, offset: number, correlationId: number): Buffer {
  return encodeRequestFrame(ApiKey.Fetch, 11, { correlationId, clientId: 'no-reader' }, {
    ...defaultFetchRequest(),
    replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20,
    topics: [{ topic, topicId: ZERO_UUID, partitions: [{ ...defaultFetchPartition(), partition: 0, fetchOffset: BigInt(offset), partitionMaxBytes: 1 << 20 }] }],
  } as never);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
