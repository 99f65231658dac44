/**
 * What the coordinator reads of the consumer protocol (protocol type "consumer"): the topics
 * in a member's subscription. Like Kafka, it reads every subscription version with the v0
 * schema, which prefixes all later ones, so that a newer client's metadata still parses.
 */
import { decode as decodeSubscription } from '../../../protocol/generated/consumer-protocol-subscription.js';

/** The subscribed topics, or null when the metadata is not a consumer subscription. */
export function subscribedTopics(metadata: Buffer): string[] | null {
  if (metadata.length < 2 || metadata.readInt16BE(0) < 0) return null;
  try {
    return decodeSubscription(metadata, 2, 0).topics;
  } catch {
    return null;
  }
}
