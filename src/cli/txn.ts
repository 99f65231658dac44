/**
 * `millrace txn list|describe`: what kafka-transactions.sh list and describe show, in their
 * columns (ListTransactions of every broker; DescribeTransactions of the id's coordinator).
 */
import { Command } from 'commander';
import { Admin, type ListedTransaction, type TransactionDescription } from '../client/admin.js';
import { action, clientOptions, examples, withClient, type ClientFlags } from './options.js';
import { print, table, type Out } from './output.js';

export function registerTxn(program: Command, out: Out = process.stdout, now: () => number = Date.now): void {
  const txn = program.command('txn').description('list and describe transactions (kafka-transactions.sh)');

  examples(clientOptions(txn.command('list')), ['millrace txn list', 'millrace txn list --json'])
    .description('every transactional id of the cluster with its coordinator, producer id and state')
    .action(action(async (flags: ClientFlags) => {
      await withClient(flags, async (client) => {
        print(out, flags.json, await new Admin(client).listTransactions(), formatTxnList);
      });
    }));

  examples(clientOptions(txn.command('describe')), ['millrace txn describe payments-1', 'millrace txn describe payments-1 --json'])
    .description("a transactional id's producer id and epoch, state, timeout, current transaction and its partitions")
    .argument('<transactional-id>', 'the transactional id')
    .action(action(async (transactionalId: string, flags: ClientFlags) => {
      await withClient(flags, async (client) => {
        print(out, flags.json, await new Admin(client).describeTransaction(transactionalId), (d) => formatTxnDescription(d, now()));
      });
    }));
}

export function formatTxnList(list: ListedTransaction[]): string {
  return table(['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'], list.map((t) => [t.transactionalId, t.coordinator, t.producerId, t.state]));
}

/** kafka-transactions.sh describe: the start time and duration are "None" when no transaction is under way. */
export function formatTxnDescription(d: TransactionDescription, now: number): string {
  const started = d.startTimeMs >= 0n;
  return table(
    ['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs', 'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions'],
    [[
      d.coordinator, d.transactionalId, d.producerId, d.producerEpoch, d.state, d.timeoutMs,
      started ? d.startTimeMs : 'None', started ? Math.max(0, now - Number(d.startTimeMs)) : 'None',
      d.topicPartitions.map((tp) => `${tp.topic}-${tp.partition}`).join(','),
    ]],
  );
}
