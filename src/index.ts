/**
 * Public entry point of the `millrace` package. The broker (`startBroker`) is exported here
 * once it exists; today the package exposes the protocol layer.
 */
export * as protocol from './protocol/index.js';
