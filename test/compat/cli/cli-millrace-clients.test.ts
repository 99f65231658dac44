/**
 * The `millrace` client tools with third-party clients (kcat, Kafka's own tools) against the
 * embedded Millrace broker; the tools on their own are in test/cli/cli-millrace*.test.ts. The
 * tests run at the same time: each has topics and groups of its own (unique names).
 */
import { after, before, describe } from 'node:test';
import { startTarget, type CompatTarget } from '../setup/target.js';
import { registerCliClientSuite } from './cli-clients-suite.js';

let target: CompatTarget;

before(async () => {
  target = await startTarget({ kind: 'millrace', config: { 'num.partitions': 1 } });
});

after(async () => {
  await target?.stop();
});

describe('against the embedded Millrace broker', { concurrency: true }, () => {
  registerCliClientSuite(() => target.bootstrap);
});
