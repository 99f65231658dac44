/**
 * `millrace config describe|alter`: kafka-configs.sh for topics and brokers. Alterations are
 * incremental (IncrementalAlterConfigs): settings not named stay as they are.
 */
import { Command } from 'commander';
import { Admin, ResourceType, type ConfigEntry } from '../client/admin.js';
import { action, clientOptions, CliError, collect, examples, keyValues, withClient, type ClientFlags } from './options.js';
import { print, table, type Out } from './output.js';

interface ResourceFlags extends ClientFlags {
  topic?: string;
  broker?: string;
  brokerDefaults?: boolean;
}

interface DescribeFlags extends ResourceFlags {
  all?: boolean;
}

interface AlterFlags extends ResourceFlags {
  set?: string[];
  addConfig?: string[];
  delete?: string[];
  deleteConfig?: string[];
}

function resource(flags: ResourceFlags): { type: number; name: string; label: string } {
  const given = [flags.topic, flags.broker, flags.brokerDefaults === true ? '' : undefined].filter((x) => x !== undefined);
  if (given.length !== 1) throw new CliError('name one resource: --topic T, --broker ID or --broker-defaults');
  if (flags.topic !== undefined) return { type: ResourceType.TOPIC, name: flags.topic, label: `topic ${flags.topic}` };
  if (flags.broker !== undefined) {
    if (!/^\d+$/.test(flags.broker)) throw new CliError(`--broker ${flags.broker}: expected a broker id`);
    return { type: ResourceType.BROKER, name: flags.broker, label: `broker ${flags.broker}` };
  }
  return { type: ResourceType.BROKER, name: '', label: 'the default broker config' };
}

function resourceOptions(cmd: Command): Command {
  return cmd
    .option('--topic <name>', 'a topic')
    .option('--broker <id>', 'a broker, by id')
    .option('--broker-defaults', 'the cluster-wide default broker config');
}

export function registerConfig(program: Command, out: Out = process.stdout): void {
  const config = program.command('config').description('describe and alter topic and broker configs (kafka-configs.sh)');

  examples(resourceOptions(clientOptions(config.command('describe'))), [
    'millrace config describe --topic orders',
    'millrace config describe --topic orders --all',
    'millrace config describe --broker 1 --json',
  ])
    .description('the settings of a topic or broker (those set explicitly; --all for every one)')
    .option('--all', 'include defaults and static settings')
    .action(action(async (flags: DescribeFlags) => {
      const r = resource(flags);
      await withClient(flags, async (client) => {
        const entries = await new Admin(client).describeConfigs(r.type, r.name);
        const shown = flags.all === true ? entries : entries.filter(isExplicit(r.type));
        print(out, flags.json, shown, (e) => formatConfigs(r.label, e));
      });
    }));

  examples(resourceOptions(clientOptions(config.command('alter'))), [
    'millrace config alter --topic orders --set retention.ms=3600000 --set cleanup.policy=compact',
    'millrace config alter --topic orders --delete retention.ms',
    'millrace config alter --broker 1 --set log.cleaner.threads=2',
  ])
    .description('set or remove settings of a topic or broker (others stay)')
    .option('--set <key=value>', 'a setting to set (repeatable)', collect)
    .option('--add-config <k=v,...>', 'settings to set, kafka-configs.sh style (repeatable)', collect)
    .option('--delete <key>', 'a setting to remove, back to its default (repeatable)', collect)
    .option('--delete-config <k,...>', 'settings to remove, kafka-configs.sh style (repeatable)', collect)
    .action(action(async (flags: AlterFlags) => {
      const r = resource(flags);
      const set = keyValues([...(flags.set ?? []), ...(flags.addConfig ?? []).flatMap(splitAddConfig)], '--set');
      const remove = [...(flags.delete ?? []), ...(flags.deleteConfig ?? []).flatMap((d) => d.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
      if (Object.keys(set).length === 0 && remove.length === 0) throw new CliError('nothing to change: give --set key=value or --delete key');
      await withClient(flags, async (client) => {
        await new Admin(client).alterConfigs(r.type, r.name, set, remove);
        print(out, flags.json, { resource: r.label, set, deleted: remove }, () => `Completed updating config for ${r.label}.\n`);
      });
    }));
}

/** kafka-configs.sh's `--add-config a=1,b=[x,y]`: commas split entries except inside brackets. */
function splitAddConfig(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of value) {
    if (ch === '[') depth++;
    else if (ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current);
      current = '';
    } else if (ch !== '[' && ch !== ']') current += ch;
  }
  if (current !== '') out.push(current);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

function isExplicit(resourceType: number): (e: ConfigEntry) => boolean {
  return resourceType === ResourceType.TOPIC
    ? (e) => e.source === 'DYNAMIC_TOPIC_CONFIG'
    : (e) => e.source.startsWith('DYNAMIC_') || e.source === 'STATIC_BROKER_CONFIG';
}

export function formatConfigs(label: string, entries: readonly ConfigEntry[]): string {
  if (entries.length === 0) return `No settings set on ${label} (use --all to see the defaults).\n`;
  return table(['NAME', 'VALUE', 'SOURCE'], entries.map((e) => [e.name, e.sensitive ? '(sensitive)' : e.value ?? '', e.source]));
}
