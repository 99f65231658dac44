import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigProblem, configValueToString, javaDouble, parseBrokerId, parseConfigValue } from '../../src/common/config-def.js';

const problem = (fn: () => unknown): [number, string] => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigProblem);
    return [e.errorCode, e.message];
  }
  assert.fail('no problem raised');
};

test('values parse as Java does: trimmed, Java ranges, booleans in any case, lists split on commas', () => {
  assert.equal(parseConfigValue('x', ' +5 ', 'LONG'), 5n);
  assert.equal(parseConfigValue('x', '9223372036854775807', 'LONG'), 9223372036854775807n);
  assert.equal(parseConfigValue('x', '-2147483648', 'INT'), -2147483648);
  assert.equal(parseConfigValue('x', 'TRUE', 'BOOLEAN'), true);
  assert.equal(parseConfigValue('x', '1e3', 'DOUBLE'), 1000);
  assert.deepEqual(parseConfigValue('x', ' compact , delete ', 'LIST'), ['compact', 'delete']);
  assert.deepEqual(parseConfigValue('x', '', 'LIST'), []);
  assert.deepEqual(parseConfigValue('x', 'a,,b', 'LIST'), ['a', '', 'b']);
  assert.equal(parseConfigValue('x', ' s ', 'STRING'), 's');
  assert.deepEqual(problem(() => parseConfigValue('retention.ms', '9223372036854775808', 'LONG')), [40, 'Invalid value 9223372036854775808 for configuration retention.ms: Not a number of type LONG']);
  assert.deepEqual(problem(() => parseConfigValue('segment.bytes', '1.5', 'INT')), [40, 'Invalid value 1.5 for configuration segment.bytes: Not a number of type INT']);
  assert.deepEqual(problem(() => parseConfigValue('r', '', 'LONG', 42)), [42, 'Invalid value  for configuration r: Not a number of type LONG']);
  assert.deepEqual(problem(() => parseConfigValue('p', 'yes', 'BOOLEAN')), [40, 'Invalid value yes for configuration p: Expected value to be either true or false']);
});

test("canonical strings are Kafka's: Java doubles, joined lists", () => {
  assert.equal(javaDouble(0.5), '0.5');
  assert.equal(javaDouble(2), '2.0');
  assert.equal(javaDouble(1e10), '1.0E10');
  assert.equal(javaDouble(1.5e-5), '1.5E-5');
  assert.equal(javaDouble(Number.NaN), 'NaN');
  assert.equal(configValueToString(['compact', 'delete'], 'LIST'), 'compact,delete');
  assert.equal(configValueToString(5n, 'LONG'), '5');
  assert.equal(parseBrokerId('1'), 1);
  assert.equal(parseBrokerId('x'), null);
  assert.equal(parseBrokerId('99999999999'), null);
});
