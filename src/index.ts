/**
 * Public entry point of the `millrace` package: the embedded broker and the protocol layer.
 */
export { startBroker, type StartBrokerOptions, type EmbeddedBroker } from './start-broker.js';
export * as protocol from './protocol/index.js';
export { startCluster, type StartClusterOptions, type EmbeddedCluster } from './start-cluster.js';
