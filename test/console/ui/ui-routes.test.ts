import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../src/console/ui/package-root.js';
import { startConsole, type ConsoleFixture } from '../api/console-api-helpers.js';

let f: ConsoleFixture;
before(async () => {
  f = await startConsole();
});
after(async () => f.close());

test('/ is the console page: its own script and stylesheet, a labelled navigation, no CDN', async () => {
  const r = await f.app.inject({ method: 'GET', url: '/' });
  assert.equal(r.statusCode, 200);
  assert.match(String(r.headers['content-type']), /^text\/html/);
  assert.match(r.body, /<script type="module" src="\/ui\/app\.js"><\/script>/);
  assert.match(r.body, /<link rel="stylesheet" href="\/ui\/app\.css">/);
  assert.match(r.body, /<nav aria-label="Main">/);
  assert.match(r.body, /<html lang="en">/);
  assert.doesNotMatch(r.body, /https?:\/\//, 'nothing is loaded from elsewhere');
});

test('the bundle built by npm run build is served; other names are 404', async () => {
  // `npm run build` (tools/bundle-cli.ts) makes the bundle; the test suite always builds first.
  assert.ok(existsSync(join(packageRoot(), 'dist', 'bundle', 'console', 'app.js')), 'run npm run build');
  const js = await f.app.inject({ method: 'GET', url: '/ui/app.js' });
  assert.equal(js.statusCode, 200);
  assert.match(String(js.headers['content-type']), /^text\/javascript/);
  assert.match(js.body, /api\/v1/);
  assert.doesNotMatch(js.body, /from\s*["']https?:/, 'no imports from a CDN');
  const css = await f.app.inject({ method: 'GET', url: '/ui/app.css' });
  assert.equal(css.statusCode, 200);
  assert.match(String(css.headers['content-type']), /^text\/css/);
  const other = await f.app.inject({ method: 'GET', url: '/ui/..%2Fpackage.json' });
  assert.equal(other.statusCode, 404);
  assert.equal((await f.app.inject({ method: 'GET', url: '/ui/app.js.map' })).statusCode, 404);
});
