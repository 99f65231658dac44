/**
 * The broker's client quota managers (Kafka's QuotaManagers.fetch / produce / request), fed
 * from the metadata store's client quotas. `refresh()` is the one check a request pays when no
 * quota is configured: a call to the store's snapshot getter and two comparisons.
 */
import { CONSUMER_BYTE_RATE, PRODUCER_BYTE_RATE, REQUEST_PERCENTAGE, type ClientQuotaSnapshot } from '../../cluster/client-quotas.js';
import { ClientQuotaManager } from './client-quota-manager.js';

export class ClientQuotas {
  readonly produce: ClientQuotaManager;
  readonly fetch: ClientQuotaManager;
  readonly request: ClientQuotaManager;
  private readonly source: () => ClientQuotaSnapshot;
  private seen: ClientQuotaSnapshot | null = null;
  private any = false;

  /** `quota.window.size.seconds` and `quota.window.num`. */
  constructor(source: () => ClientQuotaSnapshot, windowSeconds: number, windows: number) {
    this.source = source;
    const windowMs = windowSeconds * 1000;
    this.produce = new ClientQuotaManager(PRODUCER_BYTE_RATE, windowMs, windows);
    this.fetch = new ClientQuotaManager(CONSUMER_BYTE_RATE, windowMs, windows);
    this.request = new ClientQuotaManager(REQUEST_PERCENTAGE, windowMs, windows);
  }

  /** True when some client quota is configured (re-reading the quotas when they changed). */
  refresh(): boolean {
    const snapshot = this.source();
    if (snapshot !== this.seen) {
      this.seen = snapshot;
      this.produce.update(snapshot);
      this.fetch.update(snapshot);
      this.request.update(snapshot);
      this.any = this.produce.enabled || this.fetch.enabled || this.request.enabled;
    }
    return this.any;
  }
}

/** Kafka's quota user: the principal's name (`User:alice` is `alice`). */
export function quotaUser(principal: string): string {
  const colon = principal.indexOf(':');
  return colon < 0 ? principal : principal.slice(colon + 1);
}
