import { RecordedEvent } from '../../domain/kernel';
import { projectInMemory } from '../kernel/projection';
import { AUDIT_EVENTS_TABLE, AUDIT_RESOURCES_TABLE, auditTrailProjection, resourceOf } from './audit-trail';

let n = 0;
const event = (stream: string, type: string, data: unknown, actor = { userId: 'u1', projectId: 'p1', domainId: 'default', roles: ['member'] }): RecordedEvent => ({
  id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  stream,
  version: 0n,
  position: String(n).padStart(4, '0'),
  type,
  data,
  metadata: { requestId: 'req-1', correlationId: 'c-1', causationId: 'req-1', actor, occurredAt: '2026-12-06T12:00:00.000Z', schemaVersion: 1 },
  recordedAt: new Date('2026-12-06T12:00:00.001Z'),
});

describe('audit trail read model', () => {
  it('names resources as the API does', () => {
    expect(resourceOf({ stream: 'server-abc', data: {} })).toEqual({ type: 'server', id: 'abc' });
    expect(resourceOf({ stream: 'saga-build-abc', data: {} })).toEqual({ type: 'build', id: 'abc' });
    expect(resourceOf({ stream: 'flavor-9f1c', data: { flavorId: '42' } })).toEqual({ type: 'flavor', id: '42' });
    expect(resourceOf({ stream: 'host-77aa', data: { host: 'compute-1' } })).toEqual({ type: 'host', id: 'compute-1' });
    expect(resourceOf({ stream: 'keypair-1', data: { userId: 'u1', name: 'k' } })).toEqual({ type: 'keypair', id: 'u1/k' });
    expect(resourceOf({ stream: 'aggregates-all', data: { aggregateId: 3, uuid: 'u3', host: 'h1' } })).toEqual({ type: 'aggregate', id: '3' });
    expect(resourceOf({ stream: 'servergroup-g1', data: {} })).toEqual({ type: 'server_group', id: 'g1' });
  });

  it('keeps one row per event with its actor and request, the owning project of its resource, and no secret', () => {
    const rows = projectInMemory(auditTrailProjection, [
      event('server-s1', 'ServerCreationRequested', { serverId: 's1', projectId: 'p9', name: 'vm' }),
      event('server-s1', 'ServerUpdated', { serverId: 's1', name: 'vm2' }, { userId: 'admin', projectId: 'admin-p', domainId: 'default', roles: ['admin'] }),
      event('user-u2', 'UserCreated', { userId: 'u2', passwordHash: 'scrypt$secret' }),
      event('image-i1', 'ImageCreated', { imageId: 'i1', owner: 'p3' }),
    ]);
    const events = [...rows.tables.get(AUDIT_EVENTS_TABLE)!.values()];
    expect(events).toHaveLength(4);
    expect(events[1]).toMatchObject({ resource_type: 'server', resource_id: 's1', resource_project_id: 'p9', user_id: 'admin', project_id: 'admin-p', roles: ['admin'], request_id: 'req-1', event_type: 'ServerUpdated' });
    expect(events[2]).toMatchObject({ resource_type: 'user', resource_project_id: null, data: { userId: 'u2', passwordHash: '***' } });
    expect(events[3].resource_project_id).toBe('p3');
    expect(rows.tables.get(AUDIT_RESOURCES_TABLE)!.get('server-s1')).toEqual({ stream: 'server-s1', project_id: 'p9' });
  });

  it("follows an image to its new owner, and keeps trusts and users to admins and auditors", () => {
    const rows = projectInMemory(auditTrailProjection, [
      event('image-i2', 'ImageCreated', { imageId: 'i2', owner: 'pa' }),
      event('image-i2', 'ImageUpdated', { imageId: 'i2', owner: 'pb' }),
      event('image-i2', 'ImageUpdated', { imageId: 'i2', name: 'plan-of-b' }),
      event('trust-t1', 'TrustCreated', { trustId: 't1', projectId: 'pa' }),
    ]);
    const owners = [...rows.tables.get(AUDIT_EVENTS_TABLE)!.values()].map((r) => (r as { resource_project_id: string | null }).resource_project_id);
    expect(owners).toEqual(['pa', 'pb', 'pb', null]);
  });
});
