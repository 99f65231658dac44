/**
 * The data every client encodes and decodes in bench/protocol/codecs.ts: 16 partitions of one
 * topic, each holding one batch of 62 records with a 1 KiB JSON value and a short key
 * (≈ 64 KiB per batch, ≈ 1 MiB in all), as Millrace RecordInputs and as the message shapes
 * kafkajs and @platformatic/kafka take, with fixed timestamps so all three write the same.
 */
import type { RecordInput } from '../../src/protocol/records/index.js';
import type { KafkajsMessage, PlatformaticMessage } from './others.js';

export const TOPIC = 'bench-events';
export const TOPIC_ID = Buffer.from('8f1c5a0e2b7d4e1f9a3c6b5d4e3f2a1b', 'hex');
export const PARTITIONS = 16;
export const RECORDS_PER_BATCH = 62;
export const VALUE_SIZE = 1024;
export const T0 = 1_700_000_000_000;

const WORDS = ['order', 'created', 'shipped', 'customer', 'amount', 'currency', 'EUR', 'USD', 'item', 'sku',
  'quantity', 'warehouse', 'north', 'south', 'priority', 'standard', 'express', 'returned', 'note', 'gift'];

/** xorshift32: the same data on every run. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

/** Exactly VALUE_SIZE bytes of JSON, in the shape event payloads usually have. */
function jsonValue(random: () => number, i: number): Buffer {
  const word = (): string => WORDS[Math.floor(random() * WORDS.length)]!;
  let text = `{"id":"${Math.floor(random() * 2 ** 52).toString(16)}","seq":${i},"ts":${T0 + i * 13},"type":"${word()}","items":[`;
  const items: string[] = [];
  while (text.length + items.join(',').length < VALUE_SIZE - 100) {
    items.push(`{"sku":"SKU-${Math.floor(random() * 100000)}","qty":${1 + Math.floor(random() * 9)},"price":${(random() * 500).toFixed(2)},"tag":"${word()}"}`);
  }
  text += `${items.join(',')}],"note":"${word()} ${word()}"}`;
  return Buffer.from(text.padEnd(VALUE_SIZE, ' ').slice(0, VALUE_SIZE));
}

export interface BenchData {
  /** Records per partition. */
  records: RecordInput[][];
  kafkajs: Array<{ partition: number; messages: KafkajsMessage[] }>;
  platformatic: PlatformaticMessage[];
}

export function benchData(): BenchData {
  const random = rng(0x5eed);
  const records: RecordInput[][] = [];
  const kafkajs: BenchData['kafkajs'] = [];
  const platformatic: PlatformaticMessage[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const batch: RecordInput[] = [];
    const messages: KafkajsMessage[] = [];
    for (let i = 0; i < RECORDS_PER_BATCH; i++) {
      const key = Buffer.from(`customer-${Math.floor(random() * 50000)}`);
      const value = jsonValue(random, p * RECORDS_PER_BATCH + i);
      const timestamp = T0 + p * 1000 + i;
      batch.push({ key, value, timestamp });
      messages.push({ key, value, timestamp });
      platformatic.push({ topic: TOPIC, partition: p, key, value, timestamp: BigInt(timestamp) });
    }
    records.push(batch);
    kafkajs.push({ partition: p, messages });
  }
  return { records, kafkajs, platformatic };
}
