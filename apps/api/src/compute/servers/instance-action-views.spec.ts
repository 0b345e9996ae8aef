import { InstanceActionRow } from '../../../../../projections/compute/instance-actions';
import { ApiVersion } from '../microversion';
import { instanceActionsList, instanceActionView, InstanceActionViewContext } from './instance-action-views';
import { hostId } from './server-views';

const SERVER = '6f0a6c4e-0000-4000-8000-000000000001';
const ctx = (version: string, isAdmin = false): InstanceActionViewContext => ({ version: ApiVersion.parse(version)!, isAdmin, serverProjectId: 'p1' });

const create: InstanceActionRow = {
  id: `${SERVER}|create`,
  server_id: SERVER,
  action: 'create',
  request_id: 'req-create',
  user_id: 'u1',
  project_id: 'p1',
  start_time: '2026-01-01T00:00:01.250Z',
  updated_at: '2026-01-01T00:00:05.000Z',
  message: 'Error',
  events: [
    { event: 'compute__do_build_and_run_instance', start_time: '2026-01-01T00:00:02Z', finish_time: '2026-01-01T00:00:03Z', result: 'Error', traceback: 'spawn failed', host: 'h1', details: 'spawn failed' },
    { event: 'compute__do_build_and_run_instance', start_time: '2026-01-01T00:00:04Z', finish_time: '2026-01-01T00:00:05Z', result: 'Success', traceback: null, host: 'h2', details: null },
  ],
  host: null,
  stream_version: 4,
};
const lock: InstanceActionRow = { ...create, id: `${SERVER}|req-lock`, action: 'lock', request_id: 'req-lock', start_time: '2026-01-01T00:01:00Z', updated_at: null, message: null, events: [] };

describe('instance action views', () => {
  it('lists actions newest first with the 2.1 keys', () => {
    const list = instanceActionsList([create, lock], ctx('2.1'));
    expect(list.map((a) => a.request_id)).toEqual(['req-lock', 'req-create']);
    expect(list[1]).toEqual({ action: 'create', instance_uuid: SERVER, request_id: 'req-create', user_id: 'u1', project_id: 'p1', start_time: '2026-01-01T00:00:01.000000', message: 'Error' });
  });

  it('adds updated_at from 2.58, null while no step ran', () => {
    const list = instanceActionsList([create, lock], ctx('2.58'));
    expect(Object.keys(list[0])).toEqual(['action', 'instance_uuid', 'request_id', 'user_id', 'project_id', 'start_time', 'message', 'updated_at']);
    expect(list.map((a) => a.updated_at)).toEqual([null, '2026-01-01T00:00:05.000000']);
  });

  it('shows no events to a non-admin before 2.51, every event to an admin with traceback', () => {
    expect(instanceActionView(create, ctx('2.50'))).not.toHaveProperty('events');
    expect(instanceActionView(create, ctx('2.1', true)).events).toEqual([
      { event: 'compute__do_build_and_run_instance', start_time: '2026-01-01T00:00:04.000000', finish_time: '2026-01-01T00:00:05.000000', result: 'Success', traceback: null },
      { event: 'compute__do_build_and_run_instance', start_time: '2026-01-01T00:00:02.000000', finish_time: '2026-01-01T00:00:03.000000', result: 'Error', traceback: 'spawn failed' },
    ]);
  });

  it('shows events without traceback to a non-admin from 2.51', () => {
    const events = instanceActionView(create, ctx('2.51')).events as Record<string, unknown>[];
    expect(Object.keys(events[0])).toEqual(['event', 'start_time', 'finish_time', 'result']);
  });

  it('adds the hashed hostId for everyone at 2.62, the host for admins only', () => {
    const member = instanceActionView(create, ctx('2.62')).events as Record<string, unknown>[];
    expect(member[1]).toEqual({ event: 'compute__do_build_and_run_instance', start_time: '2026-01-01T00:00:02.000000', finish_time: '2026-01-01T00:00:03.000000', result: 'Error', hostId: hostId('h1', 'p1') });
    const admin = instanceActionView(create, ctx('2.62', true)).events as Record<string, unknown>[];
    expect(Object.keys(admin[1])).toEqual(['event', 'start_time', 'finish_time', 'result', 'traceback', 'host', 'hostId']);
    expect(admin[1]).toMatchObject({ host: 'h1', hostId: hostId('h1', 'p1') });
  });

  it('adds details at 2.84 for admins only', () => {
    expect((instanceActionView(create, ctx('2.84', true)).events as Record<string, unknown>[])[1]).toMatchObject({ details: 'spawn failed' });
    expect((instanceActionView(create, ctx('2.84')).events as Record<string, unknown>[])[1]).not.toHaveProperty('details');
    expect((instanceActionView(create, ctx('2.83', true)).events as Record<string, unknown>[])[1]).not.toHaveProperty('details');
  });

  it('hashes the hostId with the server project when the action has none, "" for the conductor', () => {
    const system = { ...create, project_id: null, events: [{ ...create.events[0], host: null }, create.events[1]] };
    const events = instanceActionView(system, ctx('2.62')).events as Record<string, unknown>[];
    expect(events.map((e) => e.hostId)).toEqual([hostId('h2', 'p1'), '']);
  });

  it('shows an action without steps with an empty list (lock at 2.93)', () => {
    expect(instanceActionView(lock, ctx('2.93'))).toEqual({
      action: 'lock',
      instance_uuid: SERVER,
      request_id: 'req-lock',
      user_id: 'u1',
      project_id: 'p1',
      start_time: '2026-01-01T00:01:00.000000',
      message: null,
      updated_at: null,
      events: [],
    });
  });
});
