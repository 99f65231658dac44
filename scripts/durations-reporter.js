// A node:test reporter for `run-tests.js --report-durations`: after the run, the slowest test
// files, each the sum of its top-level tests' durations (a file's `before` hooks, such as a
// broker start, are not tests and are not counted; with files running side by side, a file's
// sum can exceed the wall time it held a slot). The files at the top of this list are the ones
// to split, and the ones run-tests.js should start first (SLOW_FIRST).
const SHOWN = Number(process.env.TEST_DURATIONS_SHOWN ?? 15);

export default async function* durations(source) {
  const perFile = new Map();
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { nesting, file, name, details } = event.data;
    if (nesting !== 0 || file === undefined) continue;
    // In the unit run a process imports many files, each as one suite named by its path.
    const key = /unit-group-\d+\.test\.mjs$/.test(file) ? `dist/test/${name}` : file;
    perFile.set(key, (perFile.get(key) ?? 0) + (details?.duration_ms ?? 0));
  }
  const rows = [...perFile].sort((a, b) => b[1] - a[1]).slice(0, SHOWN);
  const cwd = `${process.cwd()}/`;
  yield `\nslowest test files (sum of top-level test durations, ${perFile.size} files):\n`;
  for (const [file, ms] of rows) {
    yield `${(ms / 1000).toFixed(1).padStart(7)} s  ${file.startsWith(cwd) ? file.slice(cwd.length) : file}\n`;
  }
}
