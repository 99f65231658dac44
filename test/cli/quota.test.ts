// `millrace quota set|list|remove` through the real bin against an embedded broker: what it
// sets is what it lists back, removing keys removes them, and bad values get Kafka's message.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, type TestBroker } from '../helpers/test-broker.js';
import { cli, ok } from './cli-harness.js';

let tb: TestBroker;

before(async () => {
  tb = await startTestBroker();
});

after(async () => {
  await tb?.close();
});

test('quota set, list and remove', async () => {
  const b = ['--bootstrap-server', tb.bootstrap];
  assert.equal(await ok(['quota', 'list', ...b]), 'No client quotas.\n');
  assert.equal(await ok(['quota', 'set', '--user', 'alice', '--add-config', 'producer_byte_rate=1048576,consumer_byte_rate=2097152', ...b]),
    'Set producer_byte_rate, consumer_byte_rate of user=alice.\n');
  await ok(['quota', 'set', '--user', 'alice', '--client-id-default', '--add-config', 'request_percentage=12.5', ...b]);
  await ok(['quota', 'set', '--client-id', 'reporting', '--add-config', 'producer_byte_rate=1000', ...b]);
  assert.equal(await ok(['quota', 'list', '--user', 'alice', ...b]), [
    'ENTITY                          QUOTA               VALUE',
    'user=alice                      consumer_byte_rate  2097152',
    'user=alice                      producer_byte_rate  1048576',
    'user=alice,client-id=<default>  request_percentage  12.5',
    '',
  ].join('\n'));
  const all = JSON.parse(await ok(['quota', 'list', '--json', ...b])) as Array<{ entity: unknown; quotas: Record<string, number> }>;
  assert.equal(all.length, 3);
  assert.equal(await ok(['quota', 'remove', '--user', 'alice', '--delete-config', 'producer_byte_rate', ...b]), 'Removed producer_byte_rate of user=alice.\n');
  assert.equal(await ok(['quota', 'remove', '--user', 'alice', '--client-id-default', ...b]), 'Removed request_percentage of user=alice,client-id=<default>.\n');
  const left = JSON.parse(await ok(['quota', 'list', '--json', ...b])) as Array<{ entity: { user?: string | null; clientId?: string | null }; quotas: Record<string, number> }>;
  assert.deepEqual(left.map((q) => [q.entity, q.quotas]).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))), [
    [{ clientId: 'reporting' }, { producer_byte_rate: 1000 }],
    [{ user: 'alice' }, { consumer_byte_rate: 2097152 }],
  ]);
  // Kafka's validation, reported as one line.
  const bad = await cli(['quota', 'set', '--client-id', 'x', '--add-config', 'producer_byte_rate=1.5', ...b]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /producer_byte_rate cannot be a fractional value/);
  const noEntity = await cli(['quota', 'set', '--add-config', 'producer_byte_rate=1', ...b]);
  assert.notEqual(noEntity.code, 0);
  assert.match(noEntity.stderr, /name the entity/);
});
