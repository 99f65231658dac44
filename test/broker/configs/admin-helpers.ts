import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker, createLogger } from '../../../src/broker/broker.js';
import { BrokerConfig } from '../../../src/broker/config/broker-config.js';
import { LocalMetadataStore } from '../../../src/cluster/local-metadata-store.js';
import type { CreatableTopic } from '../../../src/protocol/generated/create-topics-request.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { WireClient } from '../../helpers/wire-client.js';

/** An embedded broker whose logs and metadata a test can reach, with a wire client on it. */
export interface AdminBroker {
  broker: Broker;
  client: WireClient;
  logDir: string;
  /** Stops the broker; removes its directory unless `keepDir`. */
  close(keepDir?: boolean): Promise<void>;
}

export async function startAdminBroker(config: Record<string, string | number | boolean> = {}, logDir?: string): Promise<AdminBroker> {
  const dir = logDir ?? mkdtempSync(join(tmpdir(), 'millrace-admin-'));
  const brokerConfig = BrokerConfig.load({ overrides: { listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dir, ...config } });
  const broker = await Broker.start({ config: brokerConfig, logger: createLogger('silent'), metadata: (d, self) => LocalMetadataStore.open(d, self) });
  const client = await WireClient.connect(broker.bootstrapServers);
  client.socket.setMaxListeners(0);
  return {
    broker,
    client,
    logDir: dir,
    async close(keepDir = false) {
      client.close();
      await broker.close();
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A CreateTopics entry. */
export function newTopic(
  name: string,
  numPartitions = 1,
  replicationFactor = 1,
  configs: Record<string, string | null> = {},
  assignments: Array<{ partitionIndex: number; brokerIds: number[] }> = [],
): CreatableTopic {
  return { name, numPartitions, replicationFactor, assignments, configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) };
}

/** Creates topics over the wire (v7) and fails the test on any error. */
export async function createTopics(ab: AdminBroker, ...topics: CreatableTopic[]): Promise<Map<string, Buffer>> {
  const res = await ab.client.request(ApiKey.CreateTopics, 7, { topics, timeoutMs: 10_000, validateOnly: false });
  const ids = new Map<string, Buffer>();
  for (const t of res.topics) {
    if (t.errorCode !== 0) throw new Error(`creating ${t.name}: ${t.errorCode} ${t.errorMessage}`);
    ids.set(t.name, t.topicId);
  }
  return ids;
}
