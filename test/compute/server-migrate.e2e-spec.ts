import { waitFor } from '../e2e/support/strata-process';
import { answer, novaFault, policyDenied } from './support/nova-http';
import { StrataCompute } from './support/strata-compute';

/**
 * Cold migration (nova/api/openstack/compute/migrate_server.py `_migrate`, Zed) on `strata start` with two
 * fake hosts: the server moves to the other host and waits in VERIFY_RESIZE; a confirm keeps it there and
 * frees the source, a revert brings it back; 2.56 names the host; Nova's refusals, and the records a move
 * leaves (os-migrations' `migration`, the `migrate` instance action).
 */
/** vCPUs each compute host has claimed (os-hypervisors/detail). */
const vcpusUsedOn = async (env: StrataCompute): Promise<Record<string, number>> =>
  Object.fromEntries(((await env.as(env.admin, '2.1').get('/os-hypervisors/detail')).json.hypervisors as { hypervisor_hostname: string; vcpus_used: number }[]).map((h) => [h.hypervisor_hostname, h.vcpus_used]));

describe('cold migration (os-migrateServer)', () => {
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '2' });
  let alpha: { projectId: string; member: string; reader: string };
  let flavor: string;
  let image: string;

  beforeAll(async () => {
    await env.start();
    await env.hosts(2);
    flavor = await env.flavor({ name: 'm1.move', vcpus: 2, ram: 256, disk: 1, id: '901' });
    image = await env.image('cirros-move');
    alpha = await env.project('move-alpha');
  }, 180_000);

  afterAll(() => env.stop());

  const admin = (version = '2.1') => env.as(env.admin, version);
  const other = (host: string) => (host === 'fake-1' ? 'fake-2' : 'fake-1');
  const active = async (name: string) => {
    const id = (await env.boot(alpha.member, { name, imageRef: image, flavorRef: flavor })).json.server.id as string;
    const s = await env.until(env.admin, id, ['ACTIVE']);
    return { id, host: s['OS-EXT-SRV-ATTR:host'] as string };
  };
  const vcpusUsed = () => vcpusUsedOn(env);

  it('moves the server to the other host; a confirm keeps it there and frees the source', async () => {
    const { id, host } = await active('to-confirm');
    const before = await vcpusUsed();
    expect((await admin().action(id, { migrate: null })).status).toBe(202);
    const moved = await env.until(env.admin, id, ['VERIFY_RESIZE']);
    expect(moved['OS-EXT-SRV-ATTR:host']).toBe(other(host));
    // Both hosts hold the server's room until the confirm (Nova's source and destination allocations).
    const during = await vcpusUsed();
    expect(during[other(host)]).toBe(before[other(host)] + 2);
    expect(during[host]).toBe(before[host]);

    const migrations = (await admin('2.23').get(`/os-migrations?instance_uuid=${id}`)).json.migrations as Record<string, unknown>[];
    expect(migrations).toEqual([expect.objectContaining({ migration_type: 'migration', status: 'finished', source_compute: host, dest_compute: other(host) })]);
    const actions = (await env.as(alpha.member).get(`/servers/${id}/os-instance-actions`)).json.instanceActions as { action: string }[];
    expect(actions.map((a) => a.action)).toContain('migrate');

    expect((await env.as(alpha.member).action(id, { confirmResize: null })).status).toBe(204);
    const confirmed = await env.until(env.admin, id, ['ACTIVE']);
    expect(confirmed['OS-EXT-SRV-ATTR:host']).toBe(other(host));
    await waitFor('the source host freed', async () => ((await vcpusUsed())[host] === before[host] - 2 ? true : undefined), 10_000);
    // The guest answers from its new host.
    expect((await admin('2.48').get(`/servers/${id}/diagnostics`)).status).toBe(200);
    expect((await env.as(alpha.member).del(`/servers/${id}`)).status).toBe(204);
  });

  it('comes back to its host on a revert, and a stopped server stays stopped', async () => {
    const { id, host } = await active('to-revert');
    expect((await env.as(alpha.member).action(id, { 'os-stop': null })).status).toBe(202);
    await env.until(env.admin, id, ['SHUTOFF']);
    expect((await admin('2.56').action(id, { migrate: { host: other(host) } })).status).toBe(202);
    expect((await env.until(env.admin, id, ['VERIFY_RESIZE']))['OS-EXT-SRV-ATTR:host']).toBe(other(host));
    expect((await env.as(alpha.member).action(id, { revertResize: null })).status).toBe(202);
    const back = await env.until(env.admin, id, ['SHUTOFF']);
    expect(back['OS-EXT-SRV-ATTR:host']).toBe(host);
    const migration = await waitFor(
      'the migration reverted',
      async () => ((await admin('2.23').get(`/os-migrations?instance_uuid=${id}`)).json.migrations as Record<string, unknown>[]).find((m) => m.status === 'reverted'),
      10_000,
    );
    expect(migration).toMatchObject({ migration_type: 'migration', source_compute: host, dest_compute: other(host) });
    expect((await env.as(alpha.member).del(`/servers/${id}`)).status).toBe(204);
  });

  it("refuses as Nova does, and a refusal changes nothing", async () => {
    const { id, host } = await active('refused');
    expect(await answer(env.as(alpha.member).action(id, { migrate: null }))).toEqual({ status: 403, json: policyDenied('os_compute_api:os-migrate-server:migrate') });
    expect(await answer(admin('2.56').action(id, { migrate: { host } }))).toEqual({ status: 400, json: novaFault(400, 'Cannot migrate to the host where the server exists.') });
    expect(await answer(admin('2.56').action(id, { migrate: { host: 'nowhere' } }))).toEqual({ status: 400, json: novaFault(400, 'Compute host nowhere could not be found.') });
    expect((await answer(admin('2.56').action(id, { migrate: { host: 'bad host!' } }))).status).toBe(400);
    expect(await answer(admin().action('00000000-0000-4000-8000-000000000000', { migrate: null }))).toEqual({
      status: 404,
      json: novaFault(404, 'Instance 00000000-0000-4000-8000-000000000000 could not be found.'),
    });
    expect((await env.as(alpha.member).action(id, { suspend: null })).status).toBe(202);
    await env.until(env.admin, id, ['SUSPENDED']);
    expect(await answer(admin().action(id, { migrate: null }))).toEqual({ status: 409, json: novaFault(409, `Cannot 'migrate' instance ${id} while it is in vm_state suspended`) });
    const shown = await env.server(env.admin, id);
    expect([shown.json.server.status, shown.json.server['OS-EXT-SRV-ATTR:host']]).toEqual(['SUSPENDED', host]);
    expect((await admin('2.59').get(`/os-migrations?instance_uuid=${id}`)).json.migrations).toEqual([]);
  });

  it('fails visibly when no other host can take it: the server stays where it is, ACTIVE, the migration in error', async () => {
    const { id, host } = await active('nowhere-to-go');
    const disabled = other(host);
    expect((await admin().put('/os-services/disable', { host: disabled, binary: 'nova-compute' })).status).toBe(200);
    try {
      expect((await admin().action(id, { migrate: null })).status).toBe(202);
      const migration = await waitFor(
        'the migration in error',
        async () => ((await admin('2.23').get(`/os-migrations?instance_uuid=${id}`)).json.migrations as Record<string, unknown>[]).find((m) => m.status === 'error'),
        10_000,
      );
      expect(migration).toMatchObject({ migration_type: 'migration' });
      const s = await env.until(env.admin, id, ['ACTIVE']);
      expect(s['OS-EXT-SRV-ATTR:host']).toBe(host);
    } finally {
      await admin().put('/os-services/enable', { host: disabled, binary: 'nova-compute' });
    }
  });
});

