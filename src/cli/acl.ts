/**
 * `millrace acl add|list|remove`: kafka-acls.sh's everyday uses with its flag names. A
 * resource (--topic, --group, --transactional-id or --cluster, LITERAL unless
 * --resource-pattern-type prefixed), principals to allow or deny, hosts (default every host)
 * and operations (default ALL).
 */
import { Command } from 'commander';
import { AclAdmin } from '../client/acl-admin.js';
import type { AclBinding, AclBindingFilter } from '../common/acl-binding.js';
import { CLUSTER_NAME, codeOf, operationName, patternTypeName, permissionName, resourceTypeName } from '../cluster/acls.js';
import { action, clientOptions, CliError, collect, examples, withClient, type ClientFlags } from './options.js';
import { print, table, type Out } from './output.js';

const ANY = 1;
const LITERAL = 3;
const ALLOW = 3;
const DENY = 2;

interface ResourceFlags extends ClientFlags {
  topic?: string;
  group?: string;
  transactionalId?: string;
  cluster?: boolean;
  resourcePatternType?: string;
}

interface ChangeFlags extends ResourceFlags {
  allowPrincipal?: string[];
  denyPrincipal?: string[];
  allowHost?: string[];
  denyHost?: string[];
  operation?: string[];
}

interface ListFlags extends ResourceFlags {
  principal?: string;
}

/** The named resource; null when none is named (list: every resource). */
function resourceOf(flags: ResourceFlags): { type: number; name: string } | null {
  const given: Array<{ type: number; name: string }> = [];
  if (flags.topic !== undefined) given.push({ type: 2, name: flags.topic });
  if (flags.group !== undefined) given.push({ type: 3, name: flags.group });
  if (flags.transactionalId !== undefined) given.push({ type: 5, name: flags.transactionalId });
  if (flags.cluster === true) given.push({ type: 4, name: CLUSTER_NAME });
  if (given.length > 1) throw new CliError('name one resource: --topic, --group, --transactional-id or --cluster');
  return given[0] ?? null;
}

function patternOf(flags: ResourceFlags, fallback: number): number {
  if (flags.resourcePatternType === undefined) return fallback;
  const code = codeOf('patternType', flags.resourcePatternType);
  if (code === undefined) throw new CliError(`--resource-pattern-type ${flags.resourcePatternType}: expected literal, prefixed, match or any`);
  return code;
}

/** The ACLs the flags of add and remove describe: each principal × host × operation. */
function bindingsOf(flags: ChangeFlags): AclBinding[] {
  const r = resourceOf(flags);
  if (r === null) throw new CliError('name a resource: --topic, --group, --transactional-id or --cluster');
  const patternType = patternOf(flags, LITERAL);
  const operations = (flags.operation ?? ['All']).map((op) => {
    const code = codeOf('operation', op);
    if (code === undefined || code < 2) throw new CliError(`--operation ${op}: not one of Kafka's operations`);
    return code;
  });
  const out: AclBinding[] = [];
  const add = (principals: string[] | undefined, hosts: string[] | undefined, permission: number) => {
    for (const principal of principals ?? []) {
      for (const host of hosts ?? ['*']) for (const operation of operations) out.push({ resourceType: r.type, resourceName: r.name, patternType, principal, host, operation, permission });
    }
  };
  add(flags.allowPrincipal, flags.allowHost, ALLOW);
  add(flags.denyPrincipal, flags.denyHost, DENY);
  if (out.length === 0) throw new CliError('name a principal: --allow-principal User:name or --deny-principal User:name');
  return out;
}

function changeOptions(cmd: Command): Command {
  return resourceOptions(cmd)
    .option('--allow-principal <principal>', 'principal to allow, e.g. User:alice (repeatable)', collect)
    .option('--deny-principal <principal>', 'principal to deny (repeatable)', collect)
    .option('--allow-host <host>', 'host the allowed principals may come from (repeatable; default every host)', collect)
    .option('--deny-host <host>', 'host the denied principals are denied from (repeatable; default every host)', collect)
    .option('--operation <operation>', 'Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite or All (repeatable; default All)', collect);
}

