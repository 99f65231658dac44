import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BROKER_SYNONYMS, DEFAULT_LOG_CONFIG, LONG_MAX, logConfigFromBrokerProps, resolveLogConfig } from '../../src/storage/config.js';
import { isStorageError } from '../../src/storage/errors.js';

const DAY_MS = 24 * 60 * 60 * 1000;

test("the storage layer's defaults are Kafka's, read from the topic config table", () => {
  assert.deepEqual(DEFAULT_LOG_CONFIG, {
    'segment.bytes': 1024 * 1024 * 1024,
    'segment.ms': 7 * DAY_MS,
    'segment.jitter.ms': 0,
    'segment.index.bytes': 10 * 1024 * 1024,
    'index.interval.bytes': 4096,
    'flush.messages': LONG_MAX,
    'flush.ms': LONG_MAX,
    'retention.bytes': -1,
    'retention.ms': 7 * DAY_MS,
    'max.message.bytes': 1024 * 1024 + 12,
    'file.delete.delay.ms': 60_000,
    'delete.retention.ms': DAY_MS,
    'min.compaction.lag.ms': 0,
    'max.compaction.lag.ms': LONG_MAX,
    'min.cleanable.dirty.ratio': 0.5,
    'cleanup.policy': 'delete',
    'message.timestamp.type': 'CreateTime',
    preallocate: false,
  });
  assert.ok(Object.isFrozen(DEFAULT_LOG_CONFIG));
});

test('each topic config takes its default from its first broker synonym', () => {
  assert.deepEqual(BROKER_SYNONYMS, {
    'segment.bytes': 'log.segment.bytes',
    'segment.ms': 'log.roll.ms',
    'segment.jitter.ms': 'log.roll.jitter.ms',
    'segment.index.bytes': 'log.index.size.max.bytes',
    'index.interval.bytes': 'log.index.interval.bytes',
    'flush.messages': 'log.flush.interval.messages',
    'flush.ms': 'log.flush.interval.ms',
    'retention.bytes': 'log.retention.bytes',
    'retention.ms': 'log.retention.ms',
    'max.message.bytes': 'message.max.bytes',
    'file.delete.delay.ms': 'log.segment.delete.delay.ms',
    'delete.retention.ms': 'log.cleaner.delete.retention.ms',
    'min.compaction.lag.ms': 'log.cleaner.min.compaction.lag.ms',
    'max.compaction.lag.ms': 'log.cleaner.max.compaction.lag.ms',
    'min.cleanable.dirty.ratio': 'log.cleaner.min.cleanable.ratio',
    'cleanup.policy': 'log.cleanup.policy',
    'message.timestamp.type': 'log.message.timestamp.type',
    preallocate: 'log.preallocate',
  });
  const c = logConfigFromBrokerProps({ 'log.retention.hours': '2', 'log.roll.hours': '1', 'log.roll.jitter.hours': '1', 'log.flush.scheduler.interval.ms': '500', 'log.segment.bytes': '2000000' });
  assert.equal(c['retention.ms'], 2 * 3_600_000);
  assert.equal(c['segment.ms'], 3_600_000);
  assert.equal(c['segment.jitter.ms'], 3_600_000);
  assert.equal(c['flush.ms'], 500);
  assert.equal(c['segment.bytes'], 2_000_000);
  const precedence = logConfigFromBrokerProps({ 'log.retention.ms': '10', 'log.retention.minutes': '1', 'log.retention.hours': '1', 'log.flush.interval.ms': '7', 'log.flush.scheduler.interval.ms': '500' });
  assert.equal(precedence['retention.ms'], 10);
  assert.equal(precedence['flush.ms'], 7);
  assert.equal(logConfigFromBrokerProps({ 'log.retention.minutes': '3', 'log.retention.hours': '1' })['retention.ms'], 180_000);
  assert.equal(logConfigFromBrokerProps({ 'log.flush.interval.ms': '9223372036854775807' })['flush.ms'], LONG_MAX);
});

test("overrides are held to Kafka's bounds, segment.bytes to Kafka's internal one", () => {
  const refused = (overrides: Record<string, string | number>, message: RegExp) =>
    assert.throws(() => resolveLogConfig(overrides), (e: unknown) => isStorageError(e, 'INVALID_REQUEST') && message.test(e.message));
  assert.equal(resolveLogConfig({ 'segment.bytes': 14 })['segment.bytes'], 14);
  refused({ 'segment.bytes': 13 }, /segment.bytes: Value must be at least 14/);
  refused({ 'segment.ms': 0 }, /Value must be at least 1/);
  refused({ 'segment.index.bytes': 3 }, /Value must be at least 4/);
  refused({ 'flush.messages': 0 }, /Value must be at least 1/);
  refused({ 'retention.ms': -2 }, /Value must be at least -1/);
  refused({ 'min.cleanable.dirty.ratio': 1.5 }, /Value must be no more than 1/);
  refused({ 'cleanup.policy': 'compact,shred' }, /String must be one of: compact, delete/);
  refused({ 'message.timestamp.type': 'Now' }, /String must be one of: CreateTime, LogAppendTime/);
  refused({ 'segment.ms': 'soon' }, /not a number/);
  refused({ 'segment.ms': '1.5' }, /not an integer/);
  assert.equal(resolveLogConfig({ 'retention.bytes': -5 })['retention.bytes'], -5);
  assert.equal(resolveLogConfig({ 'cleanup.policy': 'Delete, COMPACT' })['cleanup.policy'], 'compact,delete');
  assert.equal(resolveLogConfig({ 'cleanup.policy': '' })['cleanup.policy'], '');
  assert.equal(resolveLogConfig({ preallocate: 'true' }).preallocate, true);
  assert.equal(resolveLogConfig({ 'compression.type': 'zstd', 'min.insync.replicas': '2' })['segment.bytes'], DEFAULT_LOG_CONFIG['segment.bytes']);
});
