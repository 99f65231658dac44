import type { Logger } from 'pino';
import type { LogManager } from '../storage/log-manager.js';
import type { BrokerConfig } from './config/broker-config.js';
import type { MetadataStore } from './metadata.js';
import type { HandlerRegistry } from './handlers/registry.js';

/**
 * Everything a handler may use: the broker's settings, its logs, the metadata image and the
 * registry (for ApiVersions). Handlers stay thin and put state changes in these objects.
 */
export interface BrokerContext {
  readonly nodeId: number;
  readonly config: BrokerConfig;
  readonly logs: LogManager;
  readonly metadata: MetadataStore;
  readonly handlers: HandlerRegistry;
  readonly logger: Logger;
}
