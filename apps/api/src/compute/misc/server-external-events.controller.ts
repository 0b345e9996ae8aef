import { Body, Controller, Post, Req, Res, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ExternalEvent, serverDecider, serverStream } from '../../../../../domain/compute';
import { InvalidState, NotFound, Position } from '../../../../../domain/kernel';
import { SERVERS_TABLE } from '../../../../../projections/compute/servers';
import { authorize, commandMetadata, CurrentToken, isAdmin, TokenContext, TokenGuard } from '../../../../shared/src/auth';
import { ComputeReadModel } from '../compute-read-model';
import { ComputeWrites } from '../compute-writes';
import { ApiVersion, Microversion } from '../microversion';
import { NovaExceptionFilter } from '../nova-errors';
import { NovaResponseInterceptor } from '../nova-responses';
import { member, NovaSchema, validateBody } from '../resources/nova-schema';
import { UNDEFINED_TABLE } from '../resources/resource-reads';

// nova/api/openstack/compute/schemas/server_external_events.py: each microversion adds one event name.
const NAMES_BY_VERSION: [string, string][] = [
  ['2.1', 'network-changed'],
  ['2.1', 'network-vif-plugged'],
  ['2.1', 'network-vif-unplugged'],
  ['2.1', 'network-vif-deleted'],
  ['2.51', 'volume-extended'],
  ['2.76', 'power-update'],
  ['2.82', 'accelerator-request-bound'],
  ['2.93', 'volume-reimaged'],
];

const createSchema = (v: ApiVersion): NovaSchema => ({
  type: 'object',
  properties: {
    events: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          server_uuid: { type: 'string', format: 'uuid' },
          name: { type: 'string', enum: NAMES_BY_VERSION.filter(([since]) => v.atLeast(since)).map(([, name]) => name) },
          status: { type: 'string', enum: ['failed', 'completed', 'in-progress'] },
          tag: { type: 'string', maxLength: 255 },
        },
        required: ['server_uuid', 'name'],
        additionalProperties: false,
      },
    },
  },
  required: ['events'],
  additionalProperties: false,
});

/** server_external_events.py `TAG_REQUIRED`: events that mean nothing without the volume, power state or request they are about. */
const TAG_REQUIRED = new Set(['volume-extended', 'power-update', 'accelerator-request-bound']);

interface ClientEvent {
  server_uuid: string;
  name: string;
  status?: ExternalEvent['status'];
  tag?: string;
}

/** An event as answered: the client's own object, its status overwritten and its code added (Nova's `_event`). */
type AnsweredEvent = ClientEvent & { status: 'completed' | 'failed'; code: number };

/**
 * Nova's os-server-external-events (nova/api/openstack/compute/server_external_events.py), admin only: what
 * Neutron, Cinder or Cyborg tell Nova about servers. Each event is answered on its own: 404 for an unknown
 * server, 400 for a missing tag its name needs, 200 (accepted) for a server on a host, 422 for one on none;
 * the request is 200 when every event was accepted, 207 otherwise (even when none was). An accepted event is
 * recorded on the server's stream (ServerExternalEventReceived); Strata has no Neutron or Cinder yet, so it
 * changes nothing of the server.
 */
@Controller('compute/v2.1/os-server-external-events')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class ServerExternalEventsController {
  constructor(
    private readonly rm: ComputeReadModel,
    private readonly writes: ComputeWrites,
  ) {}

  @Post()
  async create(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown, @CurrentToken() token: TokenContext, @Microversion() v: ApiVersion) {
    // Nova validates the body before it checks the policy.
    validateBody(createSchema(v), body);
    authorize('os_compute_api:os-server-external-events:create', isAdmin(token));
    const events = member<ClientEvent[]>(body, 'events');
    const hosts = await this.hostsOf([...new Set(events.map((e) => e.server_uuid))]);
    const answered: AnsweredEvent[] = [];
    const accepted = new Map<string, { event: ExternalEvent; answer: AnsweredEvent }[]>();
    for (const e of events) {
      const answer = { ...e } as AnsweredEvent;
      answered.push(answer);
      const host = hosts.get(e.server_uuid);
      if (host === undefined) Object.assign(answer, { status: 'failed', code: 404 });
      else if (TAG_REQUIRED.has(e.name) && e.tag === undefined) Object.assign(answer, { status: 'failed', code: 400 });
      else if (host === null) Object.assign(answer, { status: 'failed', code: 422 });
      else {
        Object.assign(answer, { status: 'completed', code: 200 });
        const list = accepted.get(e.server_uuid) ?? [];
        list.push({ event: { name: e.name, tag: e.tag ?? null, status: e.status ?? 'completed' }, answer });
        accepted.set(e.server_uuid, list);
      }
    }
    const meta = commandMetadata(request, token);
    let position: Position | null = null;
    for (const [serverId, list] of accepted) {
      try {
        // Neutron and Cinder send their operation's global request id with every event: each POST is recorded (Nova handles each).
        ({ position } = await this.writes.run(serverDecider, serverStream(serverId), 'RecordServerExternalEvents', { serverId, events: list.map((x) => x.event) }, meta, { replay: false }));
      } catch (error) {
        // The read model was behind the server's stream: the stream's answer stands.
        if (!(error instanceof NotFound || error instanceof InvalidState)) throw error;
        for (const { answer } of list) Object.assign(answer, { status: 'failed', code: error instanceof NotFound ? 404 : 422 });
      }
    }
    await this.rm.waitFor(position, ['audit_trail']);
    reply.status(answered.every((a) => a.code === 200) ? 200 : 207);
    return { events: answered };
  }

  /**
   * Each known server's host (null: on none). Deleted servers are found too, with the host they had: Nova's
   * lookup by uuid includes deleted instances.
   */
  private async hostsOf(ids: string[]): Promise<Map<string, string | null>> {
    try {
      const rows = await this.rm.query<{ id: string; host: string | null }>(`SELECT id, host FROM rm.${SERVERS_TABLE} WHERE id = ANY($1::text[])`, [ids]);
      return new Map(rows.map((r) => [r.id, r.host]));
    } catch (e) {
      if ((e as { code?: string }).code === UNDEFINED_TABLE) return new Map();
      throw e;
    }
  }
}
