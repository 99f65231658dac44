/**
 * `millrace produce TOPIC`: kafka-console-producer.sh. One record per line of stdin (or
 * `--file`); with `--key-separator` the text before the first separator is the key. Prints
 * nothing on success unless `--verbose`; any record that fails makes it exit 1.
 */
import { constants, createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Command, Option } from 'commander';
import { Producer } from '../client/producer.js';
import type { CompressionName, RecordMetadata } from '../client/producer-types.js';
import { action, clientOptions, CliError, collect, examples, intArg, keyValues, oneTopic, withClient, type ClientFlags } from './options.js';
import type { Out } from './output.js';

interface ProduceFlags extends ClientFlags {
  topic?: string;
  file?: string;
  keySeparator?: string;
  property?: string[];
  header?: string[];
  compression: CompressionName;
  compressionCodec?: CompressionName;
  acks: string;
  requestRequiredAcks?: string;
  partition?: number;
  lingerMs: number;
  batchSize?: number;
  verbose?: boolean;
}

export interface ProduceIo {
  stdin: NodeJS.ReadableStream;
  stdout: Out;
}

export function registerProduce(program: Command, io: ProduceIo = { stdin: process.stdin, stdout: process.stdout }): void {
  examples(clientOptions(program.command('produce'), { json: false }), [
    'echo hello | millrace produce orders',
    'millrace produce orders --key-separator : --header source=cli < records.txt   # lines like key:value',
    'millrace produce orders --file records.txt --compression zstd --acks 1 --verbose',
    'millrace produce orders --property parse.key=true --property key.separator=:   # as kafka-console-producer.sh',
  ])
    .description('send one record per line of stdin (or --file) to a topic')
    .argument('[topic]', 'the topic')
    .option('--topic <name>', 'the topic (as the console producer names it)')
    .option('--file <path>', 'read lines from a file instead of stdin')
    .option('--key-separator <sep>', 'split each line into key and value at the first <sep>')
    .option('--property <key=value>', 'kafka-console-producer.sh properties: parse.key=true, key.separator=SEP (repeatable)', collect)
    .option('--header <key=value>', 'a header on every record (repeatable)', collect)
    .addOption(new Option('--compression <codec>', 'batch compression').choices(['none', 'gzip', 'snappy', 'lz4', 'zstd']).default('none'))
    .addOption(new Option('--acks <acks>', 'acknowledgements to wait for').choices(['0', '1', 'all', '-1']).default('all'))
    // kafka-console-producer.sh's names for the same two settings
    .addOption(new Option('--compression-codec <codec>').choices(['none', 'gzip', 'snappy', 'lz4', 'zstd']).hideHelp())
    .addOption(new Option('--request-required-acks <acks>').choices(['0', '1', 'all', '-1']).hideHelp())
    .option('--partition <p>', 'send every record to this partition (default: by key, or sticky)', intArg('--partition'))
    .option('--linger-ms <ms>', 'how long a batch waits for more records', intArg('--linger-ms'), 5)
    .option('--batch-size <bytes>', 'bytes per partition batch', intArg('--batch-size', { positive: true }))
    .option('--verbose', 'print topic, partition and offset of every record')
    .option('--json', 'with --verbose: one JSON object per record')
    .action(action(async (name: string | undefined, flags: ProduceFlags) => {
      const topic = oneTopic(name, flags.topic);
      const headers = Object.entries(keyValues(flags.header ?? [], '--header')).map(([key, value]) => ({ key, value: Buffer.from(value) }));
      applyProducerProperties(flags);
      if (flags.keySeparator === '') throw new CliError('--key-separator must not be empty');
      if (flags.file !== undefined) {
        try {
          await access(flags.file, constants.R_OK);
        } catch (err) {
          throw new CliError(`cannot read ${flags.file}: ${(err as Error).message}`);
        }
      }
      const input = flags.file === undefined ? io.stdin : createReadStream(flags.file);
      await withClient(flags, async (client) => {
        const acks = flags.requestRequiredAcks ?? flags.acks;
        const producer = new Producer(client, {
          acks: acks === 'all' ? -1 : (Number(acks) as 0 | 1 | -1),
          compression: flags.compressionCodec ?? flags.compression, lingerMs: flags.lingerMs, batchSize: flags.batchSize,
        });
        const sent: Promise<RecordMetadata>[] = [];
        let failed: Error | undefined;
        let failures = 0;
        let lineNumber = 0;
        const lines = createInterface({ input, crlfDelay: Infinity });
        let inputError: Error | undefined;
        try {
          for await (const line of lines) {
            lineNumber++;
            let key: Buffer | null = null;
            let value = line;
            if (flags.keySeparator !== undefined) {
              const i = line.indexOf(flags.keySeparator);
              if (i < 0) throw new CliError(`line ${lineNumber} has no key separator "${flags.keySeparator}"`);
              key = Buffer.from(line.slice(0, i));
              value = line.slice(i + flags.keySeparator.length);
            }
            const record = { topic, partition: flags.partition, key, value: Buffer.from(value), headers };
            if (flags.verbose === true) {
              const p = producer.send(record);
              p.catch(() => {});
              sent.push(p);
            } else {
              producer.sendCallback(record, (err) => {
                if (err !== null) {
                  failures++;
                  failed ??= err;
                }
              });
            }
            await producer.waitForBuffer();
            if (failed !== undefined) break;
          }
        } catch (err) {
          inputError = err as Error;
        } finally {
          lines.close();
          // what was read before a bad line is still delivered, as the console producer does
          await producer.close();
        }
        for (const p of sent) {
          try {
            const md = await p;
            io.stdout.write(flags.json === true
              ? `${JSON.stringify({ topic: md.topic, partition: md.partition, offset: Number(md.offset) })}\n`
              : `${md.topic}\t${md.partition}\t${md.offset}\n`);
          } catch (err) {
            failures++;
            failed ??= err as Error;
          }
        }
        if (inputError !== undefined) throw inputError;
        if (failed !== undefined) throw new CliError(`${failures} record(s) not sent: ${failed.message}`);
      }, 'millrace-producer');
    }));
}

/**
 * kafka-console-producer.sh's line reader properties: `parse.key=true` splits each line at
 * `key.separator` (a tab by default), as `--key-separator` does.
 */
function applyProducerProperties(flags: ProduceFlags): void {
  const props = keyValues(flags.property ?? [], '--property');
  for (const name of Object.keys(props)) {
    if (name !== 'parse.key' && name !== 'key.separator') {
      throw new CliError(`--property ${name}: not supported (parse.key and key.separator are; headers go with --header)`);
    }
  }
  if (props['parse.key'] === 'true') flags.keySeparator ??= props['key.separator'] ?? '\t';
}
