import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { Conflict, DomainError, Forbidden, InvalidInput, InvalidState, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { FlavorSnapshot } from '../flavor-spec';
import { serverStream } from '../streams';
import { POWER } from '../vm-states';
import { PowerAction, ServerAction, ServerCommand, serverDecider, ServerEvent, ServerImage, ServerSpec } from '.';

const ID = '6f0a6c4e-0000-4000-8000-000000000001';
const REQ = 'req-00000000-0000-4000-8000-000000000099';
const metadata = { requestId: REQ, correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(serverDecider);

const flavor = (id: string, rootGb = 1, vcpus = 1): FlavorSnapshot => ({
  id,
  name: `f-${id}`,
  vcpus,
  memoryMb: 512,
  rootGb,
  ephemeralGb: 0,
  swapMb: 0,
  rxtxFactor: 1,
  isPublic: true,
  description: null,
  extraSpecs: {},
});
const TINY = flavor('tiny');
const SMALL = flavor('small', 2, 2);
const image = (id = 'img-1'): ServerImage => ({ id, name: 'cirros', properties: {}, diskFormat: 'qcow2', minDisk: 0, minRam: 0 });

const serverSpec: ServerSpec = {
  serverId: ID,
  name: 'vm-1',
  description: null,
  projectId: 'p1',
  userId: 'u1',
  flavor: TINY,
  image: image(),
  keyName: null,
  keyData: null,
  metadata: { role: 'web' },
  availabilityZone: null,
  requestedHost: null,
  serverGroupId: null,
  hints: { sameHost: [], differentHost: [] },
  reservationId: 'r-abcdefgh',
  launchIndex: 0,
  hostname: 'vm-1',
  instanceName: 'instance-00000001',
  accessIPv4: null,
  accessIPv6: null,
  userData: null,
  configDrive: '',
  tags: [],
};

// Commands
const cmd = <T extends ServerCommand['type']>(type: T, data: Extract<ServerCommand, { type: T }>['data']): ServerCommand => ({ type, data, metadata }) as ServerCommand;
const create = cmd('CreateServer', serverSpec);
const action = (a: PowerAction, byAdmin = false, rebootType?: 'SOFT' | 'HARD') => cmd('RequestServerAction', { serverId: ID, action: a, byAdmin, ...(rebootType ? { rebootType } : {}) });
const complete = (a: ServerAction, orderId = REQ, powerState: 0 | 1 | 3 | 4 | 6 | 7 = POWER.RUNNING) => cmd('CompleteServerAction', { serverId: ID, orderId, action: a, powerState });
const fail = (a: ServerAction, orderId = REQ) => cmd('FailServerAction', { serverId: ID, orderId, action: a, message: 'boom' });
const del = (byAdmin = false) => cmd('DeleteServer', { serverId: ID, force: false, byAdmin });

// Events
const created: ServerEvent = { type: 'ServerCreationRequested', data: { ...serverSpec, vmState: 'building', taskState: 'scheduling', powerState: POWER.NOSTATE } };
const scheduled = (host = 'h1', claimId = 'c1', attempt = 1): ServerEvent => ({ type: 'ServerScheduled', data: { serverId: ID, host, node: host, availabilityZone: 'nova', claimId, attempt, taskState: 'spawning' } });
const rescheduled = (attempt = 2, previousHost = 'h1'): ServerEvent => ({ type: 'ServerRescheduled', data: { serverId: ID, attempt, previousHost, reason: 'spawn failed', taskState: 'scheduling' } });
const spawned = (host = 'h1'): ServerEvent => ({ type: 'ServerSpawned', data: { serverId: ID, host, vmState: 'active', powerState: POWER.RUNNING, launchedAt: FIXED_NOW } });
const buildFailed: ServerEvent = { type: 'ServerBuildFailed', data: { serverId: ID, fault: { code: 500, message: 'No valid host was found. ', details: '', created: FIXED_NOW }, vmState: 'error' } };
const requested = (type: 'ServerStopRequested' | 'ServerStartRequested' | 'ServerPauseRequested' | 'ServerUnpauseRequested' | 'ServerSuspendRequested' | 'ServerResumeRequested', taskState: string, orderId = REQ, host = 'h1'): ServerEvent =>
  ({ type, data: { serverId: ID, orderId, host, taskState } }) as ServerEvent;
const done = (type: 'ServerStopped' | 'ServerStarted' | 'ServerRebooted' | 'ServerPaused' | 'ServerUnpaused' | 'ServerSuspended' | 'ServerResumed', vmState: string, powerState: number, orderId = REQ): ServerEvent =>
  ({ type, data: { serverId: ID, orderId, vmState, powerState } }) as ServerEvent;
const locked = (lockedBy: 'owner' | 'admin' = 'owner', reason: string | null = null): ServerEvent => ({ type: 'ServerLocked', data: { serverId: ID, reason, lockedBy } });
const deletionRequested = (host: string | null = 'h1', orderId = REQ): ServerEvent => ({ type: 'ServerDeletionRequested', data: { serverId: ID, orderId, host, force: false, taskState: 'deleting' } });
const deleted = (host: string | null, claims: { host: string; claimId: string }[], orderId: string | null = REQ): ServerEvent => ({
  type: 'ServerDeleted',
  data: { serverId: ID, orderId, projectId: 'p1', host, claims, serverGroupId: null, vmState: 'deleted', terminatedAt: FIXED_NOW },
});
const resizeRequested = (orderId = 'req-resize'): ServerEvent => ({ type: 'ServerResizeRequested', data: { serverId: ID, orderId, host: 'h1', taskState: 'resize_prep', newFlavor: SMALL, oldFlavorId: 'tiny' } });
const resizeClaimed = (host = 'h2', orderId = 'req-resize'): ServerEvent => ({ type: 'ServerResizeClaimed', data: { serverId: ID, orderId, host, node: host, claimId: 'c2', taskState: 'resize_migrating' } });
const resized = (host = 'h2', orderId = 'req-resize'): ServerEvent => ({
  type: 'ServerResized',
  data: { serverId: ID, orderId, vmState: 'resized', powerState: POWER.RUNNING, host, node: host, oldFlavor: TINY, flavor: SMALL },
});

const BUILDING = [created];
const SPAWNING = [created, scheduled()];
const ACTIVE = [created, scheduled(), spawned()];
const STOPPED = [...ACTIVE, requested('ServerStopRequested', 'powering-off', 'req-stop'), done('ServerStopped', 'stopped', POWER.SHUTDOWN, 'req-stop')];
const PAUSED = [...ACTIVE, requested('ServerPauseRequested', 'pausing', 'req-pause'), done('ServerPaused', 'paused', POWER.PAUSED, 'req-pause')];
const SUSPENDED = [...ACTIVE, requested('ServerSuspendRequested', 'suspending', 'req-s'), done('ServerSuspended', 'suspended', POWER.SUSPENDED, 'req-s')];
const ERROR = [created, buildFailed];
const RESIZED = [...ACTIVE, resizeRequested(), resizeClaimed(), resized()];
const DELETED = [...ACTIVE, deletionRequested('h1', 'req-del'), deleted('h1', [{ host: 'h1', claimId: 'c1' }], 'req-del')];

const message = (text: string) => (e: DomainError) => expect(e.message).toBe(text);
const cannot = (act: string, attr: string, value: string) => message(`Cannot '${act}' instance ${ID} while it is in ${attr} ${value}`);

describe('server', () => {
  it('lives on the server-<id> stream', () => {
    expect(serverStream(ID)).toBe(`server-${ID}`);
  });

  describe('CreateServer', () => {
    it('records the request as building/scheduling with no power state', () => {
      spec.given([]).when(create).then([created]);
    });

    it('refuses a second creation with the same id', () => {
      spec.given(BUILDING).when(create).thenThrows(Conflict);
    });
  });

  describe('every command on an unknown server', () => {
    it('answers Nova InstanceNotFound', () => {
      spec.given([]).when(action('stop')).thenThrows(NotFound, message(`Instance ${ID} could not be found.`));
    });

    it('treats a deleted server as gone', () => {
      spec.given(DELETED).when(action('start')).thenThrows(NotFound);
      spec.given(DELETED).when(cmd('UpdateServer', { serverId: ID, name: 'x', byAdmin: false })).thenThrows(NotFound);
    });
  });

  describe('build facts', () => {
    it('records the host the conductor scheduled and moves to spawning', () => {
      spec.given(BUILDING).when(cmd('RecordServerScheduled', { serverId: ID, host: 'h1', node: 'h1', availabilityZone: 'nova', claimId: 'c1', attempt: 1 })).then([scheduled()]);
    });

    it('ignores a repeated scheduling of the same claim', () => {
      spec.given(SPAWNING).when(cmd('RecordServerScheduled', { serverId: ID, host: 'h1', node: 'h1', availabilityZone: 'nova', claimId: 'c1', attempt: 1 })).thenNothingHappens();
    });

    it('ignores the scheduling of an earlier attempt repeated after a reschedule', () => {
      spec
        .given([...SPAWNING, rescheduled(2)])
        .when(cmd('RecordServerScheduled', { serverId: ID, host: 'h1', node: 'h1', availabilityZone: 'nova', claimId: 'c1', attempt: 1 }))
        .thenNothingHappens();
    });

    it('reschedules: back to scheduling, off the host', () => {
      spec.given(SPAWNING).when(cmd('RecordServerRescheduled', { serverId: ID, attempt: 2, previousHost: 'h1', reason: 'spawn failed' })).then([rescheduled(2)]);
    });

    it('ignores a reschedule it has already recorded', () => {
      spec.given([...SPAWNING, rescheduled(2)]).when(cmd('RecordServerRescheduled', { serverId: ID, attempt: 2, previousHost: 'h1', reason: 'spawn failed' })).thenNothingHappens();
    });

    it('turns active and running when the agent reports the spawn, launched now', () => {
      spec.given(SPAWNING).when(cmd('RecordServerSpawned', { serverId: ID, host: 'h1', powerState: POWER.RUNNING })).then([spawned()]);
    });

    it('refuses a spawn report from a host the server is not on (a stale attempt)', () => {
      spec.given([...SPAWNING, rescheduled(2), scheduled('h2', 'c2', 2)]).when(cmd('RecordServerSpawned', { serverId: ID, host: 'h1', powerState: POWER.RUNNING })).thenThrows(InvalidState);
    });

    it('refuses build facts once the server is active', () => {
      spec.given(ACTIVE).when(cmd('RecordServerSpawned', { serverId: ID, host: 'h1', powerState: POWER.RUNNING })).thenThrows(InvalidState, cannot('spawn', 'vm_state', 'active'));
    });

    it('refuses build facts while the server is being deleted, so the saga releases its claim', () => {
      const history = [...SPAWNING, deletionRequested()];
      spec.given(history).when(cmd('RecordServerSpawned', { serverId: ID, host: 'h1', powerState: POWER.RUNNING })).thenThrows(InvalidState, cannot('spawn', 'task_state', 'deleting'));
      spec.given([created, deletionRequested(null)]).when(cmd('RecordServerScheduled', { serverId: ID, host: 'h1', node: 'h1', availabilityZone: 'nova', claimId: 'c1', attempt: 1 })).thenThrows(InvalidState);
    });

    it('fails the build into ERROR with the fault, created now', () => {
      spec.given(BUILDING).when(cmd('FailServerBuild', { serverId: ID, fault: { code: 500, message: 'No valid host was found. ', details: '' } })).then([buildFailed]);
    });

    it('ignores a build failure once the server left building or is being deleted', () => {
      const failBuild = cmd('FailServerBuild', { serverId: ID, fault: { code: 500, message: 'x', details: '' } });
      spec.given(ACTIVE).when(failBuild).thenNothingHappens();
      spec.given(ERROR).when(failBuild).thenNothingHappens();
      spec.given([...SPAWNING, deletionRequested()]).when(failBuild).thenNothingHappens();
    });
  });

  describe('UpdateServer', () => {
    it('records only the fields that change', () => {
      spec
        .given(ACTIVE)
        .when(cmd('UpdateServer', { serverId: ID, name: 'vm-1', description: 'web', accessIPv4: '10.0.0.1', byAdmin: false }))
        .then([{ type: 'ServerUpdated', data: { serverId: ID, description: 'web', accessIPv4: '10.0.0.1' } }]);
    });

    it('does nothing when nothing changes', () => {
      spec.given(ACTIVE).when(cmd('UpdateServer', { serverId: ID, name: 'vm-1', byAdmin: false })).thenNothingHappens();
    });
  });

  describe('ChangeServerMetadata', () => {
    const change = (data: { set?: Record<string, string>; remove?: string[]; replace?: boolean }, byAdmin = false) =>
      cmd('ChangeServerMetadata', { serverId: ID, set: data.set ?? {}, remove: data.remove ?? [], replace: data.replace ?? false, byAdmin });

    it('merges items into the metadata', () => {
      spec.given(ACTIVE).when(change({ set: { fx: '1' } })).then([{ type: 'ServerMetadataChanged', data: { serverId: ID, metadata: { role: 'web', fx: '1' } } }]);
    });

    it('replaces the whole set', () => {
      spec.given(ACTIVE).when(change({ set: { only: 'this' }, replace: true })).then([{ type: 'ServerMetadataChanged', data: { serverId: ID, metadata: { only: 'this' } } }]);
    });

    it('deletes a key, and 404s a key that is not there', () => {
      spec.given(ACTIVE).when(change({ remove: ['role'] })).then([{ type: 'ServerMetadataChanged', data: { serverId: ID, metadata: {} } }]);
      spec.given(ACTIVE).when(change({ remove: ['missing'] })).thenThrows(NotFound, message('Metadata item was not found'));
    });

    it('does nothing when the metadata stays the same', () => {
      spec.given(ACTIVE).when(change({ set: { role: 'web' } })).thenNothingHappens();
    });

    it('works on stopped, paused and suspended servers', () => {
      for (const history of [STOPPED, PAUSED, SUSPENDED]) spec.given(history).when(change({ set: { a: 'b' } })).then([{ type: 'ServerMetadataChanged', data: { serverId: ID, metadata: { role: 'web', a: 'b' } } }]);
    });

    it('refuses a locked server to its owner, not to an admin', () => {
      spec.given([...ACTIVE, locked()]).when(change({ set: { a: 'b' } })).thenThrows(Conflict, message(`Instance ${ID} is locked`));
      spec.given([...ACTIVE, locked()]).when(change({ set: { a: 'b' } }, true)).then([{ type: 'ServerMetadataChanged', data: { serverId: ID, metadata: { role: 'web', a: 'b' } } }]);
    });

    it("refuses building and error servers and running tasks with Nova's 'update metadata' / 'delete metadata' 409", () => {
      spec.given(BUILDING).when(change({ set: { a: 'b' } })).thenThrows(InvalidState, cannot('update metadata', 'vm_state', 'building'));
      spec.given(ERROR).when(change({ remove: ['role'] })).thenThrows(InvalidState, cannot('delete metadata', 'vm_state', 'error'));
      spec.given([...ACTIVE, requested('ServerStopRequested', 'powering-off')]).when(change({ set: { a: 'b' } })).thenThrows(InvalidState, cannot('update metadata', 'task_state', 'powering-off'));
    });
  });

  describe('LockServer / UnlockServer', () => {
    it('locks with the reason, by the owner or an admin', () => {
      spec.given(ACTIVE).when(cmd('LockServer', { serverId: ID, reason: 'maintenance', byAdmin: false })).then([locked('owner', 'maintenance')]);
      spec.given(ACTIVE).when(cmd('LockServer', { serverId: ID, reason: null, byAdmin: true })).then([locked('admin')]);
    });

    it("ignores the owner's lock of a locked server; an admin takes the lock over (nova/compute/api.py lock)", () => {
      spec.given([...ACTIVE, locked()]).when(cmd('LockServer', { serverId: ID, reason: null, byAdmin: false })).thenNothingHappens();
      spec.given([...ACTIVE, locked()]).when(cmd('LockServer', { serverId: ID, reason: 'audit', byAdmin: true })).then([locked('admin', 'audit')]);
    });

    it('unlocks; unlocking an unlocked server does nothing', () => {
      spec.given([...ACTIVE, locked()]).when(cmd('UnlockServer', { serverId: ID, byAdmin: false })).then([{ type: 'ServerUnlocked', data: { serverId: ID } }]);
      spec.given(ACTIVE).when(cmd('UnlockServer', { serverId: ID, byAdmin: false })).thenNothingHappens();
    });

    it("refuses an owner the unlock of an admin's lock (unlock_override)", () => {
      spec.given([...ACTIVE, locked('admin')]).when(cmd('UnlockServer', { serverId: ID, byAdmin: false })).thenThrows(Forbidden);
      spec.given([...ACTIVE, locked('admin')]).when(cmd('UnlockServer', { serverId: ID, byAdmin: true })).then([{ type: 'ServerUnlocked', data: { serverId: ID } }]);
    });
  });

  describe('power actions', () => {
    const cases: { act: PowerAction; given: ServerEvent[]; type: string; task: string; done: string; vmState: string; power: 0 | 1 | 3 | 4 | 6 | 7 }[] = [
      { act: 'stop', given: ACTIVE, type: 'ServerStopRequested', task: 'powering-off', done: 'ServerStopped', vmState: 'stopped', power: POWER.SHUTDOWN },
      { act: 'start', given: STOPPED, type: 'ServerStartRequested', task: 'powering-on', done: 'ServerStarted', vmState: 'active', power: POWER.RUNNING },
      { act: 'pause', given: ACTIVE, type: 'ServerPauseRequested', task: 'pausing', done: 'ServerPaused', vmState: 'paused', power: POWER.PAUSED },
      { act: 'unpause', given: PAUSED, type: 'ServerUnpauseRequested', task: 'unpausing', done: 'ServerUnpaused', vmState: 'active', power: POWER.RUNNING },
      { act: 'suspend', given: ACTIVE, type: 'ServerSuspendRequested', task: 'suspending', done: 'ServerSuspended', vmState: 'suspended', power: POWER.SUSPENDED },
      { act: 'resume', given: SUSPENDED, type: 'ServerResumeRequested', task: 'resuming', done: 'ServerResumed', vmState: 'active', power: POWER.RUNNING },
    ];

    for (const c of cases) {
      describe(c.act, () => {
        const asked = { type: c.type, data: { serverId: ID, orderId: REQ, host: 'h1', taskState: c.task } } as ServerEvent;

        it(`orders the host to ${c.act}, the request id as order id`, () => {
          spec.given(c.given).when(action(c.act)).then([asked]);
        });

        it('records the outcome the agent reports', () => {
          spec.given([...c.given, asked]).when(complete(c.act, REQ, c.power)).then([{ type: c.done, data: { serverId: ID, orderId: REQ, vmState: c.vmState, powerState: c.power } } as ServerEvent]);
        });

        it('ignores a report of an order that is not pending (stale or repeated)', () => {
          spec.given([...c.given, asked]).when(complete(c.act, 'req-other', c.power)).thenNothingHappens();
          spec.given(c.given).when(complete(c.act, REQ, c.power)).thenNothingHappens();
        });

        it('refuses a locked server to its owner (409), not to an admin', () => {
          spec.given([...c.given, locked()]).when(action(c.act)).thenThrows(Conflict, message(`Instance ${ID} is locked`));
          spec.given([...c.given, locked()]).when(action(c.act, true)).then([asked]);
        });

        it('refuses while another task runs', () => {
          spec.given([...c.given, asked]).when(action(c.act)).thenThrows(InvalidState, cannot(c.act, 'task_state', c.task));
        });

        it('clears the task and keeps the state when the agent fails', () => {
          const before = c.given.reduce(serverDecider.evolve, serverDecider.initialState);
          const vmState = before.status === 'live' ? before.server.vmState : 'x';
          const power = before.status === 'live' ? before.server.powerState : 0;
          spec
            .given([...c.given, asked])
            .when(fail(c.act))
            .then([{ type: 'ServerActionFailed', data: { serverId: ID, orderId: REQ, action: c.act, message: 'boom', vmState, powerState: power, releasedClaimId: null, releasedHost: null } } as ServerEvent]);
        });
      });
    }

    it('refuses each action in a vm_state Nova does not allow it in', () => {
      spec.given(STOPPED).when(action('stop')).thenThrows(InvalidState, cannot('stop', 'vm_state', 'stopped'));
      spec.given(ACTIVE).when(action('start')).thenThrows(InvalidState, cannot('start', 'vm_state', 'active'));
      spec.given(PAUSED).when(action('pause')).thenThrows(InvalidState, cannot('pause', 'vm_state', 'paused'));
      spec.given(ACTIVE).when(action('unpause')).thenThrows(InvalidState, cannot('unpause', 'vm_state', 'active'));
      spec.given(STOPPED).when(action('suspend')).thenThrows(InvalidState, cannot('suspend', 'vm_state', 'stopped'));
      spec.given(ACTIVE).when(action('resume')).thenThrows(InvalidState, cannot('resume', 'vm_state', 'active'));
      spec.given(SPAWNING).when(action('pause')).thenThrows(InvalidState, cannot('pause', 'vm_state', 'building'));
    });

    it("stops an ERROR server on a host, but a server on no host is 'not ready' (check_instance_host; captured: server-no-valid-host #7)", () => {
      const errorOnHost = [...ACTIVE, { type: 'ServerPowerStateChanged', data: { serverId: ID, powerState: POWER.RUNNING, vmState: 'error' } } as ServerEvent];
      spec.given(errorOnHost).when(action('stop')).then([{ type: 'ServerStopRequested', data: { serverId: ID, orderId: REQ, host: 'h1', taskState: 'powering-off' } }]);
      spec.given(ERROR).when(action('stop')).thenThrows(InvalidState, message(`Instance ${ID} is not ready`));
      spec.given(BUILDING).when(action('start')).thenThrows(InvalidState, message(`Instance ${ID} is not ready`));
    });
  });

  describe('reboot', () => {
    const rebootRequested = (rebootType: 'SOFT' | 'HARD'): ServerEvent => ({
      type: 'ServerRebootRequested',
      data: { serverId: ID, orderId: REQ, host: 'h1', rebootType, taskState: rebootType === 'SOFT' ? 'rebooting' : 'rebooting_hard' },
    });

    it('soft-reboots an active server by default', () => {
      spec.given(ACTIVE).when(action('reboot')).then([rebootRequested('SOFT')]);
    });

    it('hard-reboots stopped, paused and suspended servers', () => {
      for (const history of [STOPPED, PAUSED, SUSPENDED]) spec.given(history).when(action('reboot', false, 'HARD')).then([rebootRequested('HARD')]);
    });

    it('refuses a soft reboot of a stopped server', () => {
      spec.given(STOPPED).when(action('reboot', false, 'SOFT')).thenThrows(InvalidState, cannot('reboot', 'vm_state', 'stopped'));
    });

    it('forces a stuck soft reboot hard, but not the other way round', () => {
      spec.given([...ACTIVE, rebootRequested('SOFT')]).when(action('reboot', false, 'HARD')).then([rebootRequested('HARD')]);
      spec.given([...ACTIVE, rebootRequested('HARD')]).when(action('reboot', false, 'SOFT')).thenThrows(InvalidState, cannot('reboot', 'task_state', 'rebooting_hard'));
    });

    it('ends active when done', () => {
      spec.given([...ACTIVE, rebootRequested('SOFT')]).when(complete('reboot')).then([done('ServerRebooted', 'active', POWER.RUNNING)]);
    });

    it('refuses a locked server', () => {
      spec.given([...ACTIVE, locked()]).when(action('reboot')).thenThrows(Conflict);
    });

    it("refuses a hard reboot of a server that never launched with Nova's stateless message (captured: server-no-valid-host #8)", () => {
      spec.given(ERROR).when(action('reboot', false, 'HARD')).thenThrows(InvalidState, message(`Instance ${ID} is in an invalid state for 'reboot'`));
    });
  });

  describe('rebuild', () => {
    const rebuild = (data: Partial<{ name: string; metadata: Record<string, string> }> = {}, byAdmin = false) => cmd('RebuildServer', { serverId: ID, image: image('img-2'), byAdmin, ...data });
    const rebuildRequested = (name = 'vm-1', md: Record<string, string> = { role: 'web' }): ServerEvent => ({
      type: 'ServerRebuildRequested',
      data: { serverId: ID, orderId: REQ, host: 'h1', taskState: 'rebuilding', image: image('img-2'), name, metadata: md, description: null, keyName: null, keyData: null },
    });

    it('keeps what is not given and replaces what is', () => {
      spec.given(ACTIVE).when(rebuild()).then([rebuildRequested()]);
      spec.given(ACTIVE).when(rebuild({ name: 'new', metadata: {} })).then([rebuildRequested('new', {})]);
    });

    it('relaunches the server active, or stopped again when it was stopped', () => {
      spec
        .given([...ACTIVE, rebuildRequested()])
        .when(complete('rebuild'))
        .then([{ type: 'ServerRebuilt', data: { serverId: ID, orderId: REQ, vmState: 'active', powerState: POWER.RUNNING, launchedAt: FIXED_NOW } }]);
      spec
        .given([...STOPPED, rebuildRequested()])
        .when(complete('rebuild'))
        .then([{ type: 'ServerRebuilt', data: { serverId: ID, orderId: REQ, vmState: 'stopped', powerState: POWER.SHUTDOWN, launchedAt: FIXED_NOW } }]);
    });

    it('refuses paused servers, locked servers, and servers never launched (must_have_launched)', () => {
      spec.given(PAUSED).when(rebuild()).thenThrows(InvalidState, cannot('rebuild', 'vm_state', 'paused'));
      spec.given([...ACTIVE, locked()]).when(rebuild()).thenThrows(Conflict);
      spec.given(ERROR).when(rebuild()).thenThrows(InvalidState, message(`Instance ${ID} is in an invalid state for 'rebuild'`));
    });
  });

  describe('resize', () => {
    const resize = (f: FlavorSnapshot = SMALL, byAdmin = false) => ({ type: 'ResizeServer', data: { serverId: ID, flavor: f, byAdmin }, metadata: { ...metadata, requestId: 'req-resize' } }) as ServerCommand;
    const confirm = (byAdmin = false) => cmd('ConfirmServerResize', { serverId: ID, byAdmin });
    const revert = (byAdmin = false) => ({ type: 'RevertServerResize', data: { serverId: ID, byAdmin }, metadata: { ...metadata, requestId: 'req-revert' } }) as ServerCommand;
    const revertRequested: ServerEvent = { type: 'ServerRevertResizeRequested', data: { serverId: ID, orderId: 'req-revert', host: 'h2', taskState: 'resize_reverting' } };

    it('asks for the new flavor in resize_prep', () => {
      spec.given(ACTIVE).when(resize()).then([resizeRequested()]);
      spec.given(STOPPED).when(resize()).then([{ ...resizeRequested(), data: { ...(resizeRequested().data as object), host: 'h1' } } as ServerEvent]);
    });

    it('refuses the same flavor and a smaller disk (400)', () => {
      spec.given(ACTIVE).when(resize(TINY)).thenThrows(InvalidInput, message('When resizing, instances must change flavor!'));
      spec.given([...ACTIVE, ...[]]).when(resize(flavor('zero', 0))).thenThrows(InvalidInput, message('Server disk was unable to be resized because: Resize to zero disk flavor is not allowed.'));
    });

    it('refuses paused and locked servers', () => {
      spec.given(PAUSED).when(resize()).thenThrows(InvalidState, cannot('resize', 'vm_state', 'paused'));
      spec.given([...ACTIVE, locked()]).when(resize()).thenThrows(Conflict);
    });

    it('records the claim of the new flavor once, for the pending order only', () => {
      const claim = (orderId = 'req-resize') => cmd('RecordResizeClaimed', { serverId: ID, orderId, host: 'h2', node: 'h2', claimId: 'c2' });
      spec.given([...ACTIVE, resizeRequested()]).when(claim()).then([resizeClaimed()]);
      spec.given([...ACTIVE, resizeRequested(), resizeClaimed()]).when(claim()).thenNothingHappens();
      spec.given([...ACTIVE, resizeRequested()]).when(claim('req-other')).thenNothingHappens();
    });

    it('moves to the new host and flavor in VERIFY_RESIZE when the agent is done, only once claimed', () => {
      spec.given([...ACTIVE, resizeRequested(), resizeClaimed()]).when(complete('resize', 'req-resize')).then([resized()]);
      spec.given([...ACTIVE, resizeRequested()]).when(complete('resize', 'req-resize')).thenNothingHappens();
    });

    it('confirms: back to active, the old claim released on the source host', () => {
      spec.given(RESIZED).when(confirm()).then([{ type: 'ServerResizeConfirmed', data: { serverId: ID, vmState: 'active', releasedClaimId: 'c1', sourceHost: 'h1', destHost: 'h2' } }]);
      // On its own host (the conductor's resize) there is no copy elsewhere to drop: no destHost.
      const sameHost = [...ACTIVE, resizeRequested(), resizeClaimed('h1'), resized('h1')];
      spec.given(sameHost).when(confirm()).then([{ type: 'ServerResizeConfirmed', data: { serverId: ID, vmState: 'active', releasedClaimId: 'c1', sourceHost: 'h1' } }]);
    });

    it('confirms a resize of a stopped server back to stopped', () => {
      const history = [...STOPPED, resizeRequested(), resizeClaimed(), { ...resized(), data: { ...(resized().data as object), powerState: POWER.SHUTDOWN } } as ServerEvent];
      spec.given(history).when(confirm()).then([{ type: 'ServerResizeConfirmed', data: { serverId: ID, vmState: 'stopped', releasedClaimId: 'c1', sourceHost: 'h1', destHost: 'h2' } }]);
    });

    it('refuses confirm and revert unless VERIFY_RESIZE, and when locked', () => {
      spec.given(ACTIVE).when(confirm()).thenThrows(InvalidState, cannot('confirmResize', 'vm_state', 'active'));
      spec.given(ACTIVE).when(revert()).thenThrows(InvalidState, cannot('revertResize', 'vm_state', 'active'));
      spec.given([...RESIZED, locked()]).when(confirm()).thenThrows(Conflict);
      spec.given([...RESIZED, locked()]).when(revert()).thenThrows(Conflict);
    });

    it('reverts: orders the destination host, then returns to the source with the old flavor, the new claim released', () => {
      spec.given(RESIZED).when(revert()).then([revertRequested]);
      spec
        .given([...RESIZED, revertRequested])
        .when(complete('revertResize', 'req-revert'))
        .then([
          {
            type: 'ServerResizeReverted',
            data: { serverId: ID, orderId: 'req-revert', vmState: 'active', powerState: POWER.RUNNING, host: 'h1', node: 'h1', flavor: TINY, releasedClaimId: 'c2', releasedHost: 'h2' },
          },
        ]);
    });

    it('migrates (a cold migration): the same flavor, another host, 2.56 naming it; Nova’s refusals in its order', () => {
      const migrate = (host: string | null = null, hostKnown?: boolean) =>
        ({ type: 'MigrateServer', data: { serverId: ID, host, byAdmin: true, ...(hostKnown !== undefined ? { hostKnown } : {}) }, metadata: { ...metadata, requestId: 'req-move' } }) as ServerCommand;
      const asked = (extra: object = {}): ServerEvent =>
        ({ type: 'ServerResizeRequested', data: { serverId: ID, orderId: 'req-move', host: 'h1', taskState: 'resize_prep', newFlavor: TINY, oldFlavorId: 'tiny', migration: true, ...extra } }) as ServerEvent;
      spec.given(ACTIVE).when(migrate()).then([asked()]);
      spec.given(ACTIVE).when(migrate('h2', true)).then([asked({ requestedHost: 'h2' })]);
      spec.given(ACTIVE).when(migrate('h1', true)).thenThrows(InvalidInput, message('Cannot migrate to the host where the server exists.'));
      spec.given(ACTIVE).when(migrate('nowhere', false)).thenThrows(InvalidInput, message('Compute host nowhere could not be found.'));
      // The state first, as Nova's decorators run before the host is looked at.
      spec.given(PAUSED).when(migrate('nowhere', false)).thenThrows(InvalidState, cannot('migrate', 'vm_state', 'paused'));
      spec.given([...ACTIVE, locked()]).when({ ...migrate(), data: { serverId: ID, host: null, byAdmin: false } } as ServerCommand).thenThrows(Conflict);
    });

    it('records the source letting the guest go once, for a move only (resize_migrated)', () => {
      const movedOut = cmd('RecordMigratedOut', { serverId: ID, orderId: 'req-resize' });
      spec
        .given([...ACTIVE, resizeRequested(), resizeClaimed()])
        .when(movedOut)
        .then([{ type: 'ServerMigratedOut', data: { serverId: ID, orderId: 'req-resize', host: 'h1', taskState: 'resize_migrated' } }]);
      spec.given([...ACTIVE, resizeRequested(), resizeClaimed(), { type: 'ServerMigratedOut', data: { serverId: ID, orderId: 'req-resize', host: 'h1', taskState: 'resize_migrated' } }]).when(movedOut).thenNothingHappens();
      spec.given([...ACTIVE, resizeRequested(), resizeClaimed('h1')]).when(movedOut).thenNothingHappens();
    });

    it('refuses a second revert while one runs', () => {
      spec.given([...RESIZED, revertRequested]).when(revert()).thenThrows(InvalidState, cannot('revertResize', 'task_state', 'resize_reverting'));
    });

    it('releases the new claim when the agent fails the resize, and allows a new resize', () => {
      const history = [...ACTIVE, resizeRequested(), resizeClaimed()];
      spec.given(history).when(fail('resize', 'req-resize')).then([
        { type: 'ServerActionFailed', data: { serverId: ID, orderId: 'req-resize', action: 'resize', message: 'boom', vmState: 'active', powerState: POWER.RUNNING, releasedClaimId: 'c2', releasedHost: 'h2' } },
      ]);
      const failed: ServerEvent = { type: 'ServerActionFailed', data: { serverId: ID, orderId: 'req-resize', action: 'resize', message: 'boom', vmState: 'active', powerState: POWER.RUNNING, releasedClaimId: 'c2', releasedHost: 'h2' } };
      spec.given([...history, failed]).when(resize()).then([resizeRequested()]);
    });

    it('lists every claim of a server deleted in VERIFY_RESIZE', () => {
      spec.given([...RESIZED, deletionRequested('h2')]).when(cmd('CompleteServerDeletion', { serverId: ID })).then([
        deleted('h2', [
          { host: 'h2', claimId: 'c2' },
          { host: 'h1', claimId: 'c1' },
        ]),
      ]);
    });
  });

  describe('createImage', () => {
    const snap = () => ({ type: 'CreateServerImage', data: { serverId: ID, imageId: 'snap-1', imageName: 'snap', byAdmin: false }, metadata: { ...metadata, requestId: 'req-snap' } }) as ServerCommand;
    const requestedImage = (host = 'h1'): ServerEvent => ({ type: 'ServerImageRequested', data: { serverId: ID, orderId: 'req-snap', host, taskState: 'image_snapshot_pending', imageId: 'snap-1', imageName: 'snap', requester: { userId: 'u1', projectId: 'p1' } } });

    it('asks the host for a copy of an active, stopped, paused or suspended server, locked or not (Nova does not check the lock)', () => {
      for (const history of [ACTIVE, STOPPED, PAUSED, SUSPENDED, [...ACTIVE, locked()]]) spec.given(history).when(snap()).then([requestedImage()]);
    });

    it("records who asked: an admin of another project makes the image for their own project", () => {
      const admin = { userId: 'admin-u', projectId: 'admin-p', domainId: 'default', roles: ['admin'] };
      spec.given(ACTIVE).when({ ...snap(), metadata: { ...metadata, requestId: 'req-snap', actor: admin } } as ServerCommand).then([
        { ...requestedImage(), data: { ...(requestedImage().data as object), requester: { userId: 'admin-u', projectId: 'admin-p' } } } as ServerEvent,
      ]);
    });

    it('refuses a building server and one busy with another task', () => {
      spec.given([created]).when(snap()).thenThrows(InvalidState, cannot('createImage', 'vm_state', 'building'));
      spec.given([...ACTIVE, requestedImage()]).when(snap()).thenThrows(InvalidState, cannot('createImage', 'task_state', 'image_snapshot_pending'));
    });

    it('names the image of a createImage cut short by a deletion, which goes', () => {
      spec.given([...ACTIVE, requestedImage()]).when(del()).then([{ ...deletionRequested('h1'), data: { ...(deletionRequested('h1').data as object), abandonedImageId: 'snap-1' } } as ServerEvent]);
    });

    it('leaves the server as it was once the copy is stored; a failure names the image, which goes', () => {
      spec.given([...PAUSED, requestedImage()]).when(complete('createImage', 'req-snap', POWER.PAUSED)).then([
        { type: 'ServerImageCreated', data: { serverId: ID, orderId: 'req-snap', vmState: 'paused', powerState: POWER.PAUSED, imageId: 'snap-1' } },
      ]);
      spec.given([...ACTIVE, requestedImage()]).when(fail('createImage', 'req-snap')).then([
        { type: 'ServerActionFailed', data: { serverId: ID, orderId: 'req-snap', action: 'createImage', message: 'boom', vmState: 'active', powerState: POWER.RUNNING, releasedClaimId: null, releasedHost: null, imageId: 'snap-1' } },
      ]);
    });
  });

  describe('shelve, shelveOffload, unshelve', () => {
    const IMG = 'shelved-img-1';
    const shelve = (byAdmin = false) => ({ type: 'ShelveServer', data: { serverId: ID, imageId: IMG, byAdmin }, metadata: { ...metadata, requestId: 'req-shelve' } }) as ServerCommand;
    const offload = (orderId?: string, byAdmin = true) => cmd('ShelveOffloadServer', { serverId: ID, byAdmin, ...(orderId ? { orderId } : {}) });
    const unshelve = (data: Partial<Extract<ServerCommand, { type: 'UnshelveServer' }>['data']> = {}) =>
      ({ type: 'UnshelveServer', data: { serverId: ID, byAdmin: false, ...data }, metadata: { ...metadata, requestId: 'req-unshelve' } }) as ServerCommand;
    const shelveRequested = (host = 'h1'): ServerEvent => ({ type: 'ServerShelveRequested', data: { serverId: ID, orderId: 'req-shelve', host, taskState: 'shelving', imageId: IMG, imageName: 'vm-1-shelved', requester: { userId: 'u1', projectId: 'p1' } } });
    const shelved: ServerEvent = { type: 'ServerShelved', data: { serverId: ID, orderId: 'req-shelve', vmState: 'shelved', powerState: POWER.SHUTDOWN, imageId: IMG, imageDiskFormat: 'qcow2' } };
    const offloadRequested: ServerEvent = { type: 'ServerShelveOffloadRequested', data: { serverId: ID, orderId: 'req-shelve', host: 'h1', taskState: 'shelving_offloading' } };
    const offloaded: ServerEvent = { type: 'ServerShelveOffloaded', data: { serverId: ID, orderId: 'req-shelve', vmState: 'shelved_offloaded', powerState: POWER.SHUTDOWN, releasedClaimId: 'c1', releasedHost: 'h1' } };
    const SHELVED = [...ACTIVE, shelveRequested(), shelved];
    const OFFLOADED = [...SHELVED, offloadRequested, offloaded];
    const unshelveRequested = (extra: object = {}, host: string | null = null): ServerEvent =>
      ({ type: 'ServerUnshelveRequested', data: { serverId: ID, orderId: 'req-unshelve', host, taskState: 'unshelving', requestedHost: null, ...extra } }) as ServerEvent;
    const unshelveScheduled: ServerEvent = { type: 'ServerUnshelveScheduled', data: { serverId: ID, orderId: 'req-unshelve', host: 'h2', node: 'h2', availabilityZone: 'nova', claimId: 'c9', taskState: 'spawning' } };
    const scheduleUnshelve = (orderId = 'req-unshelve') => cmd('RecordUnshelveScheduled', { serverId: ID, orderId, host: 'h2', node: 'h2', availabilityZone: 'nova', claimId: 'c9' });

    it('shelves active, stopped, paused and suspended servers into the image named after the server', () => {
      for (const history of [ACTIVE, STOPPED, PAUSED, SUSPENDED]) spec.given(history).when(shelve()).then([shelveRequested()]);
    });

    it('refuses to shelve a locked server (409), a shelved one, and one never launched', () => {
      spec.given([...ACTIVE, locked()]).when(shelve()).thenThrows(Conflict);
      spec.given([...ACTIVE, locked()]).when(shelve(true)).then([shelveRequested()]);
      spec.given(SHELVED).when(shelve()).thenThrows(InvalidState, cannot('shelve', 'vm_state', 'shelved'));
      spec.given([...ACTIVE, shelveRequested()]).when(shelve()).thenThrows(InvalidState, cannot('shelve', 'task_state', 'shelving'));
      spec.given([created]).when(shelve()).thenThrows(InvalidState, cannot('shelve', 'vm_state', 'building'));
    });

    it('records SHELVED only with the stored copy of the disk, for the pending shelve', () => {
      const done = cmd('CompleteServerAction', { serverId: ID, orderId: 'req-shelve', action: 'shelve', powerState: POWER.SHUTDOWN, imageDiskFormat: 'qcow2' });
      spec.given([...ACTIVE, shelveRequested()]).when(done).then([shelved]);
      spec.given([...ACTIVE, shelveRequested()]).when(complete('shelve', 'req-shelve', POWER.SHUTDOWN)).thenNothingHappens();
      spec.given(SHELVED).when(done).thenNothingHappens();
    });

    it('offloads a SHELVED server only, as a step of the shelve when the conductor passes its order id; the claim is released', () => {
      spec.given(SHELVED).when(offload('req-shelve')).then([offloadRequested]);
      spec.given(ACTIVE).when(offload()).thenThrows(InvalidState, cannot('shelveOffload', 'vm_state', 'active'));
      spec.given(OFFLOADED).when(offload()).thenThrows(InvalidState, cannot('shelveOffload', 'vm_state', 'shelved_offloaded'));
      spec.given([...SHELVED, offloadRequested]).when(complete('shelveOffload', 'req-shelve', POWER.SHUTDOWN)).then([offloaded]);
    });

    it('unshelves a SHELVED server on its host, then deletes its image', () => {
      spec.given(SHELVED).when(unshelve()).then([unshelveRequested({}, 'h1')]);
      spec.given([...SHELVED, unshelveRequested({}, 'h1')]).when(complete('unshelve', 'req-unshelve')).then([
        { type: 'ServerUnshelved', data: { serverId: ID, orderId: 'req-unshelve', vmState: 'active', powerState: POWER.RUNNING, host: 'h1', node: 'h1', imageId: IMG } },
      ]);
    });

    it('refuses a zone or a host for a server that is not offloaded (UnshelveInstanceInvalidState, 409)', () => {
      const text = `Specifying an availability zone or a host when unshelving server "${ID}" with status "shelved" is not supported. The server status must be SHELVED_OFFLOADED.`;
      spec.given(SHELVED).when(unshelve({ availabilityZone: 'az1', zoneAvailable: true })).thenThrows(InvalidState, message(text));
      spec.given(SHELVED).when(unshelve({ host: 'h2', hostZone: 'nova', byAdmin: true })).thenThrows(InvalidState, message(text));
      spec.given(ACTIVE).when(unshelve()).thenThrows(InvalidState, cannot('unshelve', 'vm_state', 'active'));
    });

    it('checks the zone and the host of an offloaded server in Nova order: zone available, admin, host known, host in the zone', () => {
      spec.given(OFFLOADED).when(unshelve({ availabilityZone: 'nowhere', zoneAvailable: false })).thenThrows(InvalidInput, message('The requested availability zone is not available'));
      spec.given(OFFLOADED).when(unshelve({ host: 'h2', hostZone: 'nova' })).thenThrows(Forbidden);
      spec.given(OFFLOADED).when(unshelve({ host: 'hx', hostZone: null, byAdmin: true })).thenThrows(InvalidInput, message('Compute host hx could not be found.'));
      spec.given(OFFLOADED).when(unshelve({ host: 'h2', hostZone: 'az2', availabilityZone: 'az1', zoneAvailable: true, byAdmin: true })).thenThrows(Conflict, message('Host "h2" is not in the availability zone "az1".'));
      // The zone the server was created in counts when no zone is passed; null unpins it.
      const inAz1 = [{ ...created, data: { ...(created.data as object), availabilityZone: 'az1' } } as ServerEvent, ...OFFLOADED.slice(1)];
      spec.given(inAz1).when(unshelve({ host: 'h2', hostZone: 'az2', byAdmin: true })).thenThrows(Conflict, message('Host "h2" is not in the availability zone "az1".'));
      spec.given(inAz1).when(unshelve({ host: 'h2', hostZone: 'az2', availabilityZone: null, byAdmin: true })).then([unshelveRequested({ availabilityZone: null, requestedHost: 'h2' })]);
    });

    it('places an offloaded server once, takes the room back when the unshelve fails, and spawns it there', () => {
      const history = [...OFFLOADED, unshelveRequested()];
      spec.given(history).when(scheduleUnshelve()).then([unshelveScheduled]);
      spec.given([...history, unshelveScheduled]).when(scheduleUnshelve()).thenNothingHappens();
      spec.given(history).when(scheduleUnshelve('req-other')).thenNothingHappens();
      spec.given([...history, unshelveScheduled]).when(fail('unshelve', 'req-unshelve')).then([
        { type: 'ServerActionFailed', data: { serverId: ID, orderId: 'req-unshelve', action: 'unshelve', message: 'boom', vmState: 'shelved_offloaded', powerState: POWER.SHUTDOWN, releasedClaimId: 'c9', releasedHost: 'h2' } },
      ]);
      spec.given([...history, unshelveScheduled]).when(complete('unshelve', 'req-unshelve')).then([
        { type: 'ServerUnshelved', data: { serverId: ID, orderId: 'req-unshelve', vmState: 'active', powerState: POWER.RUNNING, host: 'h2', node: 'h2', imageId: IMG } },
      ]);
    });

    it('deletes an offloaded server locally, with its image; one being unshelved is destroyed on the host it was placed on', () => {
      const deletedWith = (host: string | null, claims: { host: string; claimId: string }[]) => {
        const d = deleted(host, claims);
        return { ...d, data: { ...(d.data as object), shelvedImageId: IMG } } as ServerEvent;
      };
      spec.given(OFFLOADED).when(del()).then([deletionRequested(null), deletedWith(null, [])]);
      spec.given([...OFFLOADED, unshelveRequested(), unshelveScheduled]).when(del()).then([deletionRequested('h2')]);
      spec.given([...OFFLOADED, unshelveRequested(), unshelveScheduled, deletionRequested('h2')]).when(cmd('CompleteServerDeletion', { serverId: ID })).then([deletedWith(null, [{ host: 'h2', claimId: 'c9' }])]);
    });
  });

  describe('SyncServerPowerState', () => {
    const sync = (powerState: 0 | 1 | 3 | 4 | 6 | 7, host = 'h1') => cmd('SyncServerPowerState', { serverId: ID, host, powerState });

    it('stops an active server whose guest shut down behind Strata', () => {
      spec.given(ACTIVE).when(sync(POWER.SHUTDOWN)).then([{ type: 'ServerPowerStateChanged', data: { serverId: ID, powerState: POWER.SHUTDOWN, vmState: 'stopped' } }]);
      spec.given(ACTIVE).when(sync(POWER.CRASHED)).then([{ type: 'ServerPowerStateChanged', data: { serverId: ID, powerState: POWER.CRASHED, vmState: 'stopped' } }]);
    });

    it('records a changed power state without changing vm_state otherwise', () => {
      spec.given(STOPPED).when(sync(POWER.RUNNING)).then([{ type: 'ServerPowerStateChanged', data: { serverId: ID, powerState: POWER.RUNNING, vmState: 'stopped' } }]);
    });

    it('ignores an unchanged state, a running task, and a report from another host', () => {
      spec.given(ACTIVE).when(sync(POWER.RUNNING)).thenNothingHappens();
      spec.given([...ACTIVE, requested('ServerStopRequested', 'powering-off')]).when(sync(POWER.SHUTDOWN)).thenNothingHappens();
      spec.given(ACTIVE).when(sync(POWER.SHUTDOWN, 'h9')).thenNothingHappens();
    });
  });

  describe('DeleteServer', () => {
    it('asks the host to destroy a placed server', () => {
      spec.given(ACTIVE).when(del()).then([deletionRequested()]);
    });

    it('deletes at once a server never placed on a host (Nova local delete), while building or in ERROR', () => {
      spec.given(BUILDING).when(del()).then([deletionRequested(null), deleted(null, [])]);
      spec.given(ERROR).when(del()).then([deletionRequested(null), deleted(null, [])]);
    });

    it('deletes a server while it spawns through its host, and lists its claim when done', () => {
      spec.given(SPAWNING).when(del()).then([deletionRequested()]);
      spec.given([...SPAWNING, deletionRequested()]).when(cmd('CompleteServerDeletion', { serverId: ID })).then([deleted('h1', [{ host: 'h1', claimId: 'c1' }])]);
    });

    it('does nothing for a repeated delete or one of a deleted server', () => {
      spec.given([...ACTIVE, deletionRequested()]).when(del()).thenNothingHappens();
      spec.given(DELETED).when(del()).thenNothingHappens();
      spec.given(DELETED).when(cmd('CompleteServerDeletion', { serverId: ID })).thenNothingHappens();
    });

    it('deletes locally, with its claims, a server whose host is down', () => {
      spec.given(ACTIVE).when(cmd('DeleteServer', { serverId: ID, force: false, hostDown: true, byAdmin: false })).then([deletionRequested(), deleted('h1', [{ host: 'h1', claimId: 'c1' }])]);
    });

    it('orders a forced delete again while a first delete is still pending', () => {
      const forced: ServerEvent = { type: 'ServerDeletionRequested', data: { serverId: ID, orderId: REQ, host: 'h1', force: true, taskState: 'deleting' } };
      spec.given([...ACTIVE, deletionRequested('h1', 'req-first')]).when(cmd('DeleteServer', { serverId: ID, force: true, byAdmin: false })).then([forced]);
    });

    it('refuses a locked server to its owner, not to an admin', () => {
      spec.given([...ACTIVE, locked()]).when(del()).thenThrows(Conflict, message(`Instance ${ID} is locked`));
      spec.given([...ACTIVE, locked()]).when(del(true)).then([deletionRequested()]);
    });

    it('refuses to complete a deletion nobody asked for', () => {
      spec.given(ACTIVE).when(cmd('CompleteServerDeletion', { serverId: ID })).thenThrows(InvalidState, cannot('delete', 'task_state', 'null'));
    });

    it('cancels a pending action: its late report changes nothing', () => {
      spec.given([...ACTIVE, requested('ServerStopRequested', 'powering-off'), deletionRequested('h1', 'req-del')]).when(complete('stop')).thenNothingHappens();
    });
  });

  describe('OS-DCF:diskConfig', () => {
    it('records AUTO/MANUAL on update only when it changes (MANUAL is the default)', () => {
      spec.given(ACTIVE).when(cmd('UpdateServer', { serverId: ID, autoDiskConfig: false, byAdmin: false })).thenNothingHappens();
      spec.given(ACTIVE).when(cmd('UpdateServer', { serverId: ID, autoDiskConfig: true, byAdmin: false })).then([{ type: 'ServerUpdated', data: { serverId: ID, autoDiskConfig: true } }]);
    });

    it('carries the one asked with a rebuild or a resize', () => {
      spec
        .given(ACTIVE)
        .when(cmd('RebuildServer', { serverId: ID, image: image('img-2'), autoDiskConfig: true, byAdmin: false }))
        .then([
          {
            type: 'ServerRebuildRequested',
            data: { serverId: ID, orderId: REQ, host: 'h1', taskState: 'rebuilding', image: image('img-2'), name: 'vm-1', metadata: { role: 'web' }, description: null, keyName: null, keyData: null, autoDiskConfig: true },
          },
        ]);
      spec
        .given(ACTIVE)
        .when(cmd('ResizeServer', { serverId: ID, flavor: SMALL, autoDiskConfig: false, byAdmin: false }))
        .then([{ type: 'ServerResizeRequested', data: { serverId: ID, orderId: REQ, host: 'h1', taskState: 'resize_prep', newFlavor: SMALL, oldFlavorId: 'tiny', autoDiskConfig: false } }]);
    });
  });

  describe('ChangeServerTags', () => {
    const tags = (data: { add?: string[]; remove?: string[]; replace?: boolean }) => cmd('ChangeServerTags', { serverId: ID, add: data.add ?? [], remove: data.remove ?? [], replace: data.replace ?? false, byAdmin: false });
    const tagsChanged = (list: string[]): ServerEvent => ({ type: 'ServerTagsChanged', data: { serverId: ID, tags: list } });

    it('adds a tag once, and a present one is a no-op', () => {
      spec.given(ACTIVE).when(tags({ add: ['a'] })).then([tagsChanged(['a'])]);
      spec.given([...ACTIVE, tagsChanged(['a'])]).when(tags({ add: ['a'] })).thenNothingHappens();
    });

    it('replaces the whole set (duplicates dropped), and deletes all', () => {
      spec.given([...ACTIVE, tagsChanged(['a'])]).when(tags({ add: ['b', 'c', 'b'], replace: true })).then([tagsChanged(['b', 'c'])]);
      spec.given([...ACTIVE, tagsChanged(['a'])]).when(tags({ replace: true })).then([tagsChanged([])]);
    });

    it('deletes a tag, and 404s one that is not there', () => {
      spec.given([...ACTIVE, tagsChanged(['a', 'b'])]).when(tags({ remove: ['a'] })).then([tagsChanged(['b'])]);
      spec.given(ACTIVE).when(tags({ remove: ['x'] })).thenThrows(NotFound, message(`Instance ${ID} has no tag 'x'`));
    });

    it('refuses a 51st tag', () => {
      const fifty = Array.from({ length: 50 }, (_, i) => `t${i}`);
      spec.given([...ACTIVE, tagsChanged(fifty)]).when(tags({ add: ['one-more'] })).thenThrows(InvalidInput, message('The number of tags exceeded the per-server limit 50'));
    });

    it("refuses a building server with Nova's 409 naming the call", () => {
      spec.given(BUILDING).when(tags({ add: ['a'] })).thenThrows(InvalidState, cannot('update tag', 'vm_state', 'building'));
      spec.given(BUILDING).when(tags({ replace: true })).thenThrows(InvalidState, cannot('delete tags', 'vm_state', 'building'));
    });

    it('keeps the set in the state', () => {
      const state = [...ACTIVE, tagsChanged(['x'])].reduce(serverDecider.evolve, serverDecider.initialState);
      expect(state.status === 'live' && state.server.tags).toEqual(['x']);
    });
  });

  describe('ResetServerState', () => {
    const reset = (state: 'active' | 'error') => cmd('ResetServerState', { serverId: ID, state, byAdmin: true });
    const stateReset = (vmState: 'active' | 'error', previousVmState = 'active', previousTaskState: string | null = null): ServerEvent =>
      ({ type: 'ServerStateReset', data: { serverId: ID, vmState, taskState: null, previousVmState, previousTaskState } }) as ServerEvent;

    it('forces the vm_state and clears the task, even when nothing changes', () => {
      spec.given(ACTIVE).when(reset('error')).then([stateReset('error')]);
      spec.given(ACTIVE).when(reset('active')).then([stateReset('active')]);
      spec.given([...ACTIVE, requested('ServerStopRequested', 'powering-off')]).when(reset('active')).then([stateReset('active', 'active', 'powering-off')]);
    });

    it("forgets the pending order: the host's late report changes nothing", () => {
      spec.given([...ACTIVE, requested('ServerStopRequested', 'powering-off'), stateReset('active', 'active', 'powering-off')]).when(complete('stop')).thenNothingHappens();
    });

    it('lets an errored server that had launched be rebuilt', () => {
      spec
        .given([...ACTIVE, stateReset('error')])
        .when(cmd('RebuildServer', { serverId: ID, image: image('img-2'), byAdmin: true }))
        .then([
          {
            type: 'ServerRebuildRequested',
            data: { serverId: ID, orderId: REQ, host: 'h1', taskState: 'rebuilding', image: image('img-2'), name: 'vm-1', metadata: { role: 'web' }, description: null, keyName: null, keyData: null },
          },
        ]);
    });

    it('404s an unknown or deleted server', () => {
      spec.given([]).when(reset('error')).thenThrows(NotFound);
      spec.given(DELETED).when(reset('error')).thenThrows(NotFound);
    });
  });

  describe('RestoreServer', () => {
    it("refuses a server that is not soft-deleted with Nova's 409 (Strata never soft-deletes)", () => {
      spec.given(ACTIVE).when(cmd('RestoreServer', { serverId: ID, byAdmin: false })).thenThrows(InvalidState, cannot('restore', 'vm_state', 'active'));
      spec.given([]).when(cmd('RestoreServer', { serverId: ID, byAdmin: false })).thenThrows(NotFound);
    });
  });

  describe('RecordServerExternalEvents', () => {
    const external = (...events: { name: string; tag: string | null }[]) => cmd('RecordServerExternalEvents', { serverId: ID, events: events.map((e) => ({ ...e, status: 'completed' as const })) });
    const received = (name: string, tag: string | null): ServerEvent => ({ type: 'ServerExternalEventReceived', data: { serverId: ID, host: 'h1', name, tag, status: 'completed' } });

    it('records each event with the host it is for, in order', () => {
      spec.given(ACTIVE).when(external({ name: 'network-changed', tag: null }, { name: 'network-vif-plugged', tag: 'port-1' })).then([received('network-changed', null), received('network-vif-plugged', 'port-1')]);
    });

    it("accepts a deleted server's events, as Nova does: it keeps its host", () => {
      spec.given(DELETED).when(external({ name: 'network-vif-deleted', tag: 'port-1' })).then([received('network-vif-deleted', 'port-1')]);
    });

    it('refuses a server on no host (InstanceNotReady) and an unknown one', () => {
      spec.given(BUILDING).when(external({ name: 'network-changed', tag: null })).thenThrows(InvalidState, message(`Instance ${ID} is not ready`));
      spec.given(ERROR).when(external({ name: 'network-changed', tag: null })).thenThrows(InvalidState);
      spec.given([]).when(external({ name: 'network-changed', tag: null })).thenThrows(NotFound);
    });

    it('changes nothing of the server', () => {
      const before = ACTIVE.reduce(serverDecider.evolve, serverDecider.initialState);
      expect(serverDecider.evolve(before, received('network-changed', null))).toBe(before);
    });
  });

  describe('evolve', () => {
    it('folds a whole life: scheduled, rescheduled, spawned elsewhere, deleted with the host kept', () => {
      const history = [created, scheduled(), rescheduled(2), scheduled('h2', 'c2', 2), spawned('h2'), deletionRequested('h2'), deleted('h2', [{ host: 'h2', claimId: 'c2' }])];
      const state = history.reduce(serverDecider.evolve, serverDecider.initialState);
      expect(state.status).toBe('deleted');
      if (state.status !== 'deleted') return;
      expect(state.server).toMatchObject({ host: 'h2', hostAvailabilityZone: 'nova', attempt: 2, vmState: 'deleted', taskState: null, powerState: POWER.NOSTATE, terminatedAt: FIXED_NOW, launchedAt: FIXED_NOW });
    });
  });
});
