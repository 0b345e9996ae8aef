import { waitFor } from '../e2e/support/strata-process';
import { answer, novaFault, policyDenied } from './support/nova-http';
import { StrataCompute } from './support/strata-compute';

/**
 * os-migrations (nova/api/openstack/compute/migrations.py, Zed) on `strata start` with two fake hosts:
 * each resize is a migration record, followed through confirm and revert, in Nova's views from 2.1 to
 * 2.80 (test/fixtures/nova/README.md §11c has the anchor's own answers), with its filters, paging
 * and refusals.
 */
describe('os-migrations (Nova v2.1)', () => {
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '2' });
  let alpha: { projectId: string; member: string; reader: string };
  let small: string;
  let big: string;
  let image: string;
  let confirmed: string;
  let reverted: string;

  const NOVA_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;
  const admin = (version = '2.1') => env.as(env.admin, version);
  const migrationsOf = async (server: string, version = '2.80') => (await admin(version).get(`/os-migrations?instance_uuid=${server}`)).json.migrations as Record<string, unknown>[];

  /** The server's migration once it has `status` (the migrations read model follows the log on its own). */
  const migrationIn = (server: string, status: string) =>
    waitFor(`the migration of ${server} to be ${status}`, async () => (await migrationsOf(server)).find((m) => m.status === status), 10_000);

  /** Boots a server, resizes it to the big flavor and waits for VERIFY_RESIZE. */
  const resized = async (name: string) => {
    const id = (await env.boot(alpha.member, { name, imageRef: image, flavorRef: small })).json.server.id as string;
    await env.until(env.admin, id, ['ACTIVE']);
    expect((await env.as(alpha.member).action(id, { resize: { flavorRef: big } })).status).toBe(202);
    await env.until(env.admin, id, ['VERIFY_RESIZE']);
    return id;
  };

  beforeAll(async () => {
    await env.start();
    await env.hosts(2);
    small = await env.flavor({ name: 'm1.mig-small', vcpus: 1, ram: 128, disk: 1, id: '801' });
    big = await env.flavor({ name: 'm1.mig-big', vcpus: 2, ram: 256, disk: 1, id: '802' });
    image = await env.image('cirros-mig');
    alpha = await env.project('mig-alpha');
    confirmed = await resized('to-confirm');
    reverted = await resized('to-revert');
  }, 180_000);

  afterAll(() => env.stop());

  it("records a resize as Nova does: finished in VERIFY_RESIZE, each microversion's fields", async () => {
    const m = await migrationIn(confirmed, 'finished');
    expect(await migrationsOf(confirmed)).toHaveLength(1);
    const hosts = (await admin().get('/os-hypervisors/detail')).json.hypervisors as { hypervisor_hostname: string; host_ip: string }[];
    expect(m).toEqual({
      created_at: expect.stringMatching(NOVA_TIME),
      dest_compute: expect.stringMatching(/^fake-[12]$/),
      dest_host: hosts.find((h) => h.hypervisor_hostname === m.dest_compute)!.host_ip,
      dest_node: m.dest_compute,
      id: expect.any(Number),
      instance_uuid: confirmed,
      migration_type: 'resize',
      new_instance_type_id: expect.any(Number),
      old_instance_type_id: expect.any(Number),
      project_id: alpha.projectId,
      source_compute: expect.stringMatching(/^fake-[12]$/),
      source_node: m.source_compute,
      status: 'finished',
      updated_at: expect.stringMatching(NOVA_TIME),
      user_id: expect.any(String),
      uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(m.old_instance_type_id).not.toBe(m.new_instance_type_id);
    // 2.1: no migration_type, uuid, user or project; 2.23 adds the type; 2.59 the uuid.
    expect(Object.keys((await migrationsOf(confirmed, '2.1'))[0]).sort()).toEqual(
      ['created_at', 'dest_compute', 'dest_host', 'dest_node', 'id', 'instance_uuid', 'new_instance_type_id', 'old_instance_type_id', 'source_compute', 'source_node', 'status', 'updated_at'].sort(),
    );
    expect((await migrationsOf(confirmed, '2.23'))[0]).toMatchObject({ migration_type: 'resize' });
    expect((await migrationsOf(confirmed, '2.23'))[0].uuid).toBeUndefined();
    expect((await migrationsOf(confirmed, '2.59'))[0]).toMatchObject({ uuid: m.uuid });
  });

  it('closes the migration on confirm and on revert', async () => {
    expect((await env.as(alpha.member).action(confirmed, { confirmResize: null })).status).toBe(204);
    await env.until(env.admin, confirmed, ['ACTIVE']);
    expect((await env.as(alpha.member).action(reverted, { revertResize: null })).status).toBe(202);
    await env.until(env.admin, reverted, ['ACTIVE']);
    await migrationIn(confirmed, 'confirmed');
    await migrationIn(reverted, 'reverted');
  });

  it('filters, pages newest first from 2.59, and refuses as Nova', async () => {
    const all = (await admin('2.80').get('/os-migrations')).json.migrations as { uuid: string; instance_uuid: string; created_at: string }[];
    expect(all.map((m) => m.instance_uuid)).toEqual([reverted, confirmed]);
    expect(((await admin('2.80').get('/os-migrations?status=reverted')).json.migrations as unknown[]).length).toBe(1);
    expect(((await admin('2.80').get(`/os-migrations?project_id=${alpha.projectId}&migration_type=resize`)).json.migrations as unknown[]).length).toBe(2);
    expect(((await admin('2.80').get('/os-migrations?host=nowhere')).json.migrations as unknown[]).length).toBe(0);
    expect((await admin('2.80').get('/os-migrations?changes-since=2099-01-01T00:00:00Z')).json).toEqual({ migrations: [] });

    const first = await admin('2.59').get('/os-migrations?limit=1');
    expect(first.json.migrations.map((m: { uuid: string }) => m.uuid)).toEqual([all[0].uuid]);
    expect(first.json.migrations_links).toEqual([{ rel: 'next', href: expect.stringMatching(new RegExp(`/compute/v2\\.1/os-migrations\\?limit=1&marker=${all[0].uuid}$`)) }]);
    const second = await admin('2.59').get(`/os-migrations?limit=1&marker=${all[0].uuid}`);
    expect(second.json.migrations.map((m: { uuid: string }) => m.uuid)).toEqual([all[1].uuid]);

    const fault = (status: number, message: string) => ({ status, json: novaFault(status, message) });
    expect(await answer(admin('2.59').get('/os-migrations?limit=abc'))).toEqual(fault(400, "Invalid input for query parameters limit. Value: abc. 'abc' does not match '^[0-9]*$'"));
    expect(await answer(admin('2.59').get('/os-migrations?marker=nope'))).toEqual(fault(400, 'Marker nope could not be found.'));
    expect(await answer(admin('2.80').get('/os-migrations?foo=1'))).toEqual(fault(400, "Additional properties are not allowed ('foo' was unexpected)"));
    expect(await answer(admin('2.59').get('/os-migrations?changes-since=bad'))).toEqual(fault(400, "Invalid input for query parameters changes-since. Value: bad. 'bad' is not a 'date-time'"));
    expect(await answer(admin('2.66').get('/os-migrations?changes-since=2026-02-01T00:00:00Z&changes-before=2026-01-01T00:00:00Z'))).toEqual(
      fault(400, 'The value of changes-since must be less than or equal to changes-before.'),
    );
    // A marker is any migration, filtered out or not (migration_list.py `get_marker_record`): the page goes on from its place.
    const afterFiltered = await admin('2.59').get(`/os-migrations?status=confirmed&marker=${all[0].uuid}`);
    expect(afterFiltered.status).toBe(200);
    expect(afterFiltered.json.migrations.map((m: { uuid: string }) => m.uuid)).toEqual([all[1].uuid]);
    // Up to 2.58 in the order they were made.
    expect(((await admin('2.1').get('/os-migrations')).json.migrations as { instance_uuid: string }[]).map((m) => m.instance_uuid)).toEqual([confirmed, reverted]);
    // Up to 2.58 every parameter is a database filter, node, uuid, user_id and project_id included.
    const v21 = async (q: string) => ((await admin('2.1').get(`/os-migrations?${q}`)).json.migrations as { instance_uuid: string }[]).map((m) => m.instance_uuid);
    expect(await v21(`uuid=${all[1].uuid}`)).toEqual([confirmed]);
    expect(await v21(`project_id=${alpha.projectId}`)).toEqual([confirmed, reverted]);
    expect(await v21('project_id=someone-else')).toEqual([]);
    expect(await v21('node=nowhere')).toEqual([]);
    expect((await v21(`node=${(all[0] as unknown as { source_node: string }).source_node}`)).length).toBeGreaterThan(0);
    // Up to 2.58 unknown parameters are ignored (the schema allowed them).
    expect((await admin('2.1').get('/os-migrations?foo=1')).status).toBe(200);
    expect(await answer(env.as(alpha.member, '2.1').get('/os-migrations'))).toEqual({ status: 403, json: policyDenied('os_compute_api:os-migrations:index') });
  });

  it("no longer lists a deleted server's migrations (Nova's instance_destroy soft-deletes them), but takes one as a marker", async () => {
    const gone = await resized('to-delete');
    await migrationIn(gone, 'finished');
    const before = (await admin('2.59').get('/os-migrations')).json.migrations as { uuid: string; instance_uuid: string }[];
    const marker = before.find((m) => m.instance_uuid === gone)!.uuid;
    expect((await env.as(alpha.member).del(`/servers/${gone}`)).status).toBe(204);
    await waitFor(`the migration of ${gone} to leave the list`, async () => ((await migrationsOf(gone)).length === 0 ? true : undefined), 10_000);
    const listed = (await admin('2.59').get('/os-migrations')).json.migrations as { instance_uuid: string }[];
    expect(listed.map((m) => m.instance_uuid)).toEqual([reverted, confirmed]);
    const fromGone = await admin('2.59').get(`/os-migrations?marker=${marker}`);
    expect(fromGone.status).toBe(200);
    expect((fromGone.json.migrations as { instance_uuid: string }[]).map((m) => m.instance_uuid)).toEqual([reverted, confirmed]);
  });
});
