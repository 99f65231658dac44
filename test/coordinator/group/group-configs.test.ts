// Kafka 4.4's GroupConfig as group-configs.ts reproduces it: the definitions, validate's checks
// in Kafka's order with its messages (read off the 4.4.0 jars), share.auto.offset.reset's
// strategies, and the clamping the coordinators apply when they read a group's value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { ConfigProblem } from '../../../src/common/config-def.js';
import { GROUP_CONFIG_DEFS, groupInt, parseAutoOffsetReset, validateGroupConfigs, type BrokerGroupSettings } from '../../../src/coordinator/group/group-configs.js';

/** Kafka 4.4's broker defaults for the settings the checks read. */
const DEFAULTS: Record<string, string> = {
  'group.consumer.session.timeout.ms': '45000', 'group.consumer.min.session.timeout.ms': '45000', 'group.consumer.max.session.timeout.ms': '60000',
  'group.consumer.heartbeat.interval.ms': '5000', 'group.consumer.min.heartbeat.interval.ms': '5000', 'group.consumer.max.heartbeat.interval.ms': '15000',
  'group.consumer.min.assignment.interval.ms': '0', 'group.consumer.max.assignment.interval.ms': '15000',
  'group.share.session.timeout.ms': '45000', 'group.share.min.session.timeout.ms': '45000', 'group.share.max.session.timeout.ms': '60000',
  'group.share.heartbeat.interval.ms': '5000', 'group.share.min.heartbeat.interval.ms': '5000', 'group.share.max.heartbeat.interval.ms': '15000',
  'group.share.min.record.lock.duration.ms': '15000', 'group.share.max.record.lock.duration.ms': '60000',
  'group.share.min.delivery.count.limit': '2', 'group.share.max.delivery.count.limit': '10',
  'group.share.min.partition.max.record.locks': '100', 'group.share.max.partition.max.record.locks': '4000',
  'group.share.min.assignment.interval.ms': '0', 'group.share.max.assignment.interval.ms': '15000',
  'group.streams.session.timeout.ms': '45000', 'group.streams.min.session.timeout.ms': '45000', 'group.streams.max.session.timeout.ms': '60000',
  'group.streams.heartbeat.interval.ms': '5000', 'group.streams.min.heartbeat.interval.ms': '5000', 'group.streams.max.heartbeat.interval.ms': '15000',
  'group.streams.max.standby.replicas': '2', 'group.streams.min.assignment.interval.ms': '0', 'group.streams.max.assignment.interval.ms': '15000',
  'group.streams.assignors': 'sticky',
};
const settings: BrokerGroupSettings = (name) => DEFAULTS[name] ?? null;

function problem(overrides: Record<string, string>, s: BrokerGroupSettings = settings): [number, string] | 'ok' {
  try {
    validateGroupConfigs(overrides, s);
    return 'ok';
  } catch (e) {
    if (!(e instanceof ConfigProblem)) throw e;
    return [e.errorCode, e.message];
  }
}

test("GroupConfig's 27 configs, 6 of them internal, in Kafka's definition order", () => {
  assert.equal(GROUP_CONFIG_DEFS.length, 27);
  assert.deepEqual(GROUP_CONFIG_DEFS.filter((d) => d.internal).map((d) => d.name), [
    'consumer.assignor.offload.enable', 'share.assignor.offload.enable', 'streams.assignor.offload.enable',
    'streams.task.offset.interval.ms', 'streams.num.warmup.replicas', 'streams.acceptable.recovery.lag',
  ]);
  assert.deepEqual(GROUP_CONFIG_DEFS.slice(0, 3).map((d) => d.name), ['consumer.session.timeout.ms', 'consumer.heartbeat.interval.ms', 'consumer.assignment.interval.ms']);
});

