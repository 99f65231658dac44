/**
 * The `millrace` client tools against the embedded Millrace broker: produce and consume, the part
 * of the shared suite (cli-suite.ts) in registerCliRecordTests, on a broker of this file's own.
 * The suite's parts are three files so the unit suite runs them side by side.
 */
import { describe } from 'node:test';
import { embeddedBroker } from './cli-embedded.js';
import { registerCliRecordTests } from './cli-suite.js';

const bootstrap = embeddedBroker();
describe('against the embedded Millrace broker', () => registerCliRecordTests(bootstrap));
