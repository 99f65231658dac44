/**
 * An ACL binding as Kafka's AclBinding (a resource pattern and an access control entry) and a
 * filter as AclBindingFilter, with Kafka's enum codes as numbers (src/cluster/acls.ts names
 * them). The cluster stores and matches them; the client sends and receives them.
 */

export interface AclBinding {
  readonly resourceType: number;
  readonly resourceName: string;
  /** LITERAL or PREFIXED. */
  readonly patternType: number;
  readonly principal: string;
  readonly host: string;
  readonly operation: number;
  /** ALLOW or DENY. */
  readonly permission: number;
}

/** A filter as DescribeAcls and DeleteAcls send it: null strings and ANY codes match anything. */
export interface AclBindingFilter {
  readonly resourceType: number;
  readonly resourceName: string | null;
  readonly patternType: number;
  readonly principal: string | null;
  readonly host: string | null;
  readonly operation: number;
  readonly permission: number;
}
