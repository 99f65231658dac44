/**
 * confluent-kafka from PyPI (a wheel bundling a recent librdkafka) in a venv under the compat
 * cache, next to Debian's older python3-confluent-kafka (see apt.ts).
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DEBIAN_PYTHON } from './apt.js';
import { run, runRaw, SetupError, works } from './exec.js';
import { withLock } from './lock.js';
import { cacheDir } from './paths.js';

export const CONFLUENT_KAFKA_PYPI_VERSION = '2.16.1';

let ensured: Promise<string> | undefined;

/** Returns the venv's python, with confluent-kafka==CONFLUENT_KAFKA_PYPI_VERSION importable. */
export function ensureConfluentKafkaVenv(): Promise<string> {
  ensured ??= (async () => {
    const venv = path.join(cacheDir, 'venv');
    const python = path.join(venv, 'bin', 'python');
    const check = `import confluent_kafka, sys; sys.exit(confluent_kafka.__version__ != '${CONFLUENT_KAFKA_PYPI_VERSION}')`;
    if (existsSync(python) && (await works(python, ['-c', check]))) return python;
    await withLock('venv', async () => {
      if (existsSync(python) && (await works(python, ['-c', check]))) return;
      rmSync(venv, { recursive: true, force: true });
      // the python3 first on PATH, else Debian's (which needs python3-venv for this)
      let made = await runRaw('python3', ['-m', 'venv', venv]);
      if (made.code !== 0) {
        rmSync(venv, { recursive: true, force: true });
        made = await runRaw(DEBIAN_PYTHON, ['-m', 'venv', venv]);
      }
      if (made.code !== 0) {
        throw new SetupError(`cannot create a Python venv at ${venv} (python3 -m venv: ${made.stderr.trim()}); ` +
          'install python3-venv (apt-get install -y python3-venv)');
      }
      await run(`pip install confluent-kafka==${CONFLUENT_KAFKA_PYPI_VERSION}`, path.join(venv, 'bin', 'pip'),
        ['install', '-q', '--disable-pip-version-check', `confluent-kafka==${CONFLUENT_KAFKA_PYPI_VERSION}`]);
    });
    if (!(await works(python, ['-c', check]))) {
      throw new SetupError(`confluent-kafka ${CONFLUENT_KAFKA_PYPI_VERSION} is not importable from ${python}`);
    }
    return python;
  })();
  return ensured;
}
