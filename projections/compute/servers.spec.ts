import { FlavorSnapshot, POWER, ServerEvent, ServerSpec, serverStream } from '../../domain/compute';
import { RecordedEvent } from '../../domain/kernel';
import { at, recordedStream } from '../../test/support/recorded-stream';
import { projectInMemory } from '../kernel/projection';
import { computeInstanceActionsProjection, INSTANCE_ACTIONS_TABLE, InstanceActionRow } from './instance-actions';
import { computeServersProjection, ServerRow, SERVERS_TABLE } from './servers';
import { SERVER_PROJECTIONS } from './servers-index';

const ID = '6f0a6c4e-0000-4000-8000-000000000001';
const flavor = (id: string, vcpus: number, memoryMb: number, rootGb: number): FlavorSnapshot => ({
  id,
  name: id,
  vcpus,
  memoryMb,
  rootGb,
  ephemeralGb: 0,
  swapMb: 0,
  rxtxFactor: 1,
  isPublic: true,
  description: null,
  extraSpecs: {},
});
const TINY = flavor('tiny', 1, 512, 1);
const SMALL = flavor('small', 2, 2048, 20);
const spec: ServerSpec = {
  serverId: ID,
  name: 'vm-1',
  description: null,
  projectId: 'p1',
  userId: 'u1',
  flavor: TINY,
  image: { id: 'img-1', name: 'cirros', properties: {}, diskFormat: 'qcow2', minDisk: 0, minRam: 0 },
  keyName: 'k1',
  keyData: 'ssh-ed25519 AAAA',
  metadata: { role: 'web' },
  availabilityZone: null,
  requestedHost: null,
  serverGroupId: 'g1',
  hints: { sameHost: [], differentHost: [] },
  reservationId: 'r-abcdefgh',
  launchIndex: 0,
  hostname: 'vm-1',
  instanceName: 'instance-00000001',
  accessIPv4: null,
  accessIPv6: null,
  userData: null,
  configDrive: '',
  tags: ['a'],
};

const created: ServerEvent = { type: 'ServerCreationRequested', data: { ...spec, vmState: 'building', taskState: 'scheduling', powerState: POWER.NOSTATE } };
const scheduled = (host = 'h1', attempt = 1): ServerEvent => ({ type: 'ServerScheduled', data: { serverId: ID, host, node: host, availabilityZone: 'az1', claimId: `c${attempt}`, attempt, taskState: 'spawning' } });
const rescheduled: ServerEvent = { type: 'ServerRescheduled', data: { serverId: ID, attempt: 2, previousHost: 'h1', reason: 'spawn failed on h1', taskState: 'scheduling' } };
const spawned = (host = 'h1'): ServerEvent => ({ type: 'ServerSpawned', data: { serverId: ID, host, vmState: 'active', powerState: POWER.RUNNING, launchedAt: at(3) } });
const fault = { code: 500, message: 'No valid host was found. ', details: 'Traceback...', created: at(2) };
const buildFailed: ServerEvent = { type: 'ServerBuildFailed', data: { serverId: ID, fault, vmState: 'error' } };
const stopRequested: ServerEvent = { type: 'ServerStopRequested', data: { serverId: ID, orderId: 'req-stop', host: 'h1', taskState: 'powering-off' } };
const stopped: ServerEvent = { type: 'ServerStopped', data: { serverId: ID, orderId: 'req-stop', vmState: 'stopped', powerState: POWER.SHUTDOWN } };
const deletionRequested = (host: string | null = 'h1'): ServerEvent => ({ type: 'ServerDeletionRequested', data: { serverId: ID, orderId: 'req-del', host, force: false, taskState: 'deleting' } });
const deleted = (host: string | null = 'h1'): ServerEvent => ({
  type: 'ServerDeleted',
  data: { serverId: ID, orderId: 'req-del', projectId: 'p1', host, claims: host ? [{ host, claimId: 'c1' }] : [], serverGroupId: 'g1', vmState: 'deleted', terminatedAt: at(9) },
});

