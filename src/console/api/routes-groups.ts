/** /api/v1/groups: list, describe with per-partition lag, reset offsets, delete. */
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';
import { groupLag, resetOffsets, type ResetRequest } from './group-ops.js';
import { GROUP_PARAMS, TOPIC_NAME } from './schemas.js';
import type { SessionPool } from './session.js';

export function groupRoutes(app: FastifyInstance, pool: SessionPool): void {
  app.get('/groups', { schema: { tags: ['groups'], summary: 'Groups of every broker' } }, (req) => pool.run(req, async (s) => {
    return { groups: await s.admin.listGroups() };
  }));

  app.get<{ Params: { group: string } }>('/groups/:group', {
    schema: { tags: ['groups'], summary: "A group's state, members, and each partition's committed offset, log end and lag", params: GROUP_PARAMS },
  }, (req) => pool.run(req, async (s) => {
    const { group, partitions, total_lag } = await groupLag(s, req.params.group);
    // Kafka describes an unknown group as Dead with no members and no offsets.
    if (group.state === 'Dead' && partitions.length === 0) throw new HttpError(404, 404, `Consumer group ${req.params.group} does not exist.`);
    return {
      group_id: group.groupId, state: group.state, type: group.type, protocol_type: group.protocolType, assignor: group.assignor,
      coordinator: group.coordinator,
      members: group.members.map((m) => ({
        member_id: m.memberId, instance_id: m.groupInstanceId, client_id: m.clientId, host: m.host, assignment: m.assignment,
      })),
      partitions, total_lag,
    };
  }));

  app.post<{ Params: { group: string }; Body: ResetRequest }>('/groups/:group/offsets/reset', {
    schema: {
      tags: ['groups'], summary: "Reset a group's committed offsets for a topic (the group must have no active members)", params: GROUP_PARAMS,
      body: {
        type: 'object', additionalProperties: false, required: ['topic', 'to'],
        properties: {
          topic: TOPIC_NAME,
          partitions: { type: 'array', items: { type: 'integer', minimum: 0 }, maxItems: 100_000 },
          to: { type: 'string', enum: ['earliest', 'latest', 'offset', 'timestamp'] },
          offset: { type: 'integer', minimum: 0 },
          timestamp: { type: 'integer', minimum: 0 },
        },
      },
    },
  }, (req) => pool.run(req, async (s) => {
    const offsets = await resetOffsets(s, req.params.group, req.body);
    return { group_id: req.params.group, topic: req.body.topic, offsets: [...offsets].map(([partition, offset]) => ({ partition, offset: Number(offset) })) };
  }));

  app.delete<{ Params: { group: string } }>('/groups/:group', {
    schema: { tags: ['groups'], summary: 'Delete a group (it must be empty)', params: GROUP_PARAMS },
  }, (req, reply) => pool.run(req, async (s) => {
    const result = await s.admin.deleteGroups([req.params.group]);
    const err = result.get(req.params.group) ?? null;
    if (err === 'GROUP_ID_NOT_FOUND') throw new HttpError(404, 404, `Consumer group ${req.params.group} does not exist.`);
    if (err === 'NON_EMPTY_GROUP') throw new HttpError(409, 409, `Consumer group ${req.params.group} has active members.`);
    if (err !== null) {
      const status = err.endsWith('_AUTHORIZATION_FAILED') ? 403 : 500;
      throw new HttpError(status, status, `deleting group ${req.params.group}: ${err}`);
    }
    return reply.code(204).send();
  }));
}
