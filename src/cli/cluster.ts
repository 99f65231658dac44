/**
 * `millrace cluster info` (and `millrace cluster dev`, cluster-dev.ts): cluster id, controller, brokers, and what the broker reports of
 * its version: Kafka's protocol has no software name or version, so this shows the finalized
 * features (`metadata.version`, `kraft.version`, ...) and a summary of the API ranges.
 */
import { Command } from 'commander';
import { Admin, type BrokerVersions, type ClusterDescription } from '../client/admin.js';
import { apiInfo } from '../protocol/generated/api-keys.js';
import { action, clientOptions, examples, withClient, type ClientFlags } from './options.js';
import { print, table, type Out } from './output.js';
import { registerClusterDev } from './cluster-dev.js';

interface InfoFlags extends ClientFlags {
  apis?: boolean;
}

export interface ClusterInfo extends ClusterDescription {
  features: BrokerVersions['finalizedFeatures'];
  supportedFeatures: BrokerVersions['supportedFeatures'];
  apis: { apiKey: number; name: string; min: number; max: number }[];
}

export function registerCluster(program: Command, out: Out = process.stdout): void {
  const cluster = program.command('cluster').description('the cluster: id, controller, brokers, versions; a local dev cluster');
  registerClusterDev(cluster);
  examples(clientOptions(cluster.command('info')), ['millrace cluster info', 'millrace cluster info --apis', 'millrace cluster info --json'])
    .description('cluster id, controller, brokers, features and API versions')
    .option('--apis', 'list every API with its version range')
    .action(action(async (flags: InfoFlags) => {
      await withClient(flags, async (client) => {
        const admin = new Admin(client);
        const described = await admin.describeCluster();
        const versions = await admin.brokerVersions();
        const info: ClusterInfo = {
          ...described,
          features: versions.finalizedFeatures,
          supportedFeatures: versions.supportedFeatures,
          apis: versions.apis.map((a) => ({ ...a, name: apiInfo(a.apiKey)?.name ?? `Api${a.apiKey}` })),
        };
        print(out, flags.json, info, (i) => formatInfo(i, flags.apis === true));
      });
    }));
}

export function formatInfo(i: ClusterInfo, apis: boolean): string {
  let s = `Cluster id: ${i.clusterId ?? '-'}\nController: ${i.controllerId < 0 ? 'none' : i.controllerId}\n\n`;
  s += table(['BROKER', 'HOST', 'PORT', 'RACK'], i.brokers.map((b) => [b.id, b.host, b.port, b.rack]));
  const supported = new Map(i.supportedFeatures.map((f) => [f.name, f]));
  const names = [...new Set([...i.features.map((f) => f.name), ...supported.keys()])].sort();
  if (names.length > 0) {
    s += '\n' + table(['FEATURE', 'FINALIZED', 'SUPPORTED'], names.map((n) => {
      const f = i.features.find((x) => x.name === n);
      const sup = supported.get(n);
      return [n, f?.level ?? '-', sup === undefined ? '-' : `${sup.min}-${sup.max}`];
    }));
  }
  const highest = (name: string) => i.apis.find((a) => a.name === name)?.max ?? '-';
  s += `\nAPIs: ${i.apis.length} served (Produce up to v${highest('Produce')}, Fetch up to v${highest('Fetch')}, ` +
    `Metadata up to v${highest('Metadata')}, ApiVersions up to v${highest('ApiVersions')})\n`;
  if (apis) s += '\n' + table(['KEY', 'API', 'VERSIONS'], i.apis.map((a) => [a.apiKey, a.name, `${a.min}-${a.max}`]));
  return s;
}
