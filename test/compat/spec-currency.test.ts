/**
 * spec/ is current: importing the message specs of Apache Kafka's jars (the version of
 * tools/kafka/pom.xml, from Maven Central via tools/kafka/fetch.sh) gives exactly the committed
 * spec/messages and spec/internal, and the compiled Errors enum of that kafka-clients jar gives
 * exactly spec/errors.json. A compat test because it needs the jars (and java for the errors),
 * which a fresh clone does not have; the importer's own tests (test/tools/import-spec.test.ts)
 * are hermetic.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatErrors, importErrorsFromJars, importSpecs, SPEC_JARS } from '../../tools/import-spec.js';
import { ensureKafkaJars, KAFKA_VERSION } from './setup/kafka.js';
import { repoRoot } from './setup/paths.js';

const libs = path.join(process.env.MILLRACE_KAFKA_CACHE ?? path.join(repoRoot, 'bench', '.cache', 'kafka'), 'libs');
const spec = path.join(repoRoot, 'spec');

before(async () => {
  await ensureKafkaJars();
});

test(`the jars are Kafka ${KAFKA_VERSION}, the version spec/README.md names`, () => {
  for (const { artifact } of SPEC_JARS) {
    assert.ok(readdirSync(libs).includes(`${artifact}-${KAFKA_VERSION}.jar`), `${artifact}-${KAFKA_VERSION}.jar in ${libs}`);
  }
  assert.match(readFileSync(path.join(spec, 'README.md'), 'utf8'), new RegExp(`Kafka ${KAFKA_VERSION.replace(/\./g, '\\.')}`));
});

test(`committed spec/ is what importing the Kafka ${KAFKA_VERSION} jars gives`, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'millrace-spec-currency-'));
  try {
    const files = importSpecs(libs, dir);
    assert.ok(files.length >= 250, `${files.length} spec files imported`);
    for (const f of files) {
      assert.equal(readFileSync(path.join(dir, f), 'utf8'), readFileSync(path.join(spec, f), 'utf8'), f);
    }
    for (const g of ['messages', 'internal']) {
      assert.deepEqual(readdirSync(path.join(spec, g)).sort(), readdirSync(path.join(dir, g)).sort(), `spec/${g} holds exactly the imported files`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`spec/errors.json is the error table of kafka-clients ${KAFKA_VERSION}`, () => {
  assert.equal(formatErrors(importErrorsFromJars(libs)), readFileSync(path.join(spec, 'errors.json'), 'utf8'));
});