describe('cold migration: a crash mid-move, then a restart, finishes the move', () => {
  // Every driver call takes 1.5 s: the move is caught between its steps.
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '2', STRATA_FAKE_DELAY_MS: '1500' });
  let image: string;
  let flavor: string;

  beforeAll(async () => {
    await env.start();
    await env.hosts(2);
    flavor = await env.flavor({ name: 'm1.crash-move', vcpus: 1, ram: 128, disk: 1, id: '902' });
    image = await env.image('cirros-crash-move');
  }, 180_000);

  afterAll(() => env.stop());

  it('resumes from the step the crash interrupted and ends in VERIFY_RESIZE on the other host, one claim per host', async () => {
    const id = (await env.boot(env.admin, { name: 'crash-move', imageRef: image, flavorRef: flavor })).json.server.id as string;
    const from = (await env.until(env.admin, id, ['ACTIVE']))['OS-EXT-SRV-ATTR:host'] as string;
    expect((await env.as(env.admin, '2.1').action(id, { migrate: null })).status).toBe(202);
    await waitFor(
      'the move under way (resize_migrating or resize_migrated)',
      async () => (['resize_migrating', 'resize_migrated'].includes((await env.server(env.admin, id)).json.server['OS-EXT-STS:task_state']) ? true : undefined),
      10_000,
    );
    const port = Number(new URL(env.base).port);
    await env.crash();
    await env.start(port);
    const moved = await env.until(env.admin, id, ['VERIFY_RESIZE'], 60_000);
    expect(moved['OS-EXT-SRV-ATTR:host']).toBe(from === 'fake-1' ? 'fake-2' : 'fake-1');
    expect(await vcpusUsedOn(env)).toEqual({ 'fake-1': 1, 'fake-2': 1 });
    expect((await env.as(env.admin).action(id, { confirmResize: null })).status).toBe(204);
    await env.until(env.admin, id, ['ACTIVE'], 30_000);
    await waitFor('the source freed', async () => ((await vcpusUsedOn(env))[from] === 0 ? true : undefined), 10_000);
  });
});
