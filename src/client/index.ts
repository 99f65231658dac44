/**
 * Millrace's own small Kafka client: connections with version negotiation and pipelining,
 * routing to leaders and coordinators. It serves the `millrace` tools and `millrace perf`.
 */
export { BrokerConnection, type ApiKeyNumber, type ConnectionOptions } from './connection.js';
export { KafkaClient, CoordinatorType, parseHostPort, type BrokerNode, type ClientOptions } from './client.js';
export { KafkaConnectionError, KafkaResponseError, throwIfError } from './errors.js';
export { clientOptionsFromProperties, readClientProperties } from './properties.js';
