import { Controller, Get, Inject, Param, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { InstanceDiagnostics, powerStateName } from '../../../../../infra/hypervisor';
import { Bus } from '../../../../../infra/messaging/bus';
import type { ServerRow } from '../../../../../projections/compute/servers';
import { authorize, CurrentToken, isAdmin, TokenContext, TokenGuard } from '../../../../shared/src/auth';
import { askHost, computeSubjects, DiagnosticsReply, DiagnosticsRequest } from '../../../../shared/src/compute-protocol';
import { BUS } from '../../../../shared/src/runtime.tokens';
import { ApiVersion, Microversion } from '../microversion';
import { conflict, NovaError, NovaExceptionFilter } from '../nova-errors';
import { NovaResponseInterceptor } from '../nova-responses';
import { ServerReads } from './server-reads';

/** How long the host's agent has to answer; Nova's RPC call would time out too (a 500). */
const AGENT_TIMEOUT_MS = 30_000;

/** nova/api/openstack/compute/views/server_diagnostics.py `instance_diagnostics`: every field, null when unset. */
export function diagnosticsView(d: InstanceDiagnostics) {
  return {
    state: d.state,
    driver: d.driver,
    hypervisor: d.hypervisor,
    hypervisor_os: d.hypervisorOs,
    uptime: d.uptime,
    config_drive: d.configDrive,
    num_cpus: d.cpuDetails.length,
    num_nics: d.nicDetails.length,
    num_disks: d.diskDetails.length,
    disk_details: d.diskDetails.map((k) => ({
      read_bytes: k.readBytes,
      read_requests: k.readRequests,
      write_bytes: k.writeBytes,
      write_requests: k.writeRequests,
      errors_count: k.errorsCount,
    })),
    cpu_details: d.cpuDetails.map((c) => ({ id: c.id, time: c.time, utilisation: c.utilisation })),
    nic_details: d.nicDetails.map((n) => ({
      mac_address: n.macAddress,
      rx_octets: n.rxOctets,
      rx_errors: n.rxErrors,
      rx_drop: n.rxDrop,
      rx_packets: n.rxPackets,
      rx_rate: n.rxRate,
      tx_octets: n.txOctets,
      tx_errors: n.txErrors,
      tx_drop: n.txDrop,
      tx_packets: n.txPackets,
      tx_rate: n.txRate,
    })),
    memory_details: { maximum: d.memoryDetails.maximum, used: d.memoryDetails.used },
  };
}

/**
 * os-server-diagnostics (nova/api/openstack/compute/server_diagnostics.py), admin only: the host's agent
 * reads the figures from its driver. A read that changes nothing, so it appends no event and is not an
 * instance action.
 */
@Controller('compute/v2.1/servers/:serverId/diagnostics')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class ServerDiagnosticsController {
  constructor(
    private readonly reads: ServerReads,
    @Inject(BUS) private readonly bus: Bus,
  ) {}

  @Get()
  async index(@CurrentToken() token: TokenContext, @Microversion() v: ApiVersion, @Param('serverId') serverId: string) {
    // Nova looks the server up before the policy: another project's server is a 404, one's own a 403.
    const row = await this.reads.visible(token, serverId);
    authorize('os_compute_api:os-server-diagnostics', isAdmin(token));
    // nova/compute/api.py `check_instance_host`: InstanceNotReady, a 409.
    if (row.host === null) throw conflict(`Instance ${row.id} is not ready`);
    const replyTo = `strata.live.diagnostics-reply.${randomUUID()}`;
    const request: DiagnosticsRequest = v.atLeast('2.48') ? { replyTo, serverId: row.id, format: 'standard', launchedAt: row.launched_at } : { replyTo, serverId: row.id, format: 'legacy' };
    const reply = await this.ask(row.host, request);
    if (reply.ok) return reply.format === 'standard' ? diagnosticsView(reply.diagnostics) : reply.diagnostics;
    throw diagnosticsRefusal(row, reply);
  }

  private ask(host: string, request: DiagnosticsRequest): Promise<DiagnosticsReply> {
    return askHost<DiagnosticsReply>(this.bus, computeSubjects.diagnostics(host), request, AGENT_TIMEOUT_MS, () => new Error(`compute host ${host} did not answer a diagnostics request for ${request.serverId} within ${AGENT_TIMEOUT_MS} ms`));
  }
}

/** The agent's refusal as Nova's API words it; the power state named is the server's recorded one, as Nova's is. */
export function diagnosticsRefusal(row: Pick<ServerRow, 'id' | 'power_state'>, reply: Extract<DiagnosticsReply, { ok: false }>): Error {
  switch (reply.refusal) {
    case 'not-running':
      // nova/api/openstack/common.py `raise_http_conflict_for_instance_invalid_state` (the manager's attr is 'power state').
      return conflict(`Cannot 'get_diagnostics' instance ${row.id} while it is in power state ${powerStateName(row.power_state)}`);
    case 'not-supported':
      return new NovaError(501, 'The requested functionality is not supported.');
    case 'failed':
      return new Error(`diagnostics of ${row.id}: ${reply.message}`);
  }
}
