/**
 * The same `millrace` client tool tests as against Millrace (test/cli/cli-suite.ts, and the
 * third-party ones in cli-clients-suite.ts), against Apache Kafka 4.4.0 started once for this
 * file from its Maven Central jars (test/compat/setup). The tests run at the same time: each
 * has topics and groups of its own (unique names), and most of their time is the bin's and the
 * clients' process start-ups, one after another within a test.
 */
import { after, before, describe } from 'node:test';
import { startTarget, type CompatTarget } from '../setup/target.js';
import { registerCliSuite } from '../../cli/cli-suite.js';
import { registerCliClientSuite } from './cli-clients-suite.js';

let target: CompatTarget;

before(async () => {
  target = await startTarget({ kind: 'kafka' });
});

after(async () => {
  await target?.stop();
});

describe('against Apache Kafka 4.4.0', { concurrency: true }, () => {
  registerCliSuite(() => target.bootstrap);
  registerCliClientSuite(() => target.bootstrap);
});
