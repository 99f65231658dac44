import assert from 'node:assert/strict';
import type { TestBroker } from './test-broker.js';
import type { WireClient } from './wire-client.js';

/** The broker's side of `client`'s connection (private state: tests look, nothing else does). */
export function brokerSide(tb: TestBroker, client: WireClient): { throttled: boolean } {
  const servers = (tb.broker as unknown as { servers: Array<{ connections: Set<{ throttled: boolean; socket: { remotePort?: number } }> }> }).servers;
  for (const s of servers) for (const c of s.connections) if (c.socket.remotePort === client.socket.localPort) return c;
  throw new Error('no broker connection for the client');
}

/**
 * Sends a request on a muted connection and checks, by ordering alone, that it is answered
 * only after the mute ends: while the broker's side is throttled no answer may have come.
 */
export async function answeredAfterMute<T>(conn: { throttled: boolean }, send: () => Promise<T>): Promise<T> {
  assert.equal(conn.throttled, true, 'the connection is muted');
  let answered = false;
  const next = send().then((r) => {
    answered = true;
    return r;
  });
  let checks = 0;
  while (conn.throttled) {
    assert.equal(answered, false, 'answered while the connection was muted');
    checks++;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(checks > 0);
  return next;
}
