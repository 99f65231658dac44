// The ACL matrices' common set-up: a broker whose `allowed` principal gets the given ACLs
// and whose `denied` one has an ACL on another group only (it has ACLs, just not these).
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { AclOperation as Op, AclPermission as Perm, PatternType as Pat, ResourceType as Res } from '../../../src/cluster/acls.js';
import type { TestBroker } from '../../helpers/test-broker.js';
import { startAclBroker } from '../../helpers/acl-broker.js';
import { connectSaslPlain } from '../../helpers/sasl-client.js';
import type { WireClient } from '../../helpers/wire-client.js';

export interface AclMatrix {
  tb: TestBroker;
  /** The test broker's PLAINTEXT client, a super user. */
  admin: WireClient;
  allowed: WireClient;
  denied: WireClient;
  close(): Promise<void>;
}

/** An ALLOW binding for User:allowed from any host. */
export const allow = (resourceType: number, resourceName: string, patternType: number, operation: number) => ({
  resourceType, resourceName, resourcePatternType: patternType, principal: 'User:allowed', host: '*', operation, permissionType: Perm.Allow,
});

/** Starts the broker (with `config` added), runs `prepare` as the admin, then grants `acls`. */
export async function startAclMatrix(config: Record<string, string | number>, acls: ReturnType<typeof allow>[], prepare?: (tb: TestBroker) => Promise<void>): Promise<AclMatrix> {
  const tb = await startAclBroker({ allowed: 'a-secret', denied: 'd-secret' }, config);
  try {
    await prepare?.(tb);
    const creations = [...acls, { ...allow(Res.Group, 'elsewhere', Pat.Literal, Op.Describe), principal: 'User:denied' }];
    const created = await tb.client.request(ApiKey.CreateAcls, 3, { creations });
    assert.deepEqual(created.results.map((r) => r.errorCode), creations.map(() => 0));
    const sasl = tb.broker.listenerAddress('SASL_PLAINTEXT');
    const allowed = await connectSaslPlain(sasl, 'allowed', 'a-secret');
    const denied = await connectSaslPlain(sasl, 'denied', 'd-secret');
    return {
      tb, admin: tb.client, allowed, denied,
      close: async () => {
        allowed.close();
        denied.close();
        await tb.close();
      },
    };
  } catch (err) {
    await tb.close();
    throw err;
  }
}
