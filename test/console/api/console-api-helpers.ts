/** A fastify app with the console registered around an embedded broker, for the console's API tests. */
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { registerConsole, type ConsoleOptions } from '../../../src/console/api/register-console.js';
import { startTestBroker, type TestBroker, type TestBrokerOptions } from '../../helpers/test-broker.js';

export interface ConsoleFixture {
  tb: TestBroker;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startConsole(brokerOptions: TestBrokerOptions = {}, consoleOptions: Partial<ConsoleOptions> = {},
  started?: TestBroker): Promise<ConsoleFixture> {
  const tb = started ?? await startTestBroker(brokerOptions);
  const app = Fastify({ logger: false });
  registerConsole(app, { bootstrapServers: [tb.bootstrap], ...consoleOptions });
  await app.ready();
  return {
    tb, app,
    async close() {
      await app.close();
      await tb.close();
    },
  };
}

/** The JSON body of an injected response. */
export function json<T = Record<string, unknown>>(r: LightMyRequestResponse): T {
  return JSON.parse(r.body) as T;
}
