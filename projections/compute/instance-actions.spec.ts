import { FlavorSnapshot, POWER, ServerEvent, ServerSpec, serverStream } from '../../domain/compute';
import { RecordedEvent } from '../../domain/kernel';
import { at, recordedStream } from '../../test/support/recorded-stream';
import { projectInMemory } from '../kernel/projection';
import { computeInstanceActionsProjection as projection, INSTANCE_ACTIONS_TABLE, InstanceActionEventEntry, InstanceActionRow } from './instance-actions';

const ID = '6f0a6c4e-0000-4000-8000-000000000001';
const flavor = (id: string, rootGb: number): FlavorSnapshot => ({ id, name: id, vcpus: 1, memoryMb: 512, rootGb, ephemeralGb: 0, swapMb: 0, rxtxFactor: 1, isPublic: true, description: null, extraSpecs: {} });
const spec: ServerSpec = {
  serverId: ID,
  name: 'vm-1',
  description: null,
  projectId: 'p1',
  userId: 'u1',
  flavor: flavor('tiny', 1),
  image: { id: 'img-1', name: null, properties: {}, diskFormat: null, minDisk: 0, minRam: 0 },
  keyName: null,
  keyData: null,
  metadata: {},
  availabilityZone: null,
  requestedHost: null,
  serverGroupId: null,
  hints: { sameHost: [], differentHost: [] },
  reservationId: 'r-1',
  launchIndex: 0,
  hostname: 'vm-1',
  instanceName: 'instance-00000001',
  accessIPv4: null,
  accessIPv6: null,
  userData: null,
  configDrive: '',
  tags: [],
};
const ACTIVE: ServerEvent[] = [
  { type: 'ServerCreationRequested', data: { ...spec, vmState: 'building', taskState: 'scheduling', powerState: POWER.NOSTATE } },
  { type: 'ServerScheduled', data: { serverId: ID, host: 'h1', node: 'h1', availabilityZone: 'nova', claimId: 'c1', attempt: 1, taskState: 'spawning' } },
  { type: 'ServerSpawned', data: { serverId: ID, host: 'h1', vmState: 'active', powerState: POWER.RUNNING, launchedAt: at(3) } },
];
const T = ACTIVE.length; // events after ACTIVE occur at at(T + 1), at(T + 2), ...
const ADMIN = { userId: 'admin-u', projectId: 'admin-p', domainId: 'default', roles: ['admin'] };
const OWNER = { userId: 'u1', projectId: 'p1', domainId: 'default', roles: ['member'] };

/** Events after the build are API calls of the owner, each with its own request id `req-<index>` (recordedStream's). */
function recorded(events: ServerEvent[], actor = OWNER): RecordedEvent[] {
  return recordedStream(serverStream(ID), [...ACTIVE, ...events]).map((e) => ({ ...e, metadata: { ...e.metadata, actor } }));
}
const project = (events: ServerEvent[], actor = OWNER) => projectInMemory(projection, recorded(events, actor));
const action = (events: ServerEvent[], key: string, actor = OWNER) => project(events, actor).get(INSTANCE_ACTIONS_TABLE, `${ID}|${key}`) as InstanceActionRow | undefined;
const step = (event: string, start: number, finish: number | null, host: string | null, failure: string | null = null): InstanceActionEventEntry => ({
  event,
  start_time: at(start),
  finish_time: finish === null ? null : at(finish),
  result: finish === null ? null : failure === null ? 'Success' : 'Error',
  traceback: failure,
  host,
  details: failure,
});

const order = (orderId: string) => ({ serverId: ID, orderId, host: 'h1' });
const done = (orderId: string, vmState: 'active' | 'stopped' | 'paused' | 'suspended', powerState: 1 | 3 | 4 | 7) => ({ serverId: ID, orderId, vmState, powerState });

