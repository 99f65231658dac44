/**
 * Debian packages, installed with apt-get when missing (CI runs as root on a fresh machine).
 * Each package comes with a probe that checks what the tests actually use (a binary that runs,
 * a module that imports with Debian's /usr/bin/python3), so a package counts as present only
 * when it works. `apt-get update` runs at most once per process, and only when something is
 * missing.
 */
import { run, SetupError, works } from './exec.js';
import { withLock } from './lock.js';

/** Debian's own interpreter: the `python3` first on PATH may be another one without Debian's modules. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

type Probe = readonly [command: string, args: readonly string[]];

const pyImport = (modules: string): Probe => [DEBIAN_PYTHON, ['-c', `import ${modules}`]];

/** What each package the compat tests use provides, as a command that fails without it. */
export const APT_PROBES: Readonly<Record<string, Probe>> = {
  kcat: ['kcat', ['-V']],
  'python3-confluent-kafka': pyImport('confluent_kafka'),
  'python3-kafka': pyImport('kafka'),
  // kafka-python decompresses through these (kafka.codec); without them it cannot read
  // snappy, lz4 or zstd batches.
  'python3-snappy': pyImport('snappy'),
  'python3-lz4': pyImport('lz4.frame'),
  'python3-zstandard': pyImport('zstandard'),
  'openjdk-17-jdk-headless': ['javac', ['-version']],
  maven: ['mvn', ['-v']],
  // etcd for the cluster tests (test/cluster/etcd/), which start their own servers.
  'etcd-server': ['etcd', ['--version']],
  // `ip netns` for the cluster fault tests (test/faults/cluster-net.ts).
  iproute2: ['ip', ['-V']],
  // Debian's browser for the console's Playwright test (test/compat/console-ui.test.ts): never a downloaded one.
  chromium: ['chromium', ['--version']],
};

/**
 * kafka-python as the compat tests use it: the client and the codecs it decompresses through
 * (without python3-lz4 it cannot read an lz4 batch, and so on).
 */
export const KAFKA_PYTHON_PACKAGES: readonly string[] = ['python3-kafka', 'python3-snappy', 'python3-lz4', 'python3-zstandard'];

let updated = false;
const settled = new Map<string, Promise<void>>();

async function probe(pkg: string): Promise<boolean> {
  const p = APT_PROBES[pkg];
  if (p === undefined) throw new Error(`no probe for Debian package ${pkg}`);
  return works(p[0], p[1]);
}

async function install(packages: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const pkg of packages) if (!(await probe(pkg))) missing.push(pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new SetupError(`missing Debian packages ${missing.join(' ')}: install them as root ` +
      `(apt-get update && apt-get install -y ${missing.join(' ')}) and run the tests again`);
  }
  await withLock('apt', async () => {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const installArgs = ['install', '-y', '-q', '--no-install-recommends', ...missing];
    if (!updated) {
      await run('apt-get update', 'apt-get', ['update', '-q'], { env });
      updated = true;
    }
    await run(`installing Debian packages ${missing.join(' ')}`, 'apt-get', installArgs, { env });
  });
  const still: string[] = [];
  for (const pkg of missing) if (!(await probe(pkg))) still.push(pkg);
  if (still.length > 0) {
    throw new SetupError(`Debian packages ${still.join(' ')} were installed but their probe still fails: ` +
      still.map((p) => `\`${APT_PROBES[p]![0]} ${APT_PROBES[p]![1].join(' ')}\``).join(', '));
  }
}

/** Makes sure the packages work, installing the missing ones (one apt-get run at a time). */
export function ensureApt(packages: readonly string[]): Promise<void> {
  const key = [...packages].sort().join(' ');
  let p = settled.get(key);
  if (p === undefined) {
    // chain after every earlier request: apt-get cannot run twice at once
    const previous = Promise.all([...settled.values()].map((q) => q.catch(() => {})));
    p = previous.then(() => install(packages));
    settled.set(key, p);
  }
  return p;
}
