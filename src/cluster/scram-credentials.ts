/**
 * SCRAM credentials as the cluster metadata keeps them (Kafka's UserScramCredentialRecord):
 * per user and mechanism the salt, the stored key, the server key and the iteration count,
 * never the password. The local store keeps them in its metadata file, the etcd store under
 * `<root>scram/<user>`; both apply a change with `applyScramChanges`.
 */

export interface ScramCredential {
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
  iterations: number;
}

/** A user's credentials by mechanism name (SCRAM-SHA-256, SCRAM-SHA-512). */
export type UserScramCredentials = ReadonlyMap<string, ScramCredential>;

/** One user's part of an AlterUserScramCredentials request, already validated. */
export interface ScramChange {
  user: string;
  /** Mechanism to set, or null to delete the user's credential of `mechanism`. */
  mechanism: string;
  credential: ScramCredential | null;
}

/** How a user's credentials are written in JSON (base64 bytes). */
export type SavedUserScram = Record<string, { salt: string; storedKey: string; serverKey: string; iterations: number }>;

export function encodeUserScram(creds: UserScramCredentials): SavedUserScram {
  const out: SavedUserScram = {};
  for (const [mechanism, c] of creds) {
    out[mechanism] = { salt: c.salt.toString('base64'), storedKey: c.storedKey.toString('base64'), serverKey: c.serverKey.toString('base64'), iterations: c.iterations };
  }
  return out;
}

export function decodeUserScram(saved: SavedUserScram): Map<string, ScramCredential> {
  const out = new Map<string, ScramCredential>();
  for (const [mechanism, c] of Object.entries(saved)) {
    out.set(mechanism, { salt: Buffer.from(c.salt, 'base64'), storedKey: Buffer.from(c.storedKey, 'base64'), serverKey: Buffer.from(c.serverKey, 'base64'), iterations: c.iterations });
  }
  return out;
}

/**
 * The credentials of each user a set of changes touches, after them (an empty map: the user
 * has none left).
 */
export function applyScramChanges(current: (user: string) => UserScramCredentials | undefined, changes: readonly ScramChange[]): Map<string, Map<string, ScramCredential>> {
  const out = new Map<string, Map<string, ScramCredential>>();
  for (const change of changes) {
    let creds = out.get(change.user);
    if (creds === undefined) out.set(change.user, (creds = new Map(current(change.user) ?? [])));
    if (change.credential === null) creds.delete(change.mechanism);
    else creds.set(change.mechanism, change.credential);
  }
  return out;
}
