/**
 * What the fetch path uses of its broker (the broker passes itself): the metadata image,
 * the partitions, a logger and a few settings. The fetch service, its purgatory and its
 * reads depend on this, not on the whole BrokerContext that holds them.
 */
import type { Logger } from 'pino';
import type { MetadataStore } from '../../cluster/metadata.js';
import type { Partitions } from '../partition.js';

export interface FetchHost {
  /** Broker settings by Kafka's names (fetch.max.bytes, compression.type, ...); they may change at run time. */
  readonly config: { int(name: string): number; raw(name: string): string | null };
  readonly metadata: Pick<MetadataStore, 'topic' | 'topicById' | 'brokers'>;
  readonly partitions: Partitions;
  readonly logger: Logger;
}
