import { test } from 'node:test';
import assert from 'node:assert/strict';
import { javaHostAddress } from '../../../src/broker/network/host-address.js';

test('peer addresses are written as Java\'s getHostAddress writes them, for ACL host filters', () => {
  assert.equal(javaHostAddress('10.0.0.1'), '10.0.0.1');
  assert.equal(javaHostAddress('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(javaHostAddress('::1'), '0:0:0:0:0:0:0:1');
  assert.equal(javaHostAddress('fe80::1%eth0'), 'fe80:0:0:0:0:0:0:1%eth0');
  assert.equal(javaHostAddress('2001:DB8:0:0:8:800:200C:417A'), '2001:db8:0:0:8:800:200c:417a');
  assert.equal(javaHostAddress('2001:db8::'), '2001:db8:0:0:0:0:0:0');
});
