/** "Authorized operations not requested" in Metadata and Describe* responses. */
export const UNKNOWN_AUTHORIZED_OPERATIONS = -2147483648;

/** Kafka's AclOperation codes, as bit positions in authorized-operations fields. */
const enum AclOperation {
  Read = 3,
  Write = 4,
  Create = 5,
  Delete = 6,
  Alter = 7,
  Describe = 8,
  ClusterAction = 9,
  DescribeConfigs = 10,
  AlterConfigs = 11,
  IdempotentWrite = 12,
}

function bits(ops: readonly AclOperation[]): number {
  let out = 0;
  for (const op of ops) out |= 1 << op;
  return out;
}

/** Every topic operation: without an authorizer, everything is allowed. */
export function topicAuthorizedOperations(): number {
  return bits([AclOperation.Read, AclOperation.Write, AclOperation.Create, AclOperation.Delete, AclOperation.Alter, AclOperation.Describe, AclOperation.DescribeConfigs, AclOperation.AlterConfigs]);
}

/** The cluster operations Kafka reports as authorized (8096): it leaves out the token operations. */
export function clusterAuthorizedOperations(): number {
  return bits([
    AclOperation.Create, AclOperation.Alter, AclOperation.Describe, AclOperation.ClusterAction, AclOperation.DescribeConfigs,
    AclOperation.AlterConfigs, AclOperation.IdempotentWrite,
  ]);
}
