// Issue 18's console proof in a browser: playwright-core drives Debian's chromium (installed
// with apt by the set-up when missing; never a downloaded browser) against the console of an
// embedded broker. It creates a topic, produces a message, finds it by key in the message
// browser, watches a group's lag fall to zero while a kafkajs consumer catches up, and resets
// the group's offsets. Each page is saved as a screenshot under test-results/console/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { registerConsole } from '../../src/console/api/register-console.js';
import { Admin } from '../../src/client/admin.js';
import { KafkaClient } from '../../src/client/client.js';
import { repoRoot } from '../../tools/config-docs.js';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { ensureApt } from './setup/apt.js';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core') as typeof import('playwright-core');
const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');

const SHOTS = join(repoRoot(), 'test-results', 'console');
const TOPIC = 'ui-orders';
const GROUP = 'ui-readers';

let tb: TestBroker;
let app: FastifyInstance;
let browser: Browser;
let page: Page;
let base: string;

before(async () => {
  await ensureApt(['chromium']);
  mkdirSync(SHOTS, { recursive: true });
  tb = await startTestBroker({ config: { 'group.initial.rebalance.delay.ms': 0 } });
  app = Fastify();
  registerConsole(app, { bootstrapServers: [tb.bootstrap] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  // Running as root (CI) needs --no-sandbox; the browser is Debian's, found on PATH.
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(30_000);
});

after(async () => {
  await browser?.close();
  await app?.close();
  await tb?.close();
});

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Waits until an element's text matches. */
async function textOf(selector: string, re: RegExp): Promise<string> {
  // A string: this file is compiled without the DOM library; the expression runs in the page.
  const handle = await page.waitForFunction(`(() => {
    const t = document.querySelector(${JSON.stringify(selector)})?.textContent ?? '';
    return new RegExp(${JSON.stringify(re.source)}).test(t) ? t : false;
  })()`);
  return (await handle.jsonValue()) as string;
}

test('the console in chromium: create a topic, produce, find by key, watch lag reach zero, reset offsets', async () => {
  await page.goto(`${base}/`);
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  await page.getByRole('table', { name: 'Brokers' }).waitFor();

  // Create a topic from the overview.
  await page.getByLabel('Topic name').fill(TOPIC);
  await page.getByLabel('Partitions').fill('2');
  await page.getByRole('button', { name: 'Create topic' }).click();
  await textOf('form[aria-labelledby="create-h"] [role="status"]', new RegExp(`Created topic ${TOPIC}`));
  await page.getByRole('link', { name: TOPIC }).waitFor();
  await shot('1-overview');

  // Topic detail, then produce one message to it with a key, a JSON value and a header.
  await page.getByRole('link', { name: TOPIC }).click();
  await page.getByRole('heading', { name: `Topic ${TOPIC}` }).waitFor();
  await page.getByRole('table', { name: `Partitions of ${TOPIC}` }).waitFor();
  await shot('2-topic');
  await page.getByRole('link', { name: 'Produce a message' }).click();
  await page.getByRole('heading', { name: 'Produce a message' }).waitFor();
  assert.equal(await page.getByLabel('Topic').inputValue(), TOPIC);
  await page.getByLabel('Key', { exact: true }).fill('order-42');
  await page.getByLabel('Value').fill('{"amount":12,"currency":"EUR"}');
  await page.getByLabel('Headers').fill('source=console');
  await page.getByRole('button', { name: 'Produce' }).click();
  const produced = await textOf('[role="status"]', /Produced to/);
  assert.match(produced, new RegExp(`Produced to ${TOPIC} partition [01] at offset 0`));
  await shot('3-produce');

  // Five more without keys, through the REST API, so the key search has something to skip.
  for (let i = 0; i < 5; i++) {
    const r = await fetch(`${base}/api/v1/topics/${TOPIC}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ partition: i % 2, value: `filler-${i}` }) });
    assert.equal(r.status, 201);
  }

  // The message browser finds it by key: pretty-printed JSON and its header.
  await page.goto(`${base}/#/topics/${TOPIC}/messages`);
  await page.getByRole('heading', { name: `Messages in ${TOPIC}` }).waitFor();
  await page.getByLabel('Find', { exact: true }).selectOption('key');
  await page.getByLabel('Partition', { exact: true }).selectOption('');
  await page.getByLabel('Key', { exact: true }).fill('order-42');
  await page.getByRole('button', { name: 'Show messages' }).click();
  await textOf('main [role="status"]', /^1 found among 6 records/);
  const value = await page.locator('ol.messages li dd.value pre.json').textContent();
  assert.equal(value, JSON.stringify({ amount: 12, currency: 'EUR' }, null, 2));
  assert.match(await page.locator('ol.messages li.message').textContent() ?? '', /source: console/);
  await shot('4-messages-by-key');

  // A group with committed offsets at 0 lags by all 6 records.
  const client = new KafkaClient({ bootstrapServers: [tb.bootstrap] });
  await new Admin(client).commitOffsets(GROUP, new Map([[TOPIC, new Map([[0, 0n], [1, 0n]])]]));
  client.close();
  await page.goto(`${base}/#/groups`);
  await page.getByRole('link', { name: GROUP }).click();
  await page.getByRole('heading', { name: `Consumer group ${GROUP}` }).waitFor();
  assert.equal(await textOf('[data-testid="total-lag"]', /^\d+$/), '6');

  // A kafkajs consumer catches up and commits: the page's lag goes to zero.
  const kafka = new Kafka({ clientId: 'console-ui-test', brokers: [tb.bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 500 });
  let seen = 0;
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({ autoCommitInterval: 100, eachMessage: async () => { seen++; } });
  try {
    await textOf('[data-testid="total-lag"]', /^0$/);
    await textOf('[data-testid="group-state"]', /^Stable$/);
    assert.equal(seen, 6);
    await shot('5-group-caught-up');
  } finally {
    await consumer.disconnect();
  }

  // With the consumer gone, reset the group to the earliest offsets: the lag is back to 6.
  await textOf('[data-testid="group-state"]', /^Empty$/);
  await page.getByLabel('Reset topic', { exact: true }).selectOption(TOPIC);
  await page.getByLabel('Reset to', { exact: true }).selectOption('earliest');
  await page.getByRole('button', { name: 'Reset offsets' }).click();
  assert.match(await textOf('form[aria-labelledby="reset-h"] [role="status"]', /Offsets reset/), /partition 0 → 0, partition 1 → 0/);
  assert.equal(await textOf('[data-testid="total-lag"]', /^6$/), '6');
  await shot('6-group-reset');

  // The overview's live throughput chart shows records coming in while the page is open.
  await page.goto(`${base}/#/`);
  await page.getByRole('img', { name: /Throughput into all topics/ }).waitFor();
  for (let i = 0; i < 20; i++) {
    await fetch(`${base}/api/v1/topics/${TOPIC}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: `live-${i}` }) });
  }
  await textOf('ul.legend li', /^records in: [1-9]/);
  await shot('7-overview-throughput');
});

test('on an OAUTHBEARER listener the console asks for a bearer token and acts as its subject', async () => {
  const oauth = await startTestBroker({
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'OAUTHBEARER',
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
    },
  });
  const secured = Fastify();
  registerConsole(secured, { bootstrapServers: [oauth.broker.listenerAddress('SASL_PLAINTEXT')], saslMechanism: 'OAUTHBEARER' });
  await secured.listen({ host: '127.0.0.1', port: 0 });
  const tab = await browser.newPage();
  try {
    await tab.goto(`http://127.0.0.1:${(secured.server.address() as AddressInfo).port}/`);
    await tab.getByRole('heading', { name: 'Sign in' }).waitFor();
    // An unsecured JWS, as Kafka's OAuthBearerUnsecuredLoginCallbackHandler makes them.
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    await tab.getByLabel('Bearer token').fill(`${b64({ alg: 'none' })}.${b64({ sub: 'dora', iat: now, exp: now + 600 })}.`);
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await tab.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    assert.equal(await tab.locator('dt:text-is("Signed in as") + dd').textContent(), 'User:dora');
    await tab.screenshot({ path: join(SHOTS, '8-bearer-signed-in.png'), fullPage: true });
  } finally {
    await tab.close();
    await secured.close();
    await oauth.close();
  }
});
