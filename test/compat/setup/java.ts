/**
 * The Apache Kafka Java client as an application uses it: kafka-clients and its runtime
 * dependencies (zstd-jni, lz4-java, snappy-java, slf4j) copied from Maven Central by
 * test/compat/clients/java/pom.xml, and the driver CompatConsumer.java compiled with javac.
 * Both are cached under <cache>/java and redone when pom.xml or the source changes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureApt } from './apt.js';
import { run, SetupError } from './exec.js';
import { withLock } from './lock.js';
import { cacheDir, clientsDir } from './paths.js';

export interface JavaClient {
  java: string;
  /** Classpath with the compiled driver first. */
  classpath: string;
  mainClass: string;
}

const javaSrc = path.join(clientsDir, 'java');

/**
 * Flags for the short-lived JVMs of Kafka's command-line tools (kafka-configs.sh, kafka-acls.sh,
 * DumpLogSegments, ...): a few seconds of work each, where the C1 compiler alone and the serial
 * collector start and finish two to three times faster than the defaults on two cores.
 */
export const TOOL_JVM_FLAGS: readonly string[] = ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

function hashOf(...files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

/** Runs `fill(tmp)` and moves tmp to `dir`, unless `dir` already holds a `.complete` saying `stamp`. */
async function cachedFolder(dir: string, stamp: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const marker = path.join(dir, '.complete');
  const current = () => existsSync(marker) && readFileSync(marker, 'utf8') === stamp;
  if (current()) return;
  await withLock(`java-${path.basename(dir)}`, async () => {
    if (current()) return;
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    await fill(tmp);
    writeFileSync(path.join(tmp, '.complete'), stamp);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  });
}

let ensured: Promise<JavaClient> | undefined;

export function ensureJavaClient(): Promise<JavaClient> {
  ensured ??= (async () => {
    await ensureApt(['openjdk-17-jdk-headless', 'maven']);
    const pom = path.join(javaSrc, 'pom.xml');
    const libs = path.join(cacheDir, 'java', 'libs');
    await cachedFolder(libs, hashOf(pom), async (tmp) => {
      await run('copying kafka-clients and its dependencies from Maven Central', 'mvn', [
        '-B', '-q', '-f', pom, 'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies',
        '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`,
      ]);
      if (!readdirSync(tmp).some((f) => f.startsWith('kafka-clients-'))) {
        throw new SetupError(`mvn copy-dependencies put no kafka-clients jar into ${tmp}`);
      }
    });
    const source = path.join(javaSrc, 'CompatConsumer.java');
    const classes = path.join(cacheDir, 'java', 'classes');
    await cachedFolder(classes, hashOf(source, pom), async (tmp) => {
      await run('compiling the Java driver', 'javac', ['-cp', path.join(libs, '*'), '-d', tmp, source]);
    });
    return { java: 'java', classpath: `${classes}${path.delimiter}${path.join(libs, '*')}`, mainClass: 'CompatConsumer' };
  })();
  return ensured;
}

/**
 * A driver of several sources (in test/compat/clients/java/) compiled against the Java
 * client's jars into <cache>/<cacheName>/classes, redone when a source or pom.xml changes.
 * Returns the classpath that runs it (its classes first).
 */
export async function compileJavaDriver(cacheName: string, sources: readonly string[], what: string): Promise<string> {
  const java = await ensureJavaClient();
  const libs = java.classpath.split(path.delimiter).slice(1).join(path.delimiter);
  const files = sources.map((f) => path.join(javaSrc, f));
  const classes = path.join(cacheDir, cacheName, 'classes');
  await cachedFolder(classes, hashOf(...files, path.join(javaSrc, 'pom.xml')), async (tmp) => {
    await run(`compiling ${what}`, 'javac', ['-cp', libs, '-d', tmp, ...files]);
  });
  return `${classes}${path.delimiter}${libs}`;
}
