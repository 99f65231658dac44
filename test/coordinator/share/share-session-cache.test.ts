// Share sessions (KIP-932): epoch 0 opens (replacing the member's old session), the next
// epochs must follow in order, -1 closes, ShareAcknowledge cannot open one, the broker's
// session limit, and removal by member or by connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { SHARE_SESSION_LIMIT_REACHED, ShareSessionCache } from '../../../src/coordinator/share/share-session-cache.js';

test('a session opens at epoch 0 and then takes 1, 2, ... in order', () => {
  const cache = new ShareSessionCache(10);
  const open = cache.begin('g', 'm', 0, 'c1', true);
  assert.equal(open.errorCode, ErrorCode.NONE);
  assert.equal(open.session!.epoch, 1);
  assert.equal(cache.begin('g', 'm', 2, 'c1', true).errorCode, ErrorCode.INVALID_SHARE_SESSION_EPOCH);
  assert.equal(cache.begin('g', 'm', 1, 'c1', true).errorCode, ErrorCode.NONE);
  assert.equal(cache.begin('g', 'm', 2, 'c1', false).errorCode, ErrorCode.NONE, 'ShareAcknowledge advances it too');
  assert.equal(cache.begin('g', 'm', 2, 'c1', true).errorCode, ErrorCode.INVALID_SHARE_SESSION_EPOCH, 'an epoch is used once');
  assert.equal(cache.get('g', 'm')!.epoch, 3);
});

test('closing, unknown sessions, acknowledge cannot open, reopening replaces', () => {
  const cache = new ShareSessionCache(10);
  assert.equal(cache.begin('g', 'm', 1, 'c1', true).errorCode, ErrorCode.SHARE_SESSION_NOT_FOUND);
  assert.equal(cache.begin('g', 'm', 0, 'c1', false).errorCode, ErrorCode.INVALID_SHARE_SESSION_EPOCH);
  const first = cache.begin('g', 'm', 0, 'c1', true).session!;
  first.add('t', 0);
  const second = cache.begin('g', 'm', 0, 'c2', true);
  assert.equal(second.replaced, first);
  assert.equal(second.session!.partitions.size, 0);
  const closed = cache.begin('g', 'm', -1, 'c2', false);
  assert.equal(closed.closed, true);
  assert.equal(cache.size, 0);
  assert.equal(cache.begin('g', 'm', -1, 'c2', true).errorCode, ErrorCode.SHARE_SESSION_NOT_FOUND);
});

test('the session limit; removal by member and by connection', () => {
  const cache = new ShareSessionCache(2);
  cache.begin('g', 'a', 0, 'c1', true);
  cache.begin('g', 'b', 0, 'c2', true);
  assert.equal(cache.begin('g', 'c', 0, 'c3', true).errorCode, SHARE_SESSION_LIMIT_REACHED);
  assert.equal(cache.begin('g', 'a', 0, 'c1', true).errorCode, ErrorCode.NONE, 'a member reopening is not a new session');
  assert.equal(cache.remove('g', 'a')!.memberId, 'a');
  assert.deepEqual(cache.removeConnection('c2').map((s) => s.memberId), ['b']);
  assert.equal(cache.size, 0);
});
