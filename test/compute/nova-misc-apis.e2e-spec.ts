import { waitFor } from '../e2e/support/strata-process';
import { call } from '../identity/support/identity-http';
import { answer, novaFault, policyDenied } from './support/nova-http';
import { StrataCompute } from './support/strata-compute';

/**
 * The legacy extension list, os-instance_usage_audit_log and os-server-external-events on `strata start` with
 * two fake hosts, as the Nova 26 (Zed) anchor answered them (test/fixtures/nova/misc-apis-nova.txt): the
 * answers, every refusal, the policy, and that an accepted external event is in the server's audit trail
 * while a refused request writes nothing.
 */
describe('Nova extensions, instance usage audit log, server external events', () => {
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '2' });
  let alpha: { projectId: string; member: string; reader: string };
  let active: string;
  let noHost: string;
  let deleted: string;

  beforeAll(async () => {
    await env.start();
    await env.hosts(2);
    const tiny = await env.flavor({ name: 'm1.misc', vcpus: 1, ram: 128, disk: 1, id: '800' });
    // No fake host has 700000 GB of disk: NoValidHost, the server in ERROR on no host.
    const huge = await env.flavor({ name: 'm1.misc-huge', vcpus: 1, ram: 128, disk: 700_000, id: '801' });
    const image = await env.image('cirros-misc');
    alpha = await env.project('misc-alpha');
    const boot = async (name: string, flavorRef: string) => (await env.boot(env.admin, { name, imageRef: image, flavorRef })).json.server.id as string;
    [active, noHost, deleted] = [await boot('active', tiny), await boot('no-host', huge), await boot('deleted', tiny)];
    await env.until(env.admin, active, ['ACTIVE']);
    await env.until(env.admin, noHost, ['ERROR']);
    await env.until(env.admin, deleted, ['ACTIVE']);
    expect((await env.as(env.admin).del(`/servers/${deleted}`)).status).toBe(204);
    await waitFor(`server ${deleted} gone`, async () => ((await env.server(env.admin, deleted)).status === 404 ? true : undefined), 30_000);
  }, 180_000);

  afterAll(() => env.stop());

  const admin = (version = '2.1') => env.as(env.admin, version);

  describe('GET /extensions', () => {
    it("lists Nova's 99 legacy extensions, the same at every microversion and for any user", async () => {
      const r = await admin().get('/extensions');
      expect(r.status).toBe(200);
      const extensions = r.json.extensions as { alias: string; name: string }[];
      expect(extensions).toHaveLength(99);
      expect(extensions[0]).toEqual({ alias: 'NMN', description: 'Multiple network support.', links: [], name: 'Multinic', namespace: 'http://docs.openstack.org/compute/ext/fake_xml', updated: '2014-12-03T00:00:00Z' });
      expect(extensions.map((e) => e.name)).toContain('Hosts');
      expect((await admin('2.93').get('/extensions')).json).toEqual(r.json);
      expect((await env.as(alpha.member, '2.1').get('/extensions')).json).toEqual(r.json);
    });

    it('shows one by its alias, exactly; an unknown alias is a 404', async () => {
      expect(await answer(env.as(alpha.member, '2.1').get('/extensions/os-consoles'))).toEqual({
        status: 200,
        json: { extension: { alias: 'os-consoles', description: 'Interactive Console support.', links: [], name: 'Consoles', namespace: 'http://docs.openstack.org/compute/ext/fake_xml', updated: '2014-12-03T00:00:00Z' } },
      });
      expect(await answer(admin().get('/extensions/nope'))).toEqual({ status: 404, json: novaFault(404, 'The resource could not be found.') });
      expect(await answer(admin().get('/extensions/OS-consoles'))).toEqual({ status: 404, json: novaFault(404, 'The resource could not be found.') });
    });
  });

  describe('GET /os-instance_usage_audit_log', () => {
    // The audit task never ran: every compute host not run.
    const notRun = (begin: string, end: string) => ({
      hosts_not_run: ['fake-1', 'fake-2'],
      log: {},
      num_hosts: 2,
      num_hosts_done: 0,
      num_hosts_not_run: 2,
      num_hosts_running: 0,
      overall_status: '0 of 2 hosts done. 0 errors.',
      period_beginning: begin,
      period_ending: end,
      total_errors: 0,
      total_instances: 0,
    });

    it('reports the last completed month with no host done', async () => {
      const now = new Date();
      const y = now.getUTCFullYear();
      const m = now.getUTCMonth();
      const month = (year: number, index: number) => `${new Date(Date.UTC(year, index, 1)).toISOString().slice(0, 10)} 00:00:00`;
      expect(await answer(admin().get('/os-instance_usage_audit_log'))).toEqual({ status: 200, json: { instance_usage_audit_logs: notRun(month(y, m - 1), month(y, m)) } });
    });

    it('reports the month completed before a time', async () => {
      expect(await answer(admin().get('/os-instance_usage_audit_log/2020-03-15%2010:00:00'))).toEqual({ status: 200, json: { instance_usage_audit_log: notRun('2020-02-01 00:00:00', '2020-03-01 00:00:00') } });
      expect(await answer(admin('2.93').get('/os-instance_usage_audit_log/2021-01-01%2000:00:00.000001'))).toEqual({ status: 200, json: { instance_usage_audit_log: notRun('2020-12-01 00:00:00', '2021-01-01 00:00:00') } });
      expect(await answer(admin().get('/os-instance_usage_audit_log/2021-01-01%2000:00:00'))).toEqual({ status: 200, json: { instance_usage_audit_log: notRun('2020-11-01 00:00:00', '2020-12-01 00:00:00') } });
    });

    it("refuses a time strptime does not read with Nova's 400", async () => {
      for (const [path, shown] of [
        ['invalid_time', 'invalid_time'],
        ['2020-03-15T10:00:00', '2020-03-15T10:00:00'],
        ['2020-02-30%2010:00:00', '2020-02-30 10:00:00'],
        ['2020-03-15%2010:00:00.1234567', '2020-03-15 10:00:00.1234567'],
      ]) {
        expect(await answer(admin().get(`/os-instance_usage_audit_log/${path}`))).toEqual({ status: 400, json: novaFault(400, `Invalid timestamp for date ${shown}`) });
      }
    });

    it('is for admins only, the policy checked before the time', async () => {
      const member = env.as(alpha.member, '2.1');
      expect(await answer(member.get('/os-instance_usage_audit_log'))).toEqual({ status: 403, json: policyDenied('os_compute_api:os-instance-usage-audit-log:list') });
      expect(await answer(member.get('/os-instance_usage_audit_log/2020-03-15%2010:00:00'))).toEqual({ status: 403, json: policyDenied('os_compute_api:os-instance-usage-audit-log:show') });
      expect(await answer(member.get('/os-instance_usage_audit_log/invalid_time'))).toEqual({ status: 403, json: policyDenied('os_compute_api:os-instance-usage-audit-log:show') });
    });
  });

  describe('POST /os-server-external-events', () => {
    const UNKNOWN = '00000000-0000-4000-8000-000000000000';
    const post = (body: unknown, version = '2.1', token = env.admin) => answer(env.as(token, version).post('/os-server-external-events', body));
    const externalEvents = async (serverId: string) => {
      const r = await call('GET', `${env.base}/strata/v1/audit?resource_type=server&resource_id=${serverId}&limit=1000`, { token: env.admin });
      return (r.json.events as { type: string; data: Record<string, unknown> }[]).filter((e) => e.type === 'ServerExternalEventReceived').map((e) => e.data);
    };

    it('accepts an event for a server on a host and records it in its audit trail', async () => {
      expect(await post({ events: [{ name: 'network-changed', server_uuid: active }] })).toEqual({
        status: 200,
        json: { events: [{ name: 'network-changed', server_uuid: active, status: 'completed', code: 200 }] },
      });
      expect(await post({ events: [{ name: 'network-vif-plugged', server_uuid: active, tag: 'port-1', status: 'in-progress' }] })).toEqual({
        status: 200,
        json: { events: [{ name: 'network-vif-plugged', server_uuid: active, tag: 'port-1', status: 'completed', code: 200 }] },
      });
      expect(await externalEvents(active)).toEqual([
        { serverId: active, host: expect.stringMatching(/^fake-/), name: 'network-changed', tag: null, status: 'completed' },
        { serverId: active, host: expect.stringMatching(/^fake-/), name: 'network-vif-plugged', tag: 'port-1', status: 'in-progress' },
      ]);
      // Nothing of the server changes.
      expect((await env.server(env.admin, active)).json.server.status).toBe('ACTIVE');
    });

    it('records every POST, even when Neutron or Cinder send them all with one global request id', async () => {
      const before = (await externalEvents(active)).length;
      const headers = { 'X-OpenStack-Request-ID': 'req-0b7e6a52-3f7c-4d0e-8a51-5c2d9e4f1a60', 'OpenStack-API-Version': 'compute 2.1' };
      for (const tag of ['port-a', 'port-b']) {
        const r = await call('POST', `${env.compute}/os-server-external-events`, { token: env.admin, headers, body: { events: [{ name: 'network-vif-plugged', server_uuid: active, tag }] } });
        expect(r.status).toBe(200);
      }
      const recorded = await waitFor('both events in the audit trail', async () => {
        const all = await externalEvents(active);
        return all.length >= before + 2 ? all.slice(before) : undefined;
      }, 10_000);
      expect(recorded.map((e) => e.tag)).toEqual(['port-a', 'port-b']);
    });

    it("answers each event on its own (404 unknown, 400 tag missing, 422 on no host) and the whole with 207, as Nova's", async () => {
      const before = await externalEvents(active);
      expect(
        await post(
          {
            events: [
              { name: 'volume-extended', server_uuid: active },
              { name: 'volume-extended', server_uuid: noHost, tag: 'v' },
              { name: 'network-changed', server_uuid: UNKNOWN },
              { name: 'volume-extended', server_uuid: active, tag: 'vol-1' },
            ],
          },
          '2.51',
        ),
      ).toEqual({
        status: 207,
        json: {
          events: [
            { name: 'volume-extended', server_uuid: active, status: 'failed', code: 400 },
            { name: 'volume-extended', server_uuid: noHost, tag: 'v', status: 'failed', code: 422 },
            { name: 'network-changed', server_uuid: UNKNOWN, status: 'failed', code: 404 },
            { name: 'volume-extended', server_uuid: active, tag: 'vol-1', status: 'completed', code: 200 },
          ],
        },
      });
      // 207 even when no event was accepted.
      expect(await post({ events: [{ name: 'network-changed', server_uuid: UNKNOWN }] })).toEqual({ status: 207, json: { events: [{ name: 'network-changed', server_uuid: UNKNOWN, status: 'failed', code: 404 }] } });
      expect(await post({ events: [{ name: 'network-changed', server_uuid: noHost }] })).toEqual({ status: 207, json: { events: [{ name: 'network-changed', server_uuid: noHost, status: 'failed', code: 422 }] } });
      expect((await externalEvents(active)).slice(before.length)).toEqual([{ serverId: active, host: expect.stringMatching(/^fake-/), name: 'volume-extended', tag: 'vol-1', status: 'completed' }]);
      expect(await externalEvents(noHost)).toEqual([]);
    });

    it('accepts the events of a deleted server, which keeps its host (as the Nova anchor does)', async () => {
      expect(await post({ events: [{ name: 'network-vif-deleted', server_uuid: deleted, tag: 'port-9' }] })).toEqual({
        status: 200,
        json: { events: [{ name: 'network-vif-deleted', server_uuid: deleted, tag: 'port-9', status: 'completed', code: 200 }] },
      });
      expect(await externalEvents(deleted)).toHaveLength(1);
    });

    it('takes the event names of each microversion', async () => {
      const one = (name: string, tag?: string) => ({ events: [{ name, server_uuid: active, ...(tag ? { tag } : {}) }] });
      const notOneOf = (name: string, names: string) => novaFault(400, `Invalid input for field/attribute name. Value: ${name}. '${name}' is not one of [${names}]`);
      const BASE = "'network-changed', 'network-vif-plugged', 'network-vif-unplugged', 'network-vif-deleted'";
      expect(await post(one('volume-extended', 'v'), '2.50')).toEqual({ status: 400, json: notOneOf('volume-extended', BASE) });
      expect(await post(one('power-update', 'POWER_ON'), '2.75')).toEqual({ status: 400, json: notOneOf('power-update', `${BASE}, 'volume-extended'`) });
      expect((await post(one('power-update', 'POWER_OFF'), '2.76')).status).toBe(200);
      expect(await post(one('accelerator-request-bound', 'a'), '2.81')).toEqual({ status: 400, json: notOneOf('accelerator-request-bound', `${BASE}, 'volume-extended', 'power-update'`) });
      expect(await post(one('accelerator-request-bound'), '2.82')).toEqual({ status: 207, json: { events: [{ name: 'accelerator-request-bound', server_uuid: active, status: 'failed', code: 400 }] } });
      expect(await post(one('volume-reimaged', 'v'), '2.92')).toEqual({ status: 400, json: notOneOf('volume-reimaged', `${BASE}, 'volume-extended', 'power-update', 'accelerator-request-bound'`) });
      // volume-reimaged needs no tag in Zed.
      expect(await post(one('volume-reimaged'), '2.93')).toEqual({ status: 200, json: { events: [{ name: 'volume-reimaged', server_uuid: active, status: 'completed', code: 200 }] } });
    });

    it("refuses a bad body with Nova's 400, before the policy, and writes nothing", async () => {
      const before = await externalEvents(active);
      const bad = (message: string) => ({ status: 400, json: novaFault(400, message) });
      expect(await post({ events: [] })).toEqual(bad('Invalid input for field/attribute events. Value: []. [] is too short'));
      expect(await post({})).toEqual(bad("'events' is a required property"));
      expect(await post({ events: [{ name: 'network-changed', server_uuid: active }], foo: 1 })).toEqual(bad("Additional properties are not allowed ('foo' was unexpected)"));
      expect(await post({ events: [{ name: 'network-changed', server_uuid: active, foo: 1 }] })).toEqual(
        bad(`Invalid input for field/attribute 0. Value: {'name': 'network-changed', 'server_uuid': '${active}', 'foo': 1}. Additional properties are not allowed ('foo' was unexpected)`),
      );
      expect(await post({ events: [{ name: 'network-changed', server_uuid: 'abc' }] })).toEqual(bad("Invalid input for field/attribute server_uuid. Value: abc. 'abc' is not a 'uuid'"));
      expect(await post({ events: [{ server_uuid: active }] })).toEqual(bad(`Invalid input for field/attribute 0. Value: {'server_uuid': '${active}'}. 'name' is a required property`));
      expect(await post({ events: [{ name: 'network-changed', server_uuid: active, status: 'done' }] })).toEqual(
        bad("Invalid input for field/attribute status. Value: done. 'done' is not one of ['failed', 'completed', 'in-progress']"),
      );
      expect(await post({ events: [{ name: 'network-changed', server_uuid: active, tag: 't'.repeat(256) }] })).toEqual(
        bad(`Invalid input for field/attribute tag. Value: ${'t'.repeat(256)}. '${'t'.repeat(256)}' is too long`),
      );
      expect(await post({ events: { name: 'network-changed' } })).toEqual(bad("Invalid input for field/attribute events. Value: {'name': 'network-changed'}. {'name': 'network-changed'} is not of type 'array'"));
      expect(await post({ events: [] }, '2.1', alpha.member)).toEqual(bad('Invalid input for field/attribute events. Value: []. [] is too short'));
      expect(await externalEvents(active)).toEqual(before);
    });

    it('is for admins only, and a refused request writes nothing', async () => {
      const before = await externalEvents(active);
      expect(await post({ events: [{ name: 'network-changed', server_uuid: active }] }, '2.1', alpha.member)).toEqual({
        status: 403,
        json: policyDenied('os_compute_api:os-server-external-events:create'),
      });
      expect(await externalEvents(active)).toEqual(before);
    });
  });
});
