/**
 * @platformatic/kafka, installed into a folder of its own under the compat cache rather than
 * the project's package.json: every 1.x from 1.27 on depends on @platformatic/dynamic-buffer
 * and @platformatic/wasm-utils, which declare Node >= 22.19, so as a devDependency it made
 * `npm ci` warn EBADENGINE on the Node 20 the project supports. 2.x needs Node 22.
 *
 * One version for every Node: the drivers run it on Node 22 (setup/node.ts) and on the Node
 * running the tests, which on Node 20 is what an application there gets from
 * `npm install @platformatic/kafka@1` (npm picks 1.35.0 and warns about those two helpers;
 * the client works, which the Node 20 drivers check; it cannot read zstd there, see
 * clients/index.ts). Drivers load it from the folder passed in COMPAT_NODE_MODULES
 * (clients/platformatic-kafka-load.mjs).
 */
import { ensureNpmFolder } from './npm.js';

export const PLATFORMATIC_KAFKA_VERSION = '1.35.0';

let ensured: Promise<string> | undefined;

/** The node_modules folder holding @platformatic/kafka (installed on first use). */
export function ensurePlatformaticKafka(): Promise<string> {
  ensured ??= ensureNpmFolder('platformatic-kafka', [`@platformatic/kafka@${PLATFORMATIC_KAFKA_VERSION}`]);
  return ensured;
}