/** The server's events as recorded, the create asked by u1 of p1 with request id req-create. */
function recorded(events: ServerEvent[]): RecordedEvent[] {
  return recordedStream(serverStream(ID), events).map((e, i) =>
    i === 0 ? { ...e, metadata: { ...e.metadata, requestId: 'req-create', actor: { userId: 'u1', projectId: 'p1', domainId: 'default', roles: ['member'] } } } : e,
  );
}

const rowOf = (events: ServerEvent[]) => projectInMemory(computeServersProjection, recorded(events)).get(SERVERS_TABLE, ID) as ServerRow | undefined;
const createActionOf = (events: ServerEvent[]) => projectInMemory(computeInstanceActionsProjection, recorded(events)).get(INSTANCE_ACTIONS_TABLE, `${ID}|create`) as InstanceActionRow | undefined;

describe('compute_servers projection', () => {
  it('is registered with the instance actions as the server projections', () => {
    expect(SERVER_PROJECTIONS.map((p) => p.name)).toEqual(['compute_servers', 'compute_instance_actions']);
    expect(SERVER_PROJECTIONS.map((p) => p.tables[0].name)).toEqual(['compute_servers', 'compute_instance_actions']);
  });

  it('indexes what the list queries filter and sort on', () => {
    expect(computeServersProjection.tables[0].indexes).toEqual([['project_id'], ['host'], ['created_at'], ['updated_at'], ['status'], ['deleted']]);
  });

  it('records a requested server as BUILD with everything asked for', () => {
    expect(rowOf([created])).toEqual({
      id: ID,
      name: 'vm-1',
      description: null,
      project_id: 'p1',
      user_id: 'u1',
      vm_state: 'building',
      task_state: 'scheduling',
      power_state: 0,
      status: 'BUILD',
      host: null,
      node: null,
      availability_zone: null,
      requested_availability_zone: null,
      flavor: TINY,
      flavor_id: 'tiny',
      vcpus: 1,
      memory_mb: 512,
      root_gb: 1,
      image: spec.image,
      image_id: 'img-1',
      key_name: 'k1',
      key_data: 'ssh-ed25519 AAAA',
      metadata: { role: 'web' },
      tags: ['a'],
      fault: null,
      locked: false,
      locked_reason: null,
      locked_by: null,
      server_group_id: 'g1',
      reservation_id: 'r-abcdefgh',
      launch_index: 0,
      hostname: 'vm-1',
      instance_name: 'instance-00000001',
      access_ipv4: null,
      access_ipv6: null,
      user_data: null,
      config_drive: '',
      auto_disk_config: false,
      launched_at: null,
      terminated_at: null,
      deleted: false,
      deleted_at: null,
      created_at: at(1),
      updated_at: at(1),
      stream_version: 0,
    });
  });

  it('shows the host and its zone once scheduled, and ACTIVE once spawned', () => {
    expect(rowOf([created, scheduled()])).toMatchObject({ host: 'h1', node: 'h1', availability_zone: 'az1', task_state: 'spawning', status: 'BUILD', updated_at: at(2) });
    expect(rowOf([created, scheduled(), spawned()])).toMatchObject({ vm_state: 'active', task_state: null, power_state: 1, status: 'ACTIVE', launched_at: at(3), updated_at: at(3), stream_version: 2 });
  });

  it("takes the server off its host on a reschedule, keeping the last host's zone (as Nova's conductor does)", () => {
    expect(rowOf([created, scheduled(), rescheduled])).toMatchObject({ host: null, node: null, availability_zone: 'az1', task_state: 'scheduling', status: 'BUILD' });
    expect(rowOf([created, scheduled(), rescheduled, scheduled('h2', 2), spawned('h2')])).toMatchObject({ host: 'h2', status: 'ACTIVE' });
  });

  it('shows a failed build as ERROR with its fault and no host', () => {
    expect(rowOf([created, buildFailed])).toMatchObject({ vm_state: 'error', task_state: null, status: 'ERROR', host: null, fault });
  });

  it('follows tasks and their outcome in status', () => {
    expect(rowOf([created, scheduled(), spawned(), stopRequested])).toMatchObject({ task_state: 'powering-off', status: 'ACTIVE' });
    expect(rowOf([created, scheduled(), spawned(), stopRequested, stopped])).toMatchObject({ vm_state: 'stopped', power_state: 4, task_state: null, status: 'SHUTOFF' });
  });

  it('applies updates field by field, metadata whole, lock and unlock', () => {
    const events: ServerEvent[] = [
      created,
      { type: 'ServerUpdated', data: { serverId: ID, description: 'web server', accessIPv4: '10.0.0.1' } },
      { type: 'ServerMetadataChanged', data: { serverId: ID, metadata: { a: 'b' } } },
      { type: 'ServerLocked', data: { serverId: ID, reason: 'maintenance', lockedBy: 'admin' } },
    ];
    expect(rowOf(events)).toMatchObject({ name: 'vm-1', description: 'web server', access_ipv4: '10.0.0.1', access_ipv6: null, metadata: { a: 'b' }, locked: true, locked_reason: 'maintenance', locked_by: 'admin' });
    expect(rowOf([...events, { type: 'ServerUnlocked', data: { serverId: ID } }])).toMatchObject({ locked: false, locked_reason: null, locked_by: null });
  });

  it('keeps tags whole, OS-DCF:diskConfig from create, update, rebuild and resize, and a reset state', () => {
    expect(rowOf([created])).toMatchObject({ tags: ['a'], auto_disk_config: false });
    expect(rowOf([{ ...created, data: { ...created.data, autoDiskConfig: true } } as ServerEvent])).toMatchObject({ auto_disk_config: true });
    const active = [created, scheduled(), spawned()];
    expect(rowOf([...active, { type: 'ServerTagsChanged', data: { serverId: ID, tags: ['x', 'y'] } }])).toMatchObject({ tags: ['x', 'y'] });
    expect(rowOf([...active, { type: 'ServerUpdated', data: { serverId: ID, autoDiskConfig: true } }])).toMatchObject({ auto_disk_config: true });
    const rebuild: ServerEvent = {
      type: 'ServerRebuildRequested',
      data: { serverId: ID, orderId: 'req-rb', host: 'h1', taskState: 'rebuilding', image: spec.image, name: 'vm-1', metadata: {}, description: null, keyName: null, keyData: null, autoDiskConfig: true },
    };
    expect(rowOf([...active, rebuild])).toMatchObject({ auto_disk_config: true, status: 'REBUILD' });
    const resize: ServerEvent = { type: 'ServerResizeRequested', data: { serverId: ID, orderId: 'req-rs', host: 'h1', taskState: 'resize_prep', newFlavor: SMALL, autoDiskConfig: true } };
    expect(rowOf([...active, resize])).toMatchObject({ auto_disk_config: true });
    const reset: ServerEvent = { type: 'ServerStateReset', data: { serverId: ID, vmState: 'error', taskState: null, previousVmState: 'active', previousTaskState: 'powering-off' } };
    expect(rowOf([...active, stopRequested, reset])).toMatchObject({ vm_state: 'error', task_state: null, status: 'ERROR' });
  });

  it('takes the new image, name and metadata of a rebuild and relaunches it', () => {
    const image = { ...spec.image, id: 'img-2' };
    const events: ServerEvent[] = [
      created,
      scheduled(),
      spawned(),
      { type: 'ServerRebuildRequested', data: { serverId: ID, orderId: 'req-rb', host: 'h1', taskState: 'rebuilding', image, name: 'vm-2', metadata: {}, description: 'd', keyName: null, keyData: null } },
    ];
    expect(rowOf(events)).toMatchObject({ image, image_id: 'img-2', name: 'vm-2', metadata: {}, description: 'd', key_name: null, status: 'REBUILD' });
    expect(rowOf([...events, { type: 'ServerRebuilt', data: { serverId: ID, orderId: 'req-rb', vmState: 'active', powerState: POWER.RUNNING, launchedAt: at(5) } }])).toMatchObject({
      status: 'ACTIVE',
      launched_at: at(5),
    });
  });

  it('moves to the new flavor and host on resize (VERIFY_RESIZE) and back on revert', () => {
    const resize: ServerEvent[] = [
      created,
      scheduled(),
      spawned(),
      { type: 'ServerResizeRequested', data: { serverId: ID, orderId: 'req-rs', host: 'h1', taskState: 'resize_prep', newFlavor: SMALL } },
      { type: 'ServerResizeClaimed', data: { serverId: ID, orderId: 'req-rs', host: 'h2', node: 'h2', claimId: 'c9', taskState: 'resize_migrating' } },
    ];
    expect(rowOf(resize)).toMatchObject({ status: 'RESIZE', flavor_id: 'tiny' });
    const resized: ServerEvent = { type: 'ServerResized', data: { serverId: ID, orderId: 'req-rs', vmState: 'resized', powerState: POWER.RUNNING, host: 'h2', node: 'h2', oldFlavor: TINY, flavor: SMALL } };
    expect(rowOf([...resize, resized])).toMatchObject({ status: 'VERIFY_RESIZE', host: 'h2', flavor: SMALL, flavor_id: 'small', vcpus: 2, memory_mb: 2048, root_gb: 20, launched_at: at(6) });
    const reverted: ServerEvent[] = [
      { type: 'ServerRevertResizeRequested', data: { serverId: ID, orderId: 'req-rv', host: 'h2', taskState: 'resize_reverting' } },
      { type: 'ServerResizeReverted', data: { serverId: ID, orderId: 'req-rv', vmState: 'active', powerState: POWER.RUNNING, host: 'h1', node: 'h1', flavor: TINY, releasedClaimId: 'c9', releasedHost: 'h2' } },
    ];
    expect(rowOf([...resize, resized, reverted[0]])).toMatchObject({ status: 'REVERT_RESIZE' });
    expect(rowOf([...resize, resized, ...reverted])).toMatchObject({ status: 'ACTIVE', host: 'h1', flavor_id: 'tiny', vcpus: 1 });
    expect(rowOf([...resize, resized, { type: 'ServerResizeConfirmed', data: { serverId: ID, vmState: 'active', releasedClaimId: 'c1', sourceHost: 'h1' } }])).toMatchObject({
      status: 'ACTIVE',
      host: 'h2',
      flavor_id: 'small',
    });
  });

  it('records a power state Strata did not cause', () => {
    expect(rowOf([created, scheduled(), spawned(), { type: 'ServerPowerStateChanged', data: { serverId: ID, powerState: POWER.SHUTDOWN, vmState: 'stopped' } }])).toMatchObject({
      status: 'SHUTOFF',
      power_state: 4,
    });
  });

  it('keeps a deleted server as DELETED, with its host and the deletion times', () => {
    const row = rowOf([created, scheduled(), spawned(), deletionRequested(), deleted()]);
    expect(row).toMatchObject({ status: 'DELETED', deleted: true, vm_state: 'deleted', task_state: null, power_state: 0, host: 'h1', terminated_at: at(9), deleted_at: at(5), updated_at: at(5) });
    expect(rowOf([created, scheduled(), spawned(), deletionRequested()])).toMatchObject({ task_state: 'deleting', status: 'ACTIVE', deleted: false });
  });

  it('ignores an event it has already applied (a redelivered batch)', () => {
    const events = recorded([created, scheduled(), spawned(), stopRequested, stopped]);
    const rows = projectInMemory(computeServersProjection, events);
    projectInMemory(computeServersProjection, [events[3]], rows);
    expect(rows.get(SERVERS_TABLE, ID)).toMatchObject({ status: 'SHUTOFF', task_state: null, stream_version: 4 });
  });
});

