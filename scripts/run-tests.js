// Runs every compiled test under dist/test with Node's built-in runner. Compat tests install
// the third-party clients they drive through their own set-up (see test/compat/).
//
//   node scripts/run-tests.js            everything under dist/test, one process at a time (the
//                                        unit files in four grouped processes, as --unit makes them)
//   node scripts/run-tests.js --unit     the hermetic part: no network, no apt, no Java (all but
//                                        the folders in NOT_UNIT), in eight processes, four at a time
//   node scripts/run-tests.js PATH...    those files or folders
//   --report-durations                   (with any of the above) after the run, print the
//                                        slowest files to stderr (scripts/durations-reporter.js)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Folders of test/ that are not unit tests: real clients and Apache Kafka (they install them),
 * kills and broken disks, clusters on a real etcd (installed from Debian's etcd-server), and
 * the memory soak tests (a minute of load each). The rest of test/cluster/ (the in-process
 * key-value store, the controller on it with a manual clock) is hermetic and stays unit.
 */
const NOT_UNIT = ['compat', 'faults', 'cluster/etcd', 'broker/memory'];

/**
 * Unit test files known to be slow, the longest first (from `--report-durations` and the test
 * durations of a CI run, where files run one at a time), dealt out first: each process of the
 * unit run then gets one of them, and none ends up with two long files while the others idle.
 */
const SLOW_FIRST = [
  'cli/cli-millrace-groups.test.js',
  'cli/cli-millrace-topics.test.js',
  'cli/cli-millrace-records.test.js',
  'cli/group-kinds.test.js', // some 30 runs of the bin (on main since this list was measured)
  'cli/command-config-security.test.js',
  'security/bad-input.test.js',
  'cli/cli-millrace.test.js',
  'console/api/messages-groups-api.test.js',
  'cli/perf.test.js',
  'cli/user.test.js',
  'cli/start.test.js',
  'broker/network/limits.test.js',
  'cli/partition-reassign.test.js',
  'cli/partition-elect.test.js',
];

/** `files` with those named in SLOW_FIRST (relative to `root`) first, in that order. */
function slowFirst(files, root) {
  const rank = (f) => {
    const i = SLOW_FIRST.indexOf(path.relative(root, f).split(path.sep).join('/'));
    return i < 0 ? SLOW_FIRST.length : i;
  };
  return files.map((f, i) => [rank(f), i, f]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((e) => e[2]);
}

/**
 * Every test file (`*.test.js`) under `dir` (relative `rel`), leaving out the folders in `skip`.
 * Files, not folders, go to the runner: given a folder, Node runs every .js file below a `test`
 * folder, helpers and scripts (the 100-cycle fault soak) included.
 */
function testFiles(dir, skip = [], rel = '') {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!skip.includes(r)) out.push(...testFiles(full, skip, r));
    } else if (e.isFile() && e.name.endsWith('.test.js')) {
      out.push(full);
    }
  }
  return out.sort();
}

if (!existsSync('dist/test')) {
  console.error('dist/test is missing: run `npm run build` first');
  process.exit(1);
}
const argv = process.argv.slice(2);
const reportDurations = argv.includes('--report-durations');
let paths = argv.filter((a) => a !== '--report-durations');
const unit = paths.length === 1 && paths[0] === '--unit';
if (unit) {
  paths = slowFirst(testFiles('dist/test', NOT_UNIT), 'dist/test');
} else if (paths.length === 0) {
  paths = testFiles('dist/test');
} else {
  paths = paths.flatMap((p) => (existsSync(p) && statSync(p).isDirectory() ? testFiles(p) : [p]));
}
// A hung test fails after 5 minutes instead of holding CI until its 90-minute limit.
const args = ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-timeout=300000'];
if (reportDurations) {
  const reporter = fileURLToPath(new URL('./durations-reporter.js', import.meta.url));
  args.push(`--test-reporter=${reporter}`, '--test-reporter-destination=stderr');
}
// Unit test files use free ports and their own temp dirs, and most of their time is spent
// waiting (sockets, fsync, child processes), so four run at once even on two cores (Node's
// default is one fewer than the cores: one file at a time here). UNIT_TEST_CONCURRENCY changes
// it; not a MILLRACE_ name, which the brokers the tests start would read as a setting. The full
// suite stays one file at a time: its compat and fault tests start JVMs, network namespaces and apt.
let groupsDir = null;
if (unit) {
  const concurrency = Number(process.env.UNIT_TEST_CONCURRENCY ?? 4);
  args.push(`--test-concurrency=${concurrency}`);
  groupsDir = mkdtempSync(path.join(tmpdir(), 'millrace-unit-'));
  paths = unitGroups(paths, 'dist/test', concurrency * 2, groupsDir);
} else if (argv.filter((a) => a !== '--report-durations').length === 0) {
  // The whole suite, one file at a time: its unit part still goes in groups (one process
  // loads the broker's modules for many files), which takes some three minutes of module
  // loading off a run; the rest keep a process each.
  groupsDir = mkdtempSync(path.join(tmpdir(), 'millrace-unit-'));
  const root = path.resolve('dist/test');
  const isUnit = (f) => !NOT_UNIT.some((d) => path.relative(root, path.resolve(f)).split(path.sep).join('/').startsWith(`${d}/`));
  paths = [...unitGroups(slowFirst(paths.filter(isUnit), 'dist/test'), 'dist/test', 4, groupsDir), ...paths.filter((f) => !isUnit(f))];
}
args.push(...paths);
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
if (groupsDir !== null) rmSync(groupsDir, { recursive: true, force: true });
process.exit(result.status ?? 1);

/**
 * The unit files as `count` entry files, each importing its share of them inside one suite per
 * file (named by its path), so that a process loads the broker's modules once for many files:
 * loading them is most of what a small test file costs (some 0.7 s of CPU, against 0.07 s for
 * Node itself), and the unit suite is CPU-bound on two cores. A suite scopes each file's
 * top-level hooks (before, beforeEach, after) to that file's tests; files of one group run one
 * after the other, the groups side by side. `files` come slowest first and are dealt out in
 * turn, so every group gets one of the slow ones.
 */
function unitGroups(files, root, count, dir) {
  const groups = Array.from({ length: Math.min(count, files.length) }, () => []);
  files.forEach((f, i) => groups[i % groups.length].push(f));
  return groups.map((g, i) => {
    const entries = g.map((f) => `  [${JSON.stringify(path.relative(root, f).split(path.sep).join('/'))}, ${JSON.stringify(pathToFileURL(path.resolve(f)).href)}],`);
    const file = path.join(dir, `unit-group-${i + 1}.test.mjs`);
    writeFileSync(file, `import { describe } from 'node:test';\nfor (const [name, url] of [\n${entries.join('\n')}\n]) describe(name, async () => { await import(url); });\n`);
    return file;
  });
}
