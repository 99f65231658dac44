/**
 * A partition's reassignment under way, as ListPartitionReassignments reports it: declared
 * here, below both the cluster's store that answers it and the client that asks for it.
 */
export interface OngoingReassignment {
  topic: string;
  partition: number;
  /** The whole replica set while the reassignment runs: the target and the replicas leaving. */
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}
