import { apiInfo } from '../../protocol/generated/api-keys.js';
import type { ApiHandler } from './handler.js';

/**
 * API key → handler, built once at start-up. ApiVersions answers from here, so an API is
 * advertised exactly when a handler for it is registered, with that handler's versions.
 */
export class HandlerRegistry {
  private readonly byKey: Array<ApiHandler | undefined> = [];
  private readonly sorted: ApiHandler[] = [];

  constructor(handlers: readonly ApiHandler[]) {
    for (const h of handlers) {
      const api = apiInfo(h.apiKey);
      if (api === undefined) throw new Error(`handler for unknown API key ${h.apiKey}`);
      if (h.minVersion < api.validVersions.lowest || h.maxVersion > api.validVersions.highest || h.minVersion > h.maxVersion) {
        throw new Error(`${api.name} handler versions ${h.minVersion}-${h.maxVersion} outside the codec's ${api.validVersions.lowest}-${api.validVersions.highest}`);
      }
      if (this.byKey[h.apiKey] !== undefined) throw new Error(`two handlers for ${api.name}`);
      this.byKey[h.apiKey] = h;
    }
    this.sorted = handlers.slice().sort((a, b) => a.apiKey - b.apiKey);
  }

  get(apiKey: number): ApiHandler | undefined {
    return this.byKey[apiKey];
  }

  /** True when the key has a handler serving this version. */
  supports(apiKey: number, apiVersion: number): boolean {
    const h = this.byKey[apiKey];
    return h !== undefined && apiVersion >= h.minVersion && apiVersion <= h.maxVersion;
  }

  all(): readonly ApiHandler[] {
    return this.sorted;
  }
}
