// Runs every compiled test under dist/test with Node's built-in runner. Compat tests install
// the third-party clients they drive through their own set-up (see test/compat/).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('dist/test')) {
  console.error('dist/test is missing: run `npm run build` first');
  process.exit(1);
}
// A hung test fails after 5 minutes instead of holding CI until its 90-minute limit.
const args = ['--test', '--test-reporter=spec', '--test-timeout=300000', ...process.argv.slice(2)];
if (process.argv.length <= 2) args.push('dist/test');
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
