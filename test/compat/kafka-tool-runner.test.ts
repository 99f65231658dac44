/**
 * The warm JVM that runs Kafka's command-line tools for the compat tests (setup/kafka-tool.ts,
 * clients/java/KafkaToolRunner.java) against a JVM per tool: the same exit code, stdout and
 * stderr for a tool that succeeds, one that rejects its arguments, one that prints a caught
 * exception's stack trace, one that throws out of main, and a class that does not exist; a
 * tool's stdin; a tool past its time limit is killed and the next one gets a new runner; a
 * process that used the runner ends on its own and leaves no runner behind.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { eventually } from '../helpers/eventually.js';
import { runRaw, type RunResult } from './setup/exec.js';
import { TOOL_JVM_FLAGS } from './setup/java.js';
import { ensureKafkaJars } from './setup/kafka.js';
import { kafkaToolRunnerPid, runKafkaTool } from './setup/kafka-tool.js';
import { repoRoot } from './setup/paths.js';
import { startTarget, type CompatTarget } from './setup/target.js';

let target: CompatTarget | undefined;

before(async () => {
  await ensureKafkaJars();
  target = await startTarget({ kind: 'millrace' });
});

after(async () => {
  await target?.stop();
});

/** The tool in a JVM of its own, as the compat tests ran them before the runner. */
function ownJvm(mainClass: string, args: readonly string[], input?: string): Promise<RunResult> {
  const libs = path.join(process.env.MILLRACE_KAFKA_CACHE ?? path.join(repoRoot, 'bench', '.cache', 'kafka'), 'libs');
  return runRaw('java', [...TOOL_JVM_FLAGS, '-cp', `${libs}/*`, mainClass, ...args], { timeoutMs: 120_000, input });
}

test('a tool in the runner exits and prints exactly what it does in a JVM of its own', async () => {
  const bootstrap = target!.bootstrap;
  const cases: [string, string[]][] = [
    ['org.apache.kafka.tools.TopicCommand', ['--version']],
    ['org.apache.kafka.tools.TopicCommand', ['--bootstrap-server', bootstrap, '--list']],
    // usage error: the usage text on stderr, exit 1 through Exit.exit
    ['org.apache.kafka.tools.TopicCommand', []],
    // a caught exception's stack trace, which ends at the tool's main in both
    ['org.apache.kafka.tools.TopicCommand', ['--bootstrap-server', bootstrap, '--list', '--command-config', '/nonexistent/millrace.properties']],
    ['org.apache.kafka.tools.ConfigCommand', ['--bootstrap-server', bootstrap, '--describe', '--entity-type', 'nonsense']],
    ['org.apache.kafka.tools.DumpLogSegments', ['--files', '/nonexistent/00000000000000000000.log']],
    // an exception out of main: printed by the launcher's rules, exit 1
    ['org.apache.kafka.tools.DumpLogSegments', []],
    ['org.apache.kafka.tools.NoSuchTool', ['--help']],
  ];
  for (const [mainClass, args] of cases) {
    const warm = await runKafkaTool(mainClass, args, { timeoutMs: 120_000 });
    const own = await ownJvm(mainClass, args);
    assert.deepEqual(warm, own, `${mainClass} ${args.join(' ')}`);
  }
  // the cases again, in the now warm runner: nothing a tool did changes the next
  for (const [mainClass, args] of cases) {
    const warm = await runKafkaTool(mainClass, args, { timeoutMs: 120_000 });
    assert.deepEqual(warm, await ownJvm(mainClass, args), `${mainClass} ${args.join(' ')}, again`);
  }
});

test('a tool reads the stdin it is given', async () => {
  const topic = `tool-runner-${process.pid}`;
  const bootstrap = target!.bootstrap;
  const created = await runKafkaTool('org.apache.kafka.tools.TopicCommand', ['--bootstrap-server', bootstrap, '--create', '--topic', topic, '--partitions', '1']);
  assert.equal(created.code, 0, created.stderr);
  const produced = await runKafkaTool('org.apache.kafka.tools.ConsoleProducer', ['--bootstrap-server', bootstrap, '--topic', topic], { input: 'first\nsecond ü\n', timeoutMs: 120_000 });
  assert.equal(produced.code, 0, produced.stderr);
  const consumed = await runKafkaTool('org.apache.kafka.tools.consumer.ConsoleConsumer', [
    '--bootstrap-server', bootstrap, '--topic', topic, '--from-beginning', '--max-messages', '2',
  ], { timeoutMs: 120_000 });
  assert.equal(consumed.code, 0, consumed.stderr);
  const own = await ownJvm('org.apache.kafka.tools.consumer.ConsoleConsumer', ['--bootstrap-server', bootstrap, '--topic', topic, '--from-beginning', '--max-messages', '2']);
  assert.equal(consumed.stdout, own.stdout);
  // (the JVM's default charset decides how ü comes out: the same in both)
  assert.deepEqual(consumed.stdout.split('\n').map((l) => l.slice(0, 6)), ['first', 'second', '']);
  assert.equal(consumed.stderr, own.stderr);
});

test('a tool past its time limit is killed, and the next tool gets a new runner', async () => {
  const first = await runKafkaTool('org.apache.kafka.tools.TopicCommand', ['--version']);
  assert.equal(first.code, 0);
  const killed = kafkaToolRunnerPid();
  assert.ok(killed !== undefined);
  // reads a topic that never gets a record: runs until killed
  const stuck = await runKafkaTool('org.apache.kafka.tools.consumer.ConsoleConsumer', ['--bootstrap-server', target!.bootstrap, '--topic', `tool-runner-empty-${process.pid}`], { timeoutMs: 5_000 });
  assert.deepEqual([stuck.code, stuck.signal], [null, 'SIGKILL']);
  const next = await runKafkaTool('org.apache.kafka.tools.TopicCommand', ['--version']);
  assert.deepEqual(next, first);
  assert.notEqual(kafkaToolRunnerPid(), killed);
  await eventually('the timed-out runner gone', () => !alive(killed));
});

test('a process that used the runner ends on its own and leaves no runner behind', async () => {
  const module = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'setup', 'kafka-tool.js')).href;
  const script = `const t = await import(${JSON.stringify(module)});
const r = await t.runKafkaTool('org.apache.kafka.tools.TopicCommand', ['--version']);
console.log(JSON.stringify({ code: r.code, pid: t.kafkaToolRunnerPid() }));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  assert.equal(code, 0);
  const { code: toolCode, pid } = JSON.parse(out) as { code: number; pid: number };
  assert.equal(toolCode, 0);
  await eventually('the runner of the ended process gone', () => !alive(pid));
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // a zombie still answers signal 0: look at its state
  return !/\)\s+Z\s/.test(readStat(pid));
}

function readStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return '';
  }
}
