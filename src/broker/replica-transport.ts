/**
 * How replica fetchers reach other brokers: one client connection per broker (Kafka's
 * ReplicaFetcherBlockingSend over its NetworkClient), opened on first use from the broker's
 * registration in the metadata image and opened again after it fails. Requests go at the
 * highest version both sides serve, so Fetch carries ReplicaState (v15+) between Millrace
 * brokers.
 */
import { BrokerConnection, type ConnectionOptions } from '../client/connection.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import type { FetchRequest } from '../protocol/generated/fetch-request.js';
import type { FetchResponse } from '../protocol/generated/fetch-response.js';
import type { ListOffsetsRequest } from '../protocol/generated/list-offsets-request.js';
import type { ListOffsetsResponse } from '../protocol/generated/list-offsets-response.js';
import type { OffsetForLeaderEpochRequest } from '../protocol/generated/offset-for-leader-epoch-request.js';
import type { OffsetForLeaderEpochResponse } from '../protocol/generated/offset-for-leader-epoch-response.js';
import type { AddPartitionsToTxnRequest } from '../protocol/generated/add-partitions-to-txn-request.js';
import type { AddPartitionsToTxnResponse } from '../protocol/generated/add-partitions-to-txn-response.js';
import type { WriteTxnMarkersRequest } from '../protocol/generated/write-txn-markers-request.js';
import type { WriteTxnMarkersResponse } from '../protocol/generated/write-txn-markers-response.js';
import type { ReadShareGroupStateRequest } from '../protocol/generated/read-share-group-state-request.js';
import type { ReadShareGroupStateResponse } from '../protocol/generated/read-share-group-state-response.js';
import type { WriteShareGroupStateRequest } from '../protocol/generated/write-share-group-state-request.js';
import type { WriteShareGroupStateResponse } from '../protocol/generated/write-share-group-state-response.js';
import type { InitializeShareGroupStateRequest } from '../protocol/generated/initialize-share-group-state-request.js';
import type { InitializeShareGroupStateResponse } from '../protocol/generated/initialize-share-group-state-response.js';
import type { DeleteShareGroupStateRequest } from '../protocol/generated/delete-share-group-state-request.js';
import type { DeleteShareGroupStateResponse } from '../protocol/generated/delete-share-group-state-response.js';
import type { ProduceRequest } from '../protocol/generated/produce-request.js';
import type { ProduceResponse } from '../protocol/generated/produce-response.js';
import type { MetadataStore } from '../cluster/metadata.js';
import type { ReplicaTransport } from '../cluster/replication/replica-fetcher.js';

export class ClientReplicaTransport implements ReplicaTransport {
  private readonly metadata: Pick<MetadataStore, 'brokers'>;
  private readonly clientId: string;
  private readonly requestTimeoutMs: number;
  /** TLS and SASL for the inter-broker listener. */
  private readonly security: Pick<ConnectionOptions, 'tls' | 'sasl'>;
  private readonly connections = new Map<number, Promise<BrokerConnection>>();
  private closed = false;

  constructor(metadata: Pick<MetadataStore, 'brokers'>, nodeId: number, requestTimeoutMs: number, purpose = 'fetcher', security: Pick<ConnectionOptions, 'tls' | 'sasl'> = {}) {
    this.metadata = metadata;
    this.security = security;
    this.clientId = `broker-${nodeId}-${purpose}`;
    this.requestTimeoutMs = requestTimeoutMs;
  }

  fetch(leaderId: number, request: FetchRequest): Promise<FetchResponse> {
    return this.send(leaderId, (c) => {
      const version = c.version(ApiKey.Fetch);
      // Before v15 the replica id is a field of the request itself, not of ReplicaState.
      const body = version >= 15 ? request : { ...request, replicaId: request.replicaState.replicaId };
      return c.request(ApiKey.Fetch, body, version);
    });
  }

  offsetForLeaderEpoch(leaderId: number, request: OffsetForLeaderEpochRequest): Promise<OffsetForLeaderEpochResponse> {
    return this.send(leaderId, (c) => c.request(ApiKey.OffsetForLeaderEpoch, request));
  }