describe('a server through both projections', () => {
  const life: ServerEvent[] = [created, scheduled(), rescheduled, scheduled('h2', 2), spawned('h2'), { ...stopRequested, data: { ...(stopRequested.data as object), host: 'h2' } } as ServerEvent, stopped, deletionRequested('h2'), deleted('h2')];
  const events = recorded(life);
  const servers = projectInMemory(computeServersProjection, events);
  const actions = projectInMemory(computeInstanceActionsProjection, events);
  const actionRows = () => [...actions.tables.get(INSTANCE_ACTIONS_TABLE)!.values()] as InstanceActionRow[];

  it('keeps the server row, DELETED', () => {
    expect(servers.get(SERVERS_TABLE, ID)).toMatchObject({ status: 'DELETED', host: 'h2', deleted: true });
  });

  it('keeps every action of the deleted server: create, stop, delete', () => {
    expect(actionRows().map((a) => [a.action, a.request_id, a.message])).toEqual([
      ['create', 'req-create', 'Error'],
      ['stop', 'req-stop', null],
      ['delete', 'req-del', null],
    ]);
  });

  it('shows the failed attempt on h1 and the build on h2 in the create action', () => {
    const create = actions.get(INSTANCE_ACTIONS_TABLE, `${ID}|create`) as InstanceActionRow;
    expect(create).toMatchObject({ user_id: 'u1', project_id: 'p1', start_time: at(1), updated_at: at(5) });
    expect(create.events).toEqual([
      { event: 'compute__do_build_and_run_instance', start_time: at(2), finish_time: at(3), result: 'Error', traceback: 'spawn failed on h1', host: 'h1', details: 'spawn failed on h1' },
      { event: 'compute__do_build_and_run_instance', start_time: at(4), finish_time: at(5), result: 'Success', traceback: null, host: 'h2', details: null },
    ]);
  });

  it('finishes the terminate step when the server is deleted', () => {
    const del = actions.get(INSTANCE_ACTIONS_TABLE, `${ID}|req-del`) as InstanceActionRow;
    expect(del.events).toEqual([{ event: 'compute_terminate_instance', start_time: at(8), finish_time: at(9), result: 'Success', traceback: null, host: 'h2', details: null }]);
  });

  it('records a build that found no host as a failed conductor step', () => {
    const row = createActionOf([created, buildFailed]);
    expect(row).toMatchObject({ action: 'create', message: 'Error', updated_at: at(2) });
    expect(row?.events).toEqual([{ event: 'conductor_schedule_and_build_instances', start_time: at(2), finish_time: at(2), result: 'Error', traceback: fault.message, host: null, details: fault.message }]);
  });

  it('records a build that failed on its host as a failed compute step', () => {
    const row = createActionOf([created, scheduled(), buildFailed]);
    expect(row?.message).toBe('Error');
    expect(row?.events).toEqual([{ event: 'compute__do_build_and_run_instance', start_time: at(2), finish_time: at(3), result: 'Error', traceback: fault.message, host: 'h1', details: fault.message }]);
  });

  it('records the delete of a server on no host without a compute step, and keeps the row', () => {
    const rows = projectInMemory(computeInstanceActionsProjection, recorded([created, buildFailed, deletionRequested(null), deleted(null)]));
    expect(rows.get(INSTANCE_ACTIONS_TABLE, `${ID}|req-del`)).toMatchObject({ action: 'delete', events: [], updated_at: null });
    expect(rows.get(INSTANCE_ACTIONS_TABLE, `${ID}|create`)).toMatchObject({ message: 'Error' });
  });
});