describe('compute_instance_actions projection', () => {
  it('keys the create action on `create`, with the request id of the creation and its requester', () => {
    expect(action([], 'create')).toEqual({
      id: `${ID}|create`,
      server_id: ID,
      action: 'create',
      request_id: 'req-0',
      user_id: 'u1',
      project_id: 'p1',
      start_time: at(1),
      updated_at: at(3),
      message: null,
      events: [step('compute__do_build_and_run_instance', 2, 3, 'h1')],
      host: null,
      stream_version: 2,
    });
  });

  const agentActions: { name: string; requested: ServerEvent; finished: ServerEvent; step: string }[] = [
    { name: 'stop', requested: { type: 'ServerStopRequested', data: { ...order('o'), taskState: 'powering-off' } }, finished: { type: 'ServerStopped', data: done('o', 'stopped', 4) }, step: 'compute_stop_instance' },
    { name: 'start', requested: { type: 'ServerStartRequested', data: { ...order('o'), taskState: 'powering-on' } }, finished: { type: 'ServerStarted', data: done('o', 'active', 1) }, step: 'compute_start_instance' },
    {
      name: 'reboot',
      requested: { type: 'ServerRebootRequested', data: { ...order('o'), taskState: 'rebooting', rebootType: 'SOFT' } },
      finished: { type: 'ServerRebooted', data: done('o', 'active', 1) },
      step: 'compute_reboot_instance',
    },
    { name: 'pause', requested: { type: 'ServerPauseRequested', data: { ...order('o'), taskState: 'pausing' } }, finished: { type: 'ServerPaused', data: done('o', 'paused', 3) }, step: 'compute_pause_instance' },
    { name: 'unpause', requested: { type: 'ServerUnpauseRequested', data: { ...order('o'), taskState: 'unpausing' } }, finished: { type: 'ServerUnpaused', data: done('o', 'active', 1) }, step: 'compute_unpause_instance' },
    { name: 'suspend', requested: { type: 'ServerSuspendRequested', data: { ...order('o'), taskState: 'suspending' } }, finished: { type: 'ServerSuspended', data: done('o', 'suspended', 7) }, step: 'compute_suspend_instance' },
    { name: 'resume', requested: { type: 'ServerResumeRequested', data: { ...order('o'), taskState: 'resuming' } }, finished: { type: 'ServerResumed', data: done('o', 'active', 1) }, step: 'compute_resume_instance' },
    {
      name: 'rebuild',
      requested: { type: 'ServerRebuildRequested', data: { ...order('o'), taskState: 'rebuilding', image: spec.image, name: 'vm-1', metadata: {}, description: null, keyName: null, keyData: null } },
      finished: { type: 'ServerRebuilt', data: { ...done('o', 'active', 1), launchedAt: at(9) } },
      step: 'compute_rebuild_instance',
    },
  ];

  for (const a of agentActions) {
    it(`records ${a.name} keyed on its order id, its step ${a.step} on the host`, () => {
      expect(action([a.requested], 'o')).toMatchObject({ action: a.name, request_id: 'o', user_id: 'u1', project_id: 'p1', start_time: at(T + 1), updated_at: at(T + 1), message: null, events: [step(a.step, T + 1, null, 'h1')] });
      expect(action([a.requested, a.finished], 'o')).toMatchObject({ updated_at: at(T + 2), message: null, events: [step(a.step, T + 1, T + 2, 'h1')] });
    });
  }

  it('marks the open step Error with the failure and the action Error when the agent fails', () => {
    const failed: ServerEvent = { type: 'ServerActionFailed', data: { serverId: ID, orderId: 'o', action: 'stop', message: 'libvirt said no', vmState: 'active', powerState: 1, releasedClaimId: null, releasedHost: null } };
    expect(action([agentActions[0].requested, failed], 'o')).toMatchObject({ message: 'Error', updated_at: at(T + 2), events: [step('compute_stop_instance', T + 1, T + 2, 'h1', 'libvirt said no')] });
  });

  it('records the requester of an action, e.g. an admin', () => {
    expect(action([agentActions[0].requested], 'o', ADMIN)).toMatchObject({ user_id: 'admin-u', project_id: 'admin-p' });
  });

  describe('resize', () => {
    const SMALL = flavor('small', 2);
    const requested: ServerEvent = { type: 'ServerResizeRequested', data: { ...order('rs'), taskState: 'resize_prep', newFlavor: SMALL } };
    const claimed: ServerEvent = { type: 'ServerResizeClaimed', data: { serverId: ID, orderId: 'rs', host: 'h2', node: 'h2', claimId: 'c2', taskState: 'resize_migrating' } };
    const resized: ServerEvent = { type: 'ServerResized', data: { ...done('rs', 'active', 1), vmState: 'resized', host: 'h2', node: 'h2', oldFlavor: spec.flavor, flavor: SMALL } };

    it("records Nova's steps: conductor_migrate_server, prep_resize on the destination, resize_instance on the source, finish_resize on the destination", () => {
      expect(action([requested], 'rs')).toMatchObject({ action: 'resize', events: [step('conductor_migrate_server', T + 1, null, null), step('cold_migrate', T + 1, null, null)] });
      expect(action([requested, claimed, resized], 'rs')?.events).toEqual([
        step('conductor_migrate_server', T + 1, T + 2, null),
        step('cold_migrate', T + 1, T + 2, null),
        step('compute_prep_resize', T + 2, T + 2, 'h2'),
        step('compute_resize_instance', T + 2, T + 3, 'h1'),
        step('compute_finish_resize', T + 3, T + 3, 'h2'),
      ]);
    });

    it('fails the conductor step when the resize fails before a claim, the resize step after', () => {
      const failed: ServerEvent = { type: 'ServerActionFailed', data: { serverId: ID, orderId: 'rs', action: 'resize', message: 'No valid host', vmState: 'active', powerState: 1, releasedClaimId: null, releasedHost: null } };
      expect(action([requested, failed], 'rs')?.events).toEqual([step('conductor_migrate_server', T + 1, T + 2, null, 'No valid host'), step('cold_migrate', T + 1, T + 2, null, 'No valid host')]);
      expect(action([requested, claimed, failed], 'rs')?.events.at(-1)).toEqual(step('compute_resize_instance', T + 2, T + 3, 'h1', 'No valid host'));
    });

    it('records confirmResize keyed on its request id, its step on the source host', () => {
      const confirmed: ServerEvent = { type: 'ServerResizeConfirmed', data: { serverId: ID, vmState: 'active', releasedClaimId: 'c1', sourceHost: 'h1' } };
      const rows = project([requested, claimed, resized, confirmed]);
      expect(rows.get(INSTANCE_ACTIONS_TABLE, `${ID}|req-${T + 3}`)).toMatchObject({
        action: 'confirmResize',
        request_id: `req-${T + 3}`,
        events: [step('compute_confirm_resize', T + 4, T + 4, 'h1')],
      });
    });

    it('records revertResize: revert_resize on the destination, finish_revert_resize on the source', () => {
      const revert: ServerEvent = { type: 'ServerRevertResizeRequested', data: { serverId: ID, orderId: 'rv', host: 'h2', taskState: 'resize_reverting' } };
      const reverted: ServerEvent = {
        type: 'ServerResizeReverted',
        data: { ...done('rv', 'active', 1), host: 'h1', node: 'h1', flavor: spec.flavor, releasedClaimId: 'c2', releasedHost: 'h2' },
      };
      expect(action([requested, claimed, resized, revert, reverted], 'rv')).toMatchObject({
        action: 'revertResize',
        events: [step('compute_revert_resize', T + 4, T + 5, 'h2'), step('compute_finish_revert_resize', T + 5, T + 5, 'h1')],
      });
    });
  });

  it("records lock and unlock keyed on their request ids, each with the API's step", () => {
    const rows = project([
      { type: 'ServerLocked', data: { serverId: ID, reason: null, lockedBy: 'owner' } },
      { type: 'ServerUnlocked', data: { serverId: ID } },
    ]);
    expect(rows.get(INSTANCE_ACTIONS_TABLE, `${ID}|req-${T}`)).toMatchObject({ action: 'lock', request_id: `req-${T}`, events: [step('api_lock', T + 1, T + 1, null)] });
    expect(rows.get(INSTANCE_ACTIONS_TABLE, `${ID}|req-${T + 1}`)).toMatchObject({ action: 'unlock', events: [step('api_unlock', T + 2, T + 2, null)] });
  });

  it('records os-resetState as a resetState action with no step, keyed on its request id', () => {
    const rows = project([{ type: 'ServerStateReset', data: { serverId: ID, vmState: 'error', taskState: null, previousVmState: 'active', previousTaskState: null } }]);
    expect(rows.get(INSTANCE_ACTIONS_TABLE, `${ID}|req-${T}`)).toMatchObject({ action: 'resetState', request_id: `req-${T}`, events: [] });
  });

  it('records nothing for edits of the server and power changes Strata did not cause', () => {
    const rows = project([
      { type: 'ServerUpdated', data: { serverId: ID, name: 'x' } },
      { type: 'ServerMetadataChanged', data: { serverId: ID, metadata: { a: 'b' } } },
      { type: 'ServerTagsChanged', data: { serverId: ID, tags: ['t'] } },
      { type: 'ServerPowerStateChanged', data: { serverId: ID, powerState: 4, vmState: 'stopped' } },
    ]);
    expect([...rows.tables.get(INSTANCE_ACTIONS_TABLE)!.keys()]).toEqual([`${ID}|create`]);
    expect(projection.eventTypes).not.toContain('ServerUpdated');
  });

  it('ignores an event it has already applied (a redelivered batch)', () => {
    const events = recorded([agentActions[0].requested, agentActions[0].finished]);
    const rows = projectInMemory(projection, events);
    projectInMemory(projection, events.slice(1), rows);
    expect((rows.get(INSTANCE_ACTIONS_TABLE, `${ID}|create`) as InstanceActionRow).events).toHaveLength(1);
    expect((rows.get(INSTANCE_ACTIONS_TABLE, `${ID}|o`) as InstanceActionRow).events).toEqual([step('compute_stop_instance', T + 1, T + 2, 'h1')]);
  });
});
