import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaClient } from '../../../src/client/client.js';
import { GroupMember } from '../../../src/client/group-member.js';
import { json, startConsole, type ConsoleFixture } from './console-api-helpers.js';

let f: ConsoleFixture;
before(async () => {
  f = await startConsole();
  for (const [name, partitions] of [['events', 2], ['lagging', 2]] as const) {
    const r = await f.app.inject({ method: 'POST', url: '/api/v1/topics', payload: { name, partitions } });
    assert.equal(r.statusCode, 201, r.body);
  }
});
after(async () => f.close());

type Bytes = { size: number; text: string | null; base64: string } | null;
type Message = { partition: number; offset: number; timestamp: number; key: Bytes; value: Bytes; headers: { key: string; value: Bytes }[] };

async function produce(topic: string, body: Record<string, unknown>): Promise<{ partition: number; offset: number }> {
  const r = await f.app.inject({ method: 'POST', url: `/api/v1/topics/${topic}/messages`, payload: body });
  assert.equal(r.statusCode, 201, r.body);
  return json(r);
}

test('produce one, then browse by offset and by time; binary values come back as base64', async () => {
  const first = await produce('events', { partition: 0, key: 'user-1', value: '{"n":1}', headers: [{ key: 'trace', value: 'abc' }], timestamp: 1_000_000 });
  assert.deepEqual(first, { topic: 'events', partition: 0, offset: 0 });
  await produce('events', { partition: 0, key: Buffer.from([0xff, 0x00]).toString('base64'), value: Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64'), encoding: 'base64', timestamp: 2_000_000 });
  await produce('events', { partition: 0, key: null, value: null, timestamp: 3_000_000 });

  const all = json<{ start_offset: number; end_offset: number; next_offset: number; messages: Message[] }>(
    await f.app.inject({ method: 'GET', url: '/api/v1/topics/events/messages?partition=0&offset=0' }));
  assert.equal(all.end_offset, 3);
  assert.equal(all.next_offset, 3);
  assert.equal(all.messages.length, 3);
  const [m0, m1, m2] = all.messages as [Message, Message, Message];
  assert.deepEqual(m0.key, { size: 6, text: 'user-1', base64: Buffer.from('user-1').toString('base64') });
  assert.equal(m0.value?.text, '{"n":1}');
  assert.equal(m0.timestamp, 1_000_000);
  assert.deepEqual(m0.headers, [{ key: 'trace', value: { size: 3, text: 'abc', base64: 'YWJj' } }]);
  assert.equal(m1.value?.text, null, 'not UTF-8');
  assert.equal(m1.value?.base64, '3q2+7w==');
  assert.equal(m2.key, null);
  assert.equal(m2.value, null);

  const page = json<{ next_offset: number; messages: Message[] }>(await f.app.inject({ method: 'GET', url: '/api/v1/topics/events/messages?partition=0&offset=1&limit=1' }));
  assert.deepEqual(page.messages.map((m) => m.offset), [1]);
  assert.equal(page.next_offset, 2);
  const byTime = json<{ messages: Message[] }>(await f.app.inject({ method: 'GET', url: '/api/v1/topics/events/messages?partition=0&timestamp=1500000' }));
  assert.deepEqual(byTime.messages.map((m) => m.offset), [1, 2]);
  const latest = json<{ messages: Message[] }>(await f.app.inject({ method: 'GET', url: '/api/v1/topics/events/messages?partition=0&limit=2' }));
  assert.deepEqual(latest.messages.map((m) => m.offset), [1, 2], 'no offset: the last `limit` records');
  const empty = json<{ messages: Message[] }>(await f.app.inject({ method: 'GET', url: '/api/v1/topics/events/messages?partition=1' }));
  assert.deepEqual(empty.messages, []);
});

test('search by key over both partitions', async () => {
  for (let i = 0; i < 10; i++) await produce('events', { partition: i % 2, key: i % 3 === 0 ? 'needle' : `hay-${i}`, value: `v${i}` });
  const r = json<{ scanned: number; messages: Message[] }>(await f.app.inject({ method: 'GET', url: '/api/v1/topics/events/messages/search?key=needle' }));
  assert.deepEqual(r.messages.map((m) => m.value?.text).sort(), ['v0', 'v3', 'v6', 'v9']);
  assert.ok(r.scanned >= 10);
  const bounded = json<{ scanned: number; messages: Message[] }>(await f.app.inject({ method: 'GET', url: '/api/v1/topics/events/messages/search?key=needle&partition=1&max_scan=1' }));
  assert.equal(bounded.scanned, 1);
  assert.deepEqual(bounded.messages.map((m) => m.value?.text), ['v9'], 'the last record of partition 1 is v9');
  const bin = json<{ messages: Message[] }>(await f.app.inject({ method: 'GET', url: `/api/v1/topics/events/messages/search?key=${encodeURIComponent(Buffer.from([0xff, 0]).toString('base64'))}&key_encoding=base64` }));
  assert.deepEqual(bin.messages.map((m) => m.offset), [1]);
});

test('messages: unknown topic and partition are 404, missing value 400', async () => {
  const unknown = await f.app.inject({ method: 'POST', url: '/api/v1/topics/nosuch/messages', payload: { value: 'x' } });
  assert.equal(unknown.statusCode, 404);
  assert.equal((await f.app.inject({ method: 'GET', url: '/api/v1/topics/nosuch/messages' })).statusCode, 404);
  const part = await f.app.inject({ method: 'POST', url: '/api/v1/topics/events/messages', payload: { partition: 7, value: 'x' } });
  assert.equal(part.statusCode, 404);
  assert.equal(json(part).error_code, 40402);
  assert.equal((await f.app.inject({ method: 'GET', url: '/api/v1/topics/events/messages?partition=9' })).statusCode, 404);
  assert.equal((await f.app.inject({ method: 'POST', url: '/api/v1/topics/events/messages', payload: { key: 'k' } })).statusCode, 400);
  assert.equal((await f.app.inject({ method: 'GET', url: '/api/v1/topics/events/messages/search' })).statusCode, 400, 'key is required');
});

test('groups: lag per partition, reset offsets (refused while members are active), delete', async () => {
  for (let i = 0; i < 4; i++) await produce('lagging', { partition: i % 2, value: `r${i}` });
  const client = new KafkaClient({ bootstrapServers: [f.tb.bootstrap] });
  const member = new GroupMember(client, { groupId: 'readers', topics: ['lagging'], heartbeatIntervalMs: 100 });
  try {
    await member.join();
    await member.commit(new Map([['lagging', new Map([[0, 1n], [1, 2n]])]]));

    const list = json<{ groups: { groupId: string; state: string }[] }>(await f.app.inject({ method: 'GET', url: '/api/v1/groups' }));
    assert.equal(list.groups.find((g) => g.groupId === 'readers')?.state, 'Stable');

    type Group = { state: string; members: { member_id: string }[]; partitions: { partition: number; current_offset: number; log_end_offset: number; lag: number; consumer_id: string }[]; total_lag: number };
    const g = json<Group>(await f.app.inject({ method: 'GET', url: '/api/v1/groups/readers' }));
    assert.equal(g.members.length, 1);
    assert.deepEqual(g.partitions.map((p) => [p.partition, p.current_offset, p.log_end_offset, p.lag, p.consumer_id]), [
      [0, 1, 2, 1, member.memberId], [1, 2, 2, 0, member.memberId],
    ]);
    assert.equal(g.total_lag, 1);

    const busy = await f.app.inject({ method: 'POST', url: '/api/v1/groups/readers/offsets/reset', payload: { topic: 'lagging', to: 'earliest' } });
    assert.equal(busy.statusCode, 409, busy.body);
    assert.equal((await f.app.inject({ method: 'DELETE', url: '/api/v1/groups/readers' })).statusCode, 409);
  } finally {
    await member.leave();
    client.close();
  }
  const reset = await f.app.inject({ method: 'POST', url: '/api/v1/groups/readers/offsets/reset', payload: { topic: 'lagging', to: 'earliest' } });
  assert.equal(reset.statusCode, 200, reset.body);
  assert.deepEqual(json(reset).offsets, [{ partition: 0, offset: 0 }, { partition: 1, offset: 0 }]);
  const toOffset = json<{ offsets: unknown[] }>(await f.app.inject({ method: 'POST', url: '/api/v1/groups/readers/offsets/reset', payload: { topic: 'lagging', partitions: [1], to: 'offset', offset: 99 } }));
  assert.deepEqual(toOffset.offsets, [{ partition: 1, offset: 2 }], 'clamped to the log end');
  const g = json<{ total_lag: number; state: string }>(await f.app.inject({ method: 'GET', url: '/api/v1/groups/readers' }));
  assert.equal(g.state, 'Empty');
  assert.equal(g.total_lag, 2);
  assert.equal((await f.app.inject({ method: 'POST', url: '/api/v1/groups/readers/offsets/reset', payload: { topic: 'lagging', to: 'offset' } })).statusCode, 400);

  assert.equal((await f.app.inject({ method: 'DELETE', url: '/api/v1/groups/readers' })).statusCode, 204);
  assert.equal((await f.app.inject({ method: 'DELETE', url: '/api/v1/groups/readers' })).statusCode, 404);
  assert.equal((await f.app.inject({ method: 'GET', url: '/api/v1/groups/readers' })).statusCode, 404);
});
