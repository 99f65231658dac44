/**
 * The finalized features Kafka's KafkaApis gates handlers on, read from the metadata store
 * on every request so an UpdateFeatures takes effect at once on every broker: below
 * `group.version` 1 the KIP-848 consumer protocol, below `streams.version` 1 streams groups,
 * below `share.version` 1 share groups are answered UNSUPPORTED_VERSION (isConsumerGroupProtocolEnabled,
 * isStreamsGroupProtocolEnabled, isShareGroupProtocolEnabled). The transaction coordinator
 * reads `transaction.version` through its config (broker.ts).
 */
import { featureLevel, GROUP_VERSION, SHARE_VERSION, STREAMS_VERSION } from '../cluster/features.js';
import { ErrorCode, errorMessage } from '../protocol/generated/errors.js';
import type { BrokerContext } from './context.js';

export function consumerGroupProtocolEnabled(broker: BrokerContext): boolean {
  return featureLevel(broker.metadata.finalizedFeatures(), GROUP_VERSION) >= 1;
}

export function streamsGroupProtocolEnabled(broker: BrokerContext): boolean {
  return featureLevel(broker.metadata.finalizedFeatures(), STREAMS_VERSION) >= 1;
}

export function shareGroupProtocolEnabled(broker: BrokerContext): boolean {
  return featureLevel(broker.metadata.finalizedFeatures(), SHARE_VERSION) >= 1;
}

/** The message Kafka's answers carry with UNSUPPORTED_VERSION (the error's default). */
export const UNSUPPORTED_VERSION_MESSAGE = errorMessage(ErrorCode.UNSUPPORTED_VERSION);
