import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMetadataStore } from '../../src/cluster/metadata-store-url.js';

test('metadata.store values', () => {
  assert.deepEqual(parseMetadataStore(null), { kind: 'local' });
  assert.deepEqual(parseMetadataStore(' local '), { kind: 'local' });
  assert.deepEqual(parseMetadataStore('etcd://h1:2379,h2:2379'), { kind: 'etcd', hosts: ['h1:2379', 'h2:2379'], root: '/millrace/' });
  assert.deepEqual(parseMetadataStore('etcd://127.0.0.1:2379/prod-a'), { kind: 'etcd', hosts: ['127.0.0.1:2379'], root: '/prod-a/' });
  assert.deepEqual(parseMetadataStore('etcd://[::1]:2379/'), { kind: 'etcd', hosts: ['[::1]:2379'], root: '/millrace/' });
  assert.throws(() => parseMetadataStore('etcd://'), /expected etcd:\/\//);
  assert.throws(() => parseMetadataStore('etcd://h1:0'), /"h1:0" is not host:port/);
  assert.throws(() => parseMetadataStore('http://h1:2379'), /expected etcd:\/\//);
});