test('validate: values in canonical form; problems in the order and words of Kafka 4.4', () => {
  assert.deepEqual(validateGroupConfigs({ 'share.renew.acknowledge.enable': 'TRUE', 'streams.rack.aware.assignment.tags': ' a , b ', 'share.auto.offset.reset': ' latest ' }, settings), {
    'share.renew.acknowledge.enable': 'true', 'streams.rack.aware.assignment.tags': 'a,b', 'share.auto.offset.reset': 'latest',
  });
  // Parsing goes in definition order, whatever the request's order.
  assert.deepEqual(problem({ 'share.session.timeout.ms': '0', 'consumer.session.timeout.ms': 'abc' }), [ErrorCode.INVALID_CONFIG, 'Invalid value abc for configuration consumer.session.timeout.ms: Not a number of type INT']);
  assert.deepEqual(problem({ 'consumer.assignor.offload.enable': 'maybe' }), [ErrorCode.INVALID_CONFIG, 'Invalid value maybe for configuration consumer.assignor.offload.enable: Expected value to be either true or false']);
  assert.deepEqual(problem({ 'consumer.session.timeout.ms': '5000' }), [ErrorCode.INVALID_CONFIG, 'consumer.session.timeout.ms must be in the range 45000 to 60000 inclusive.']);
  assert.deepEqual(problem({ 'streams.num.warmup.replicas': '100' }), [ErrorCode.INVALID_CONFIG, 'streams.num.warmup.replicas must be less than or equal to 20']);
  assert.deepEqual(problem({ 'consumer.heartbeat.interval.ms': '15000', 'consumer.session.timeout.ms': '45000' }), 'ok');
  // The session must outlast the heartbeat, the broker's value standing in for the one not given.
  const wide: BrokerGroupSettings = (n) => (n === 'group.consumer.min.session.timeout.ms' ? '1000' : settings(n));
  assert.deepEqual(problem({ 'consumer.session.timeout.ms': '5000' }, wide), [ErrorCode.INVALID_CONFIG, 'consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms']);
  assert.deepEqual(problem({ 'streams.assignor.name': 'sticky' }), 'ok');
  const two: BrokerGroupSettings = (n) => (n === 'group.streams.assignors' ? 'sticky, mine' : settings(n));
  assert.deepEqual(problem({ 'streams.assignor.name': 'x' }, two), [ErrorCode.INVALID_CONFIG, "streams.assignor.name 'x' is not a registered task assignor. Registered assignors are: [sticky, mine]."]);
  assert.deepEqual(problem({ 'errors.deadletterqueue.topic.name': 'dlq' }), 'ok');
});

test('share.auto.offset.reset: earliest, latest, by_duration with a non-negative ISO-8601 duration (as Kafka 4.4 accepts them)', () => {
  assert.deepEqual(parseAutoOffsetReset('earliest'), { kind: 'earliest' });
  assert.deepEqual(parseAutoOffsetReset('by_duration:PT1H'), { kind: 'by_duration', durationMs: 3_600_000 });
  assert.deepEqual(parseAutoOffsetReset('by_duration:pt1h'), { kind: 'by_duration', durationMs: 3_600_000 });
  assert.deepEqual(parseAutoOffsetReset('by_duration:P1DT2H3M4.5S'), { kind: 'by_duration', durationMs: 93_784_500 });
  assert.deepEqual(parseAutoOffsetReset('by_duration:PT0.5S'), { kind: 'by_duration', durationMs: 500 });
  for (const bad of ['Latest', 'by_duration:-PT1H', 'by_duration:PT-1H', 'by_duration:P', 'by_duration:PT', 'by_duration: PT1H', 'by_duration:', 'by_duration:P1W']) {
    assert.equal(parseAutoOffsetReset(bad), undefined, bad);
  }
});

test("groupInt: the group's value clamped into the broker's bounds, else the broker's", () => {
  assert.equal(groupInt({}, 'consumer.session.timeout.ms', 45_000, 45_000, 60_000), 45_000);
  assert.equal(groupInt({ 'consumer.session.timeout.ms': '50000' }, 'consumer.session.timeout.ms', 45_000, 45_000, 60_000), 50_000);
  assert.equal(groupInt({ 'consumer.session.timeout.ms': '90000' }, 'consumer.session.timeout.ms', 45_000, 45_000, 60_000), 60_000);
  assert.equal(groupInt({ 'consumer.session.timeout.ms': '1000' }, 'consumer.session.timeout.ms', 45_000, 45_000, 60_000), 45_000);
  assert.equal(groupInt({ 'streams.initial.rebalance.delay.ms': '0' }, 'streams.initial.rebalance.delay.ms', 3000), 0);
});
