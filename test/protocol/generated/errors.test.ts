import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERRORS, ErrorCode, errorInfo, errorMessage, errorName, isRetriable } from '../../../src/protocol/generated/errors.js';

test('the error table has Kafka codes, names, messages and retriable flags', () => {
  assert.equal(ErrorCode.NONE, 0);
  assert.equal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 3);
  assert.equal(ErrorCode.UNSUPPORTED_VERSION, 35);
  assert.equal(ErrorCode.REBOOTSTRAP_REQUIRED, 129);
  assert.equal(errorMessage(3), 'This server does not host this topic-partition.');
  assert.equal(errorMessage(35), 'The version of API is not supported.');
  assert.equal(errorInfo(0)?.message, null);
  assert.equal(errorName(6), 'NOT_LEADER_OR_FOLLOWER');
  assert.equal(errorName(12345), 'UNKNOWN_ERROR_CODE(12345)');
  assert.equal(errorMessage(12345), errorMessage(-1));
  assert.equal(isRetriable(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION), true);
  assert.equal(isRetriable(ErrorCode.NOT_COORDINATOR), true);
  assert.equal(isRetriable(ErrorCode.TOPIC_AUTHORIZATION_FAILED), false);
  assert.equal(isRetriable(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER), false);
  const codes = ERRORS.map((e) => e.code);
  assert.deepEqual(codes, [...codes].sort((a, b) => a - b));
  assert.equal(new Set(codes).size, codes.length);
  for (let c = -1; c <= 129; c++) assert.ok(errorInfo(c), `code ${c}`);
});
