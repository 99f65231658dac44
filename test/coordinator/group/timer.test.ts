import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeadlineTimer, TimerDriver } from '../../../src/coordinator/group/timer.js';
import { ManualClock, systemClock } from '../../../src/storage/clock.js';

test('keyed deadlines: earliest first, rescheduling replaces, cancel drops', () => {
  const clock = new ManualClock(0);
  const t = new DeadlineTimer(clock);
  const ran: string[] = [];
  t.schedule('a', 30, () => ran.push('a'));
  t.schedule('b', 10, () => ran.push('b'));
  t.schedule('c', 20, () => ran.push('c'));
  t.schedule('b', 40, () => ran.push('b2'));
  t.cancel('c');
  assert.equal(t.nextDeadline(), 30);
  assert.equal(t.poll(29), 0);
  assert.equal(t.poll(100), 2);
  assert.deepEqual(ran, ['a', 'b2']);
  assert.equal(t.size, 0);
});

test('a task may schedule another; a throwing task does not stop the others', () => {
  const clock = new ManualClock(0);
  const t = new DeadlineTimer(clock);
  const errors: string[] = [];
  t.onError = (_e, key) => errors.push(key);
  const ran: string[] = [];
  t.schedule('boom', 1, () => {
    throw new Error('x');
  });
  t.schedule('next', 2, () => {
    ran.push('next');
    t.schedule('later', 0, () => ran.push('later'));
  });
  clock.set(5);
  t.poll();
  assert.deepEqual(errors, ['boom']);
  assert.deepEqual(ran, ['next', 'later']);
});

test('many reschedules of one key keep the heap small', () => {
  const clock = new ManualClock(0);
  const t = new DeadlineTimer(clock);
  for (let i = 0; i < 100_000; i++) t.schedule('hb', 1000 + i, () => {});
  assert.equal(t.size, 1);
  assert.ok((t as unknown as { heap: unknown[] }).heap.length < 5000);
});

test('the driver wakes on the earliest deadline with one Node timer', async () => {
  const t = new DeadlineTimer(systemClock);
  const driver = new TimerDriver(t);
  driver.start();
  // The driver's timer is unref'd; this one keeps the test's event loop alive.
  const keepAlive = setTimeout(() => {}, 5000);
  const order: string[] = [];
  const done = new Promise<void>((resolve) => {
    t.schedule('late', 30, () => {
      order.push('late');
      resolve();
    });
    t.schedule('early', 5, () => order.push('early'));
  });
  await done;
  clearTimeout(keepAlive);
  driver.stop();
  assert.deepEqual(order, ['early', 'late']);
});
