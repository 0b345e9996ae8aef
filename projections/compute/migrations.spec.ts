import { recordedStream } from '../../test/support/recorded-stream';
import { projectInMemory } from '../kernel/projection';
import { computeMigrationsProjection, legacyId, MIGRATION_IDS_TABLE, MIGRATIONS_TABLE } from './migrations';

const flavor = (id: string) => ({ id, name: id, vcpus: 1, memoryMb: 64, rootGb: 1, ephemeralGb: 0, swapMb: 0, rxtxFactor: 1, isPublic: true, description: null, extraSpecs: {} });
const ORDER = 'req-11111111-2222-4333-8444-555555555555';
const created = { type: 'ServerCreationRequested', data: { serverId: 's1', flavor: flavor('f1') } };
const requested = (orderId = ORDER, oldFlavorId: string | null = 'f1') => ({
  type: 'ServerResizeRequested',
  data: { serverId: 's1', orderId, host: 'h1', taskState: 'resize_prep', newFlavor: flavor('f2'), ...(oldFlavorId === null ? {} : { oldFlavorId }) },
});
const claimed = { type: 'ServerResizeClaimed', data: { serverId: 's1', orderId: ORDER, host: 'h2', node: 'h2', claimId: 'c', taskState: 'resize_migrating' } };
const resized = { type: 'ServerResized', data: { serverId: 's1', orderId: ORDER, vmState: 'resized', powerState: 1, host: 'h2', node: 'h2', oldFlavor: flavor('f1'), flavor: flavor('f2') } };
const project = (events: Array<{ type: string; data: unknown }>) => projectInMemory(computeMigrationsProjection, recordedStream('server-s1', events));
const migration = (events: Array<{ type: string; data: unknown }>, orderId = ORDER) => project(events).get(MIGRATIONS_TABLE, `s1|${orderId}`);

describe('compute_migrations projection', () => {
  it('follows a resize from pre-migrating to finished, with both flavors and the destination', () => {
    expect(migration([created, requested()])).toMatchObject({ uuid: '11111111-2222-4333-8444-555555555555', status: 'pre-migrating', source_compute: 'h1', dest_compute: null, old_instance_type_id: legacyId('flavor', 'f1'), new_instance_type_id: legacyId('flavor', 'f2'), migration_type: 'resize', updated_at: null });
    expect(migration([created, requested(), claimed])).toMatchObject({ status: 'migrating', dest_compute: 'h2', dest_node: 'h2' });
    expect(migration([created, requested(), claimed, resized])).toMatchObject({ status: 'finished', updated_at: expect.any(String) });
  });

  it('keeps no row for a server never resized; an event from before oldFlavorId was kept has its old flavor from the resize', () => {
    expect(project([created]).get('compute_migration_servers', 's1')).toBeUndefined();
    expect(migration([created, requested(ORDER, null)])?.old_instance_type_id).toBeNull();
    expect(migration([created, requested(ORDER, null), claimed, resized])?.old_instance_type_id).toBe(legacyId('flavor', 'f1'));
  });

  it('closes it on a confirm, a revert, a failure, or a delete in VERIFY_RESIZE', () => {
    expect(migration([created, requested(), claimed, resized, { type: 'ServerResizeConfirmed', data: { serverId: 's1', vmState: 'active', releasedClaimId: null, sourceHost: 'h1' } }])?.status).toBe('confirmed');
    const revert = [created, requested(), claimed, resized, { type: 'ServerRevertResizeRequested', data: { serverId: 's1', orderId: 'req-r', host: 'h2', taskState: 'resize_reverting' } }];
    expect(migration(revert)?.status).toBe('reverting');
    expect(migration([...revert, { type: 'ServerResizeReverted', data: { serverId: 's1', orderId: 'req-r', vmState: 'active', powerState: 1, host: 'h1', node: 'h1', flavor: flavor('f1'), releasedClaimId: null, releasedHost: 'h2' } }])?.status).toBe('reverted');
    expect(migration([created, requested(), { type: 'ServerActionFailed', data: { serverId: 's1', orderId: ORDER, action: 'resize', message: 'No valid host', vmState: 'active', powerState: 1, releasedClaimId: null, releasedHost: null } }])?.status).toBe('error');
    expect(migration([created, requested(), claimed, resized, { type: 'ServerDeleted', data: { serverId: 's1', orderId: null, projectId: 'p', host: 'h2', claims: [], serverGroupId: null, vmState: 'deleted' } }])?.status).toBe('confirmed');
  });

  it('numbers migrations 1, 2, 3... in log order, once each (a redelivered event takes no second id)', () => {
    const confirmed = { type: 'ServerResizeConfirmed', data: { serverId: 's1', vmState: 'active', releasedClaimId: null, sourceHost: 'h1' } };
    const second = 'req-22222222-2222-4333-8444-555555555555';
    const rows = project([created, requested(), claimed, resized, confirmed, requested(second, 'f2')]);
    expect([rows.get(MIGRATIONS_TABLE, `s1|${ORDER}`)?.id, rows.get(MIGRATIONS_TABLE, `s1|${second}`)?.id]).toEqual([1, 2]);
    const events = recordedStream('server-s1', [created, requested()]);
    const twice = projectInMemory(computeMigrationsProjection, [...events, events[1]]);
    expect(twice.get(MIGRATIONS_TABLE, `s1|${ORDER}`)?.id).toBe(1);
    expect(twice.get(MIGRATION_IDS_TABLE, 'migrations')).toEqual({ key: 'migrations', last: 1 });
  });

  it("records a cold migration as Nova's type 'migration', post-migrating once the source let the guest go", () => {
    const moving = { type: 'ServerResizeRequested', data: { ...requested().data, newFlavor: flavor('f1'), migration: true } };
    const out = { type: 'ServerMigratedOut', data: { serverId: 's1', orderId: ORDER, host: 'h1', taskState: 'resize_migrated' } };
    expect(migration([created, moving])).toMatchObject({ migration_type: 'migration', status: 'pre-migrating', new_instance_type_id: legacyId('flavor', 'f1') });
    expect(migration([created, moving, claimed, out])).toMatchObject({ migration_type: 'migration', status: 'post-migrating', dest_compute: 'h2' });
    expect(migration([created, moving, claimed, out, resized])?.status).toBe('finished');
  });

  it('opens a new migration for the next resize, from the flavor the last one left', () => {
    const confirmed = { type: 'ServerResizeConfirmed', data: { serverId: 's1', vmState: 'active', releasedClaimId: null, sourceHost: 'h1' } };
    const second = 'req-22222222-2222-4333-8444-555555555555';
    const rows = project([created, requested(), claimed, resized, confirmed, requested(second, 'f2')]);
    expect(rows.get(MIGRATIONS_TABLE, `s1|${ORDER}`)?.status).toBe('confirmed');
    expect(rows.get(MIGRATIONS_TABLE, `s1|${second}`)).toMatchObject({ status: 'pre-migrating', old_instance_type_id: legacyId('flavor', 'f2') });
  });
});
