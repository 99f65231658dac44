/**
 * `millrace quota set|list|remove`: kafka-configs.sh's client quota uses with its flag names
 * (`--add-config`, `--delete-config`, `--entity-default`), the entity named by `--user` and/or
 * `--client-id` (or `--user-default` / `--client-id-default` for `<default>`).
 */
import { Command } from 'commander';
import { QuotaAdmin, type ClientQuotaData, type QuotaEntityData } from '../client/quota-admin.js';
import { action, clientOptions, CliError, collect, examples, withClient, type ClientFlags } from './options.js';
import { print, table, type Out } from './output.js';

interface EntityFlags extends ClientFlags {
  user?: string;
  userDefault?: boolean;
  clientId?: string;
  clientIdDefault?: boolean;
}

interface SetFlags extends EntityFlags {
  addConfig?: string[];
}

interface RemoveFlags extends EntityFlags {
  deleteConfig?: string[];
}

function entityOf(flags: EntityFlags, required: boolean): QuotaEntityData {
  if (flags.user !== undefined && flags.userDefault === true) throw new CliError('--user and --user-default name two users: give one');
  if (flags.clientId !== undefined && flags.clientIdDefault === true) throw new CliError('--client-id and --client-id-default name two client ids: give one');
  const e: QuotaEntityData = {};
  if (flags.user !== undefined) e.user = flags.user;
  else if (flags.userDefault === true) e.user = null;
  if (flags.clientId !== undefined) e.clientId = flags.clientId;
  else if (flags.clientIdDefault === true) e.clientId = null;
  if (required && e.user === undefined && e.clientId === undefined) throw new CliError('name the entity: --user, --user-default, --client-id and/or --client-id-default');
  return e;
}

/** `k=v,k=v` (repeatable) to quota values. */
function quotaValues(entries: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of entries.flatMap((x) => x.split(','))) {
    const i = e.indexOf('=');
    const value = Number(e.slice(i + 1));
    if (i <= 0 || e.slice(i + 1).trim() === '' || !Number.isFinite(value)) throw new CliError(`--add-config ${e}: expected key=number, e.g. producer_byte_rate=1048576`);
    out[e.slice(0, i).trim()] = value;
  }
  return out;
}

function entityName(e: QuotaEntityData): string {
  const parts: string[] = [];
  if (e.user !== undefined) parts.push(`user=${e.user ?? '<default>'}`);
  if (e.clientId !== undefined) parts.push(`client-id=${e.clientId ?? '<default>'}`);
  return parts.join(',');
}

function formatQuotas(quotas: readonly ClientQuotaData[]): string {
  if (quotas.length === 0) return 'No client quotas.\n';
  const rows: string[][] = [];
  for (const q of quotas) for (const [key, value] of Object.entries(q.quotas).sort()) rows.push([entityName(q.entity), key, String(value)]);
  return table(['ENTITY', 'QUOTA', 'VALUE'], rows.sort((a, b) => (a[0]! === b[0]! ? (a[1]! < b[1]! ? -1 : 1) : a[0]! < b[0]! ? -1 : 1)));
}

function entityOptions(cmd: Command): Command {
  return cmd
    .option('--user <name>', 'the user (principal name without User:)')
    .option('--user-default', 'the default of every user (<default>)')
    .option('--client-id <id>', 'the client id')
    .option('--client-id-default', 'the default of every client id (<default>)');
}

export function registerQuota(program: Command, out: Out = process.stdout): void {
  const quota = program.command('quota').description('set, list and remove client quotas (kafka-configs.sh --entity-type users|clients)');

  examples(entityOptions(clientOptions(quota.command('set'))), [
    'millrace quota set --user alice --add-config producer_byte_rate=1048576,consumer_byte_rate=2097152',
    'millrace quota set --client-id reporting --add-config request_percentage=50',
    'millrace quota set --user alice --client-id-default --add-config producer_byte_rate=524288',
  ])
    .description('set quotas of one entity: producer_byte_rate, consumer_byte_rate, request_percentage, controller_mutation_rate')
    .option('--add-config <k=v,...>', 'quotas to set (repeatable)', collect)
    .action(action(async (flags: SetFlags) => {
      const entity = entityOf(flags, true);
      const values = quotaValues(flags.addConfig ?? []);
      if (Object.keys(values).length === 0) throw new CliError('give the quotas to set: --add-config producer_byte_rate=1048576');
      await withClient(flags, async (client) => {
        await new QuotaAdmin(client).alter(entity, values);
        print(out, flags.json, { entity, quotas: values }, () => `Set ${Object.keys(values).join(', ')} of ${entityName(entity)}.\n`);
      });
    }));

  examples(entityOptions(clientOptions(quota.command('list'))), [
    'millrace quota list',
    'millrace quota list --user alice',
    'millrace quota list --client-id-default --json',
  ])
    .description('list client quotas (all, or of the entities matching the named parts)')
    .action(action(async (flags: EntityFlags) => {
      const filter = entityOf(flags, false);
      await withClient(flags, async (client) => {
        const quotas = await new QuotaAdmin(client).describe(filter);
        print(out, flags.json, quotas, () => formatQuotas(quotas));
      });
    }));

  examples(entityOptions(clientOptions(quota.command('remove'))), [
    'millrace quota remove --user alice --delete-config producer_byte_rate',
    'millrace quota remove --client-id reporting',
  ])
    .description('remove quotas of one entity (the named keys, or all of them)')
    .option('--delete-config <k,...>', 'quota keys to remove (repeatable; default all)', collect)
    .action(action(async (flags: RemoveFlags) => {
      const entity = entityOf(flags, true);
      await withClient(flags, async (client) => {
        const admin = new QuotaAdmin(client);
        let keys = (flags.deleteConfig ?? []).flatMap((x) => x.split(',')).map((k) => k.trim()).filter((k) => k !== '');
        if (keys.length === 0) {
          const current = (await admin.describe(entity, true))[0];
          keys = Object.keys(current?.quotas ?? {});
        }
        if (keys.length > 0) await admin.alter(entity, Object.fromEntries(keys.map((k) => [k, null])));
        print(out, flags.json, { entity, removed: keys }, () => (keys.length === 0 ? `${entityName(entity)} has no quotas.\n` : `Removed ${keys.join(', ')} of ${entityName(entity)}.\n`));
      });
    }));
}
