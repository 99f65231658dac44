// The console's HTTP server in the broker's life: bound with the broker (port 0 discoverable),
// /ready 503 while the logs load and 200 after, off with an empty console.listeners, and a
// bind failure failing start-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startBroker } from '../../src/start-broker.js';
import { Broker } from '../../src/broker/broker.js';
import { BrokerConfig } from '../../src/broker/settings/broker-config.js';
import { metadataStoreFactory } from '../../src/broker/metadata-store.js';
import { consoleService, startMessage, type ConsoleServer } from '../../src/console/server.js';
import { isLoopback, parseConsoleListeners } from '../../src/broker/settings/console-listeners.js';

async function getJson(url: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(new URL(path, url));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A pino logger whose lines are kept, to read what the broker said. */
function capturingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

test('/ready answers 503 with a reason while the logs load, 200 once the broker runs; /health 200 throughout', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-console-ready-'));
  const config = BrokerConfig.load({ overrides: { listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dir, 'console.listeners': 'http://127.0.0.1:0' } });
  const { logger, lines } = capturingLogger();
  let server: ConsoleServer | null = null;
  // Start-up waits on the metadata store before it loads the logs: held here, the broker is
  // observably "starting" with its console already up.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let reachedMetadata!: () => void;
  const atMetadata = new Promise<void>((resolve) => (reachedMetadata = resolve));
  const factory = metadataStoreFactory(config);
  try {
    const starting = Broker.start({
      config,
      logger,
      services: [consoleService((s) => (server = s))],
      metadata: async (logDir, self, log) => {
        reachedMetadata();
        await held;
        return factory(logDir, self, log);
      },
    });
    await atMetadata;
    const url = (server as ConsoleServer | null)!.addresses[0]!.url;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const before = await getJson(url, 'ready');
    assert.equal(before.status, 503);
    assert.equal(before.body.status, 'not ready');
    assert.match(String(before.body.reason), /logs not loaded/);
    assert.equal((await getJson(url, 'health')).status, 200);
    const metrics = await fetch(new URL('metrics', url));
    assert.equal(metrics.status, 200, '/metrics answers during start-up, with what is known');
    await metrics.text();
    release();
    const broker = await starting;
    try {
      assert.deepEqual(await getJson(url, 'ready'), { status: 200, body: { status: 'ready', nodeId: 1 } });
      assert.equal(broker.phase, 'running');
      // No SASL listener and no authorizer: the console says it is on loopback only.
      assert.ok(lines.some((l) => l.msg === 'console listening on loopback only: no security (SASL or authorizer) is configured'));
    } finally {
      await broker.close();
    }
    // Closed with the broker.
    await assert.rejects(fetch(new URL('health', url)));
  } finally {
    release();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an empty console.listeners turns the console off; several listeners serve the same routes', async () => {
  const off = await startBroker({ config: { 'console.listeners': '' } });
  try {
    assert.equal(off.consoleUrl, null);
  } finally {
    await off.close();
  }
  const embedded = await startBroker();
  try {
    assert.equal(embedded.consoleUrl, null, 'off by default in an embedded broker');
  } finally {
    await embedded.close();
  }
  let server: ConsoleServer | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'millrace-console-two-'));
  const config = BrokerConfig.load({ overrides: { listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dir, 'console.listeners': 'http://127.0.0.1:0, http://127.0.0.1:0' } });
  try {
    const broker = await Broker.start({ config, logger: pino({ level: 'silent' }), metadata: metadataStoreFactory(config), services: [consoleService((s) => (server = s))] });
    try {
      const addresses = (server as ConsoleServer | null)!.addresses;
      assert.deepEqual(addresses.map((a) => a.host), ['127.0.0.1', '127.0.0.1']);
      assert.notEqual(addresses[0]!.port, addresses[1]!.port);
      for (const a of addresses) assert.equal((await getJson(a.url, 'ready')).status, 200);
    } finally {
      await broker.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a console address that cannot be bound fails start-up with a clear message, as a Kafka listener does', async () => {
  const taken: Server = createServer();
  taken.listen(0, '127.0.0.1');
  await once(taken, 'listening');
  const port = (taken.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'millrace-console-bind-'));
  try {
    await assert.rejects(
      startBroker({ logDir: dir, config: { 'console.listeners': `http://127.0.0.1:${port}` } }),
      new RegExp(`console failed to bind to http://127\\.0\\.0\\.1:${port} \\(console\\.listeners\\): .*EADDRINUSE`),
    );
    // The Kafka listeners it had bound are closed again: the same directory starts a broker.
    const again = await startBroker({ logDir: dir });
    await again.close();
  } finally {
    taken.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('console.listeners is checked when the configuration is read', () => {
  assert.deepEqual(parseConsoleListeners('http://127.0.0.1:8080,http://[::1]:0, http://localhost:9000/,https://127.0.0.1:8443'), [
    { host: '127.0.0.1', port: 8080, tls: false },
    { host: '::1', port: 0, tls: false },
    { host: 'localhost', port: 9000, tls: false },
    { host: '127.0.0.1', port: 8443, tls: true },
  ]);
  assert.deepEqual(parseConsoleListeners(''), []);
  for (const bad of ['ftp://127.0.0.1:8443', '127.0.0.1:8080', 'http://127.0.0.1', 'http://127.0.0.1:70000', 'http://127.0.0.1:80,http://127.0.0.1:80']) {
    assert.throws(() => BrokerConfig.load({ overrides: { 'console.listeners': bad } }), /console\.listeners/, bad);
  }
  assert.equal(BrokerConfig.load({}).raw('console.listeners'), 'http://127.0.0.1:8080');
  assert.equal(isLoopback('127.0.0.1'), true);
  assert.equal(isLoopback('::1'), true);
  assert.equal(isLoopback('localhost'), true);
  assert.equal(isLoopback('0.0.0.0'), false);
  assert.equal(isLoopback('10.1.2.3'), false);
});

test('without security the console warns about a non-loopback address, and says it is on loopback otherwise', () => {
  const at = (host: string) => ({ host, port: 8080, url: `http://${host.includes(':') ? `[${host}]` : host}:8080/` });
  assert.deepEqual(startMessage([at('127.0.0.1')], false).level, 'info');
  assert.match(startMessage([at('127.0.0.1'), at('::1')], false).msg, /loopback only: no security/);
  const exposed = startMessage([at('127.0.0.1'), at('0.0.0.0')], false);
  assert.equal(exposed.level, 'warn');
  assert.deepEqual(exposed.urls, ['http://0.0.0.0:8080/']);
  assert.match(exposed.msg, /non-loopback address without security/);
  assert.equal(startMessage([at('0.0.0.0')], true).level, 'info', 'with SASL or an authorizer, no warning');
});

test('a start-up that fails after the console is up closes the console too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-console-failed-'));
  const config = BrokerConfig.load({ overrides: { listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dir, 'console.listeners': 'http://127.0.0.1:0' } });
  let server: ConsoleServer | null = null;
  try {
    await assert.rejects(
      Broker.start({
        config,
        logger: pino({ level: 'silent' }),
        services: [consoleService((s) => (server = s))],
        metadata: () => {
          throw new Error('metadata store unavailable');
        },
      }),
      /metadata store unavailable/,
    );
    const url = (server as ConsoleServer | null)!.addresses[0]!.url;
    await assert.rejects(fetch(new URL('health', url)), 'nothing listens on the console address any more');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