  listOffsets(leaderId: number, request: ListOffsetsRequest): Promise<ListOffsetsResponse> {
    return this.send(leaderId, (c) => c.request(ApiKey.ListOffsets, request));
  }

  /** The transaction coordinator's markers for partitions another broker leads (its TransactionMarkerChannelManager's requests). */
  writeTxnMarkers(brokerId: number, request: WriteTxnMarkersRequest): Promise<WriteTxnMarkersResponse> {
    return this.send(brokerId, (c) => c.request(ApiKey.WriteTxnMarkers, request));
  }

  /**
   * A partition leader's AddPartitionsToTxn (v4+, batched, KIP-890) to the transaction
   * coordinator on `brokerId` (Kafka's AddPartitionsToTxnManager's requests). Null when that
   * broker serves no v4: Kafka then skips the verification.
   */
  addPartitionsToTxn(brokerId: number, request: AddPartitionsToTxnRequest): Promise<AddPartitionsToTxnResponse | null> {
    return this.send(brokerId, (c) => {
      const version = c.version(ApiKey.AddPartitionsToTxn);
      return version < 4 ? Promise.resolve(null) : c.request(ApiKey.AddPartitionsToTxn, request, version);
    });
  }

  /** The share coordinator on `brokerId` (a ShareStateRouter's requests, Kafka's PersisterStateManager's). */
  readShareGroupState(brokerId: number, request: ReadShareGroupStateRequest): Promise<ReadShareGroupStateResponse> {
    return this.send(brokerId, (c) => c.request(ApiKey.ReadShareGroupState, request));
  }

  writeShareGroupState(brokerId: number, request: WriteShareGroupStateRequest): Promise<WriteShareGroupStateResponse> {
    return this.send(brokerId, (c) => c.request(ApiKey.WriteShareGroupState, request));
  }

  initializeShareGroupState(brokerId: number, request: InitializeShareGroupStateRequest): Promise<InitializeShareGroupStateResponse> {
    return this.send(brokerId, (c) => c.request(ApiKey.InitializeShareGroupState, request));
  }

  deleteShareGroupState(brokerId: number, request: DeleteShareGroupStateRequest): Promise<DeleteShareGroupStateResponse> {
    return this.send(brokerId, (c) => c.request(ApiKey.DeleteShareGroupState, request));
  }

  /** A share-partition leader's write to a DLQ partition another broker leads (Kafka's ShareGroupDLQStateManager's Produce). */
  produce(brokerId: number, request: ProduceRequest): Promise<ProduceResponse> {
    return this.send(brokerId, (c) => c.request(ApiKey.Produce, request));
  }

  close(): void {
    this.closed = true;
    for (const c of this.connections.values()) c.then((conn) => conn.close(), () => {});
    this.connections.clear();
  }

  private async send<R>(leaderId: number, call: (conn: BrokerConnection) => Promise<R>): Promise<R> {
    const conn = await this.connection(leaderId);
    try {
      return await call(conn);
    } catch (err) {
      // A broken connection is opened again (perhaps to a new address) on the next request.
      if (conn.closed) this.drop(leaderId, conn);
      throw err;
    }
  }

  private connection(id: number): Promise<BrokerConnection> {
    if (this.closed) return Promise.reject(new Error('the replica transport is closed'));
    let c = this.connections.get(id);
    if (c !== undefined) return c;
    const node = this.metadata.brokers().find((b) => b.nodeId === id);
    if (node === undefined) return Promise.reject(new Error(`broker ${id} is not registered`));
    // A broker's registration puts its inter-broker listener's address at top level.
    c = BrokerConnection.connect(node.host, node.port, { clientId: this.clientId, requestTimeoutMs: this.requestTimeoutMs, ...this.security });
    this.connections.set(id, c);
    c.then(
      (conn) => {
        if (this.closed) conn.close();
      },
      () => this.connections.delete(id),
    );
    return c;
  }

  private drop(id: number, conn: BrokerConnection): void {
    const c = this.connections.get(id);
    if (c === undefined) return;
    void c.then((current) => {
      if (current === conn) this.connections.delete(id);
    }, () => {});
  }
}
