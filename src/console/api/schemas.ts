/** JSON Schemas shared by the console's routes (fastify validates with them; openapi.ts publishes them). */

/** Kafka's legal topic names (Topic.validate): 1 to 249 of [a-zA-Z0-9._-]. */
export const TOPIC_NAME = { type: 'string', pattern: '^[a-zA-Z0-9._-]{1,249}$' } as const;

export const ERROR_BODY = {
  type: 'object',
  description: "Confluent REST Proxy's error shape",
  properties: { error_code: { type: 'integer' }, message: { type: 'string' } },
  required: ['error_code', 'message'],
} as const;

export const TOPIC_PARAMS = { type: 'object', properties: { topic: TOPIC_NAME }, required: ['topic'] } as const;
export const GROUP_PARAMS = { type: 'object', properties: { group: { type: 'string', minLength: 1 } }, required: ['group'] } as const;

/** Bytes in a request: text as UTF-8, or base64. */
export const ENCODING = { type: 'string', enum: ['utf8', 'base64'], default: 'utf8' } as const;

export function decodeBytes(value: string | null | undefined, encoding: 'utf8' | 'base64'): Buffer | null {
  if (value === null || value === undefined) return null;
  return Buffer.from(value, encoding === 'base64' ? 'base64' : 'utf8');
}
