/**
 * The cluster metadata the broker serves from: brokers, topics with their ids, partition
 * counts and config overrides. Reads come from an in-memory image and are synchronous;
 * changes are asynchronous because a store may have to agree them with others first (the
 * etcd store). Implementations live in src/cluster/.
 */
export interface BrokerEndpoint {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionMetadata {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
}

export interface TopicMetadata {
  name: string;
  /** 16-byte topic id (Kafka's Uuid). */
  id: Buffer;
  internal: boolean;
  partitions: PartitionMetadata[];
  /** Topic-level config overrides, by Kafka's topic config names. */
  configs: Readonly<Record<string, string>>;
}

export interface MetadataStore {
  readonly clusterId: string;
  readonly controllerId: number;
  brokers(): readonly BrokerEndpoint[];
  topics(): IterableIterator<TopicMetadata>;
  topic(name: string): TopicMetadata | undefined;
  topicById(id: Buffer): TopicMetadata | undefined;
  /** Creates a topic; the caller has validated name, counts and configs. */
  createTopic(name: string, partitions: number, replicationFactor: number, configs: Record<string, string>, internal?: boolean): Promise<TopicMetadata>;
  deleteTopic(name: string): Promise<TopicMetadata | undefined>;
  /** Raises the partition count to `total`. */
  createPartitions(name: string, total: number): Promise<TopicMetadata>;
  /** Replaces the topic's config overrides. */
  setTopicConfigs(name: string, configs: Record<string, string>): Promise<TopicMetadata>;
  /**
   * Dynamic broker configs (KIP-226) of one scope: `''` for the cluster-wide defaults, or a
   * broker id for that broker's own. A store without them leaves both methods out, and
   * dynamic broker config changes are then refused.
   */
  brokerConfigs?(scope: string): Readonly<Record<string, string>>;
  /** Replaces the dynamic broker configs of a scope. */
  setBrokerConfigs?(scope: string, configs: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}
