/**
 * `millrace txn list|describe`: what `kafka-transactions.sh list` and `describe` print, with
 * their column names (TransactionsCommand's ListTransactionsCommand and
 * DescribeTransactionsCommand), and JSON on request.
 */
import type { Command } from 'commander';
import { describeTransaction, listTransactions, type TransactionDescription, type TransactionListing } from '../client/transactions-admin.js';
import { action, bigintArg, clientOptions, CliError, collect, examples, withClient, type ClientFlags } from './options.js';
import { print, table, type Out } from './output.js';

interface ListFlags extends ClientFlags {
  durationFilter?: bigint;
  state?: string[];
  producerId?: bigint[];
}

interface DescribeFlags extends ClientFlags {
  transactionalId?: string;
}

export function registerTxn(program: Command, out: Out = process.stdout, now: () => number = Date.now): void {
  const txn = program.command('txn').description('list and describe transactions (kafka-transactions.sh list|describe)');

  examples(clientOptions(txn.command('list')), [
    'millrace txn list',
    'millrace txn list --duration-filter 60000     # open for more than a minute',
    'millrace txn list --state Ongoing --json',
  ])
    .description('every transactional id of the cluster with its coordinator, producer id and state')
    .option('--duration-filter <ms>', 'only transactions running longer than this (ms)', bigintArg('--duration-filter'))
    .option('--state <state>', 'only transactions in this state, e.g. Ongoing (repeatable)', collect)
    .option('--producer-id <id>', 'only this producer id (repeatable)', (v: string, prev: bigint[] | undefined) => [...(prev ?? []), bigintArg('--producer-id')(v)])
    .action(action(async (flags: ListFlags) => {
      await withClient(flags, async (client) => {
        const listed = await listTransactions(client, { states: flags.state, producerIds: flags.producerId, durationMs: flags.durationFilter });
        print(out, flags.json, listed, formatTransactionList);
      });
    }));

  examples(clientOptions(txn.command('describe')), ['millrace txn describe payments-1', 'millrace txn describe --transactional-id payments-1 --json'])
    .description('the state of one transactional id: producer id and epoch, state, timeout, start, partitions')
    .argument('[transactional-id]', 'the transactional id (or --transactional-id)')
    .option('--transactional-id <id>', 'the transactional id, as kafka-transactions.sh takes it')
    .action(action(async (positional: string | undefined, flags: DescribeFlags) => {
      if (positional !== undefined && flags.transactionalId !== undefined && positional !== flags.transactionalId) {
        throw new CliError(`two transactional ids given (${positional} and --transactional-id ${flags.transactionalId})`);
      }
      const id = positional ?? flags.transactionalId;
      if (id === undefined || id === '') throw new CliError('no transactional id given: name it as an argument or with --transactional-id');
      await withClient(flags, async (client) => {
        const d = await describeTransaction(client, id);
        print(out, flags.json, d, (v) => formatTransaction(v, now()));
      });
    }));
}

export function formatTransactionList(listed: readonly TransactionListing[]): string {
  return table(['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'],
    listed.map((t) => [t.transactionalId, t.coordinator, t.producerId, t.state]));
}

/** Start and duration read "None" while no transaction is open, as Kafka's tool prints them. */
export function formatTransaction(d: TransactionDescription, nowMs: number): string {
  const open = d.startTimeMs >= 0n;
  return table(
    ['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs',
      'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions'],
    [[d.coordinator, d.transactionalId, d.producerId, d.producerEpoch, d.state, d.timeoutMs,
      open ? d.startTimeMs : 'None', open ? BigInt(nowMs) - d.startTimeMs : 'None',
      d.partitions.map((p) => `${p.topic}-${p.partition}`).join(',')]],
  );
}
