/**
 * A test file's own embedded Millrace broker for a part of the shared CLI suite (cli-suite.ts):
 * started before the file's tests, closed after them.
 */
import { after, before } from 'node:test';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.js';

export const EMBEDDED_CONFIG = { 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0 };

/** Starts a broker before the calling file's tests and closes it after them; returns its bootstrap. */
export function embeddedBroker(): () => string {
  let target: TestBroker | undefined;
  before(async () => {
    target = await startTestBroker({ config: EMBEDDED_CONFIG });
  });
  after(async () => {
    await target?.close();
  });
  return () => target!.bootstrap;
}
