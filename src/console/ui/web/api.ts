/** The console's JSON API (/api/v1), as the pages call it. */

export class ApiError extends Error {
  readonly status: number;
  /** The server's WWW-Authenticate on a 401. */
  readonly challenge: string;

  constructor(status: number, message: string, challenge = '') {
    super(message);
    this.status = status;
    this.challenge = challenge;
  }
}

const TOKEN_KEY = 'millrace-console-token';

/**
 * The bearer token the user gave (OAUTHBEARER listeners), kept for this tab only. Basic logins
 * (PLAIN, SCRAM) need nothing here: the browser asks for them on the server's Basic challenge.
 */
export function setToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const init: RequestInit = { method, headers: { accept: 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  }
  const res = await fetch(`/api/v1${path}`, init);
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({ message: res.statusText }))) as T & { message?: string };
  if (!res.ok) throw new ApiError(res.status, data.message ?? res.statusText, res.headers.get('www-authenticate') ?? '');
  return data;
}

export const enc = encodeURIComponent;

export interface TopicSummary {
  name: string;
  internal: boolean;
  partitions_count: number;
  replication_factor: number;
  messages: number;
  size_bytes: number;
}

export interface Bytes {
  size: number;
  text: string | null;
  base64: string;
}

export interface Message {
  partition: number;
  offset: number;
  timestamp: number;
  key: Bytes | null;
  value: Bytes | null;
  headers: { key: string; value: Bytes | null }[];
}

export interface PartitionLag {
  topic: string;
  partition: number;
  current_offset: number;
  log_end_offset: number;
  lag: number;
  consumer_id: string;
  client_id: string;
}

export interface GroupView {
  group_id: string;
  state: string;
  type: string;
  protocol_type: string;
  assignor: string;
  coordinator: number;
  members: { member_id: string; client_id: string; host: string; instance_id: string | null; assignment: { topic: string; partitions: number[] }[] }[];
  partitions: PartitionLag[];
  total_lag: number;
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  source: string;
  readOnly: boolean;
  sensitive: boolean;
  isDefault: boolean;
}
