/**
 * Cross-checks the generated codecs against a real Kafka client (a development check, not
 * part of npm test: it needs a JDK and Kafka's jars).
 *
 *   node dist/tools/codegen/crosscheck/crosscheck.js --kafka-libs <dir of Kafka jars>
 *
 * Encodes sample values of every message at every version with the generated codecs, then
 * KafkaCrossCheck.java makes Kafka's own generated classes read each encoding and write it
 * back: the bytes must be consumed exactly and come back identical.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { CODECS } from '../../../src/protocol/generated/index.js';
import { buildModels } from '../generate.js';
import { findRepoRoot } from '../paths.js';
import { sampleMessage, type SampleMode } from '../samples.js';

function main(argv: string[]): number {
  const i = argv.indexOf('--kafka-libs');
  if (i < 0 || argv[i + 1] === undefined) {
    console.error('usage: crosscheck --kafka-libs <directory with kafka-clients and coordinator jars>');
    return 2;
  }
  const libs = argv[i + 1]!;
  const root = findRepoRoot();
  const dir = mkdtempSync(join(tmpdir(), 'millrace-crosscheck-'));
  const input = join(dir, 'samples.txt');
  const fd = openSync(input, 'w');
  const runs: Array<[SampleMode, number]> = [['rich', 1], ['rich', 2], ['rich', 3], ['big', 4], ['defaults', 5]];
  for (const m of buildModels(join(root, 'spec'))) {
    for (let v = m.validVersions.lowest; v <= m.validVersions.highest; v++) {
      for (const [mode, seed] of runs) {
        const bytes = CODECS[m.name]!.encode(sampleMessage(m, v, mode, seed).value, v);
        writeSync(fd, `${m.name} ${v} ${bytes.toString('hex')}\n`);
      }
    }
  }
  closeSync(fd);
  try {
    const cp = `${join(libs, '*')}${delimiter}${dir}`;
    const src = join(root, 'tools/codegen/crosscheck/KafkaCrossCheck.java');
    const javac = spawnSync('javac', ['-cp', cp, '-d', dir, src], { stdio: 'inherit' });
    if (javac.status !== 0) return 1;
    const run = spawnSync('sh', ['-c', `java -cp '${cp}' KafkaCrossCheck < '${input}'`], { stdio: 'inherit' });
    return run.status ?? 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = main(process.argv.slice(2));