function resourceOptions(cmd: Command): Command {
  return cmd
    .option('--topic <name>', 'a topic')
    .option('--group <name>', 'a consumer group')
    .option('--transactional-id <id>', 'a transactional id')
    .option('--cluster', 'the cluster')
    .option('--resource-pattern-type <type>', 'literal or prefixed (list: also match and any)');
}

function formatAcls(acls: readonly AclBinding[]): string {
  if (acls.length === 0) return 'No ACLs.\n';
  return table(
    ['RESOURCE-TYPE', 'NAME', 'PATTERN', 'PRINCIPAL', 'HOST', 'OPERATION', 'PERMISSION'],
    acls.map((a) => [resourceTypeName(a.resourceType), a.resourceName, patternTypeName(a.patternType), a.principal, a.host, operationName(a.operation), permissionName(a.permission)]),
  );
}

function readable(acls: readonly AclBinding[]) {
  return acls.map((a) => ({
    resourceType: resourceTypeName(a.resourceType), resourceName: a.resourceName, patternType: patternTypeName(a.patternType),
    principal: a.principal, host: a.host, operation: operationName(a.operation), permission: permissionName(a.permission),
  }));
}

const exact = (b: AclBinding): AclBindingFilter => ({ ...b });

export function registerAcl(program: Command, out: Out = process.stdout): void {
  const acl = program.command('acl').description('add, list and remove ACLs (kafka-acls.sh)');

  examples(changeOptions(clientOptions(acl.command('add'))), [
    'millrace acl add --allow-principal User:alice --operation Read --operation Write --topic orders',
    'millrace acl add --allow-principal User:billing --operation Read --group billing- --resource-pattern-type prefixed',
    'millrace acl add --deny-principal User:mallory --deny-host 10.0.0.9 --topic orders',
  ])
    .description('add ACLs: each principal, host and operation on the resource')
    .action(action(async (flags: ChangeFlags) => {
      const bindings = bindingsOf(flags);
      await withClient(flags, async (client) => {
        await new AclAdmin(client).create(bindings);
        print(out, flags.json, readable(bindings), () => `Added ${bindings.length} ACL${bindings.length === 1 ? '' : 's'}.\n`);
      });
    }));

  examples(resourceOptions(clientOptions(acl.command('list'))), [
    'millrace acl list',
    'millrace acl list --topic orders',
    'millrace acl list --topic orders --resource-pattern-type match --json',
    'millrace acl list --principal User:alice',
  ])
    .description('list ACLs (all, or those of a resource or principal)')
    .option('--principal <principal>', 'only the ACLs of this principal')
    .action(action(async (flags: ListFlags) => {
      const r = resourceOf(flags);
      const filter: AclBindingFilter = {
        resourceType: r?.type ?? ANY, resourceName: r?.name ?? null, patternType: patternOf(flags, r === null ? ANY : LITERAL),
        principal: flags.principal ?? null, host: null, operation: ANY, permission: ANY,
      };
      await withClient(flags, async (client) => {
        const acls = await new AclAdmin(client).describe(filter);
        print(out, flags.json, readable(acls), () => formatAcls(acls));
      });
    }));

  examples(changeOptions(clientOptions(acl.command('remove'))), [
    'millrace acl remove --allow-principal User:alice --operation Read --operation Write --topic orders',
    'millrace acl remove --deny-principal User:mallory --deny-host 10.0.0.9 --topic orders',
  ])
    .description('remove ACLs: exactly those add would have added')
    .action(action(async (flags: ChangeFlags) => {
      const filters = bindingsOf(flags).map(exact);
      await withClient(flags, async (client) => {
        const removed = await new AclAdmin(client).delete(filters);
        print(out, flags.json, readable(removed), () => `Removed ${removed.length} ACL${removed.length === 1 ? '' : 's'}.\n`);
      });
    }));
}
