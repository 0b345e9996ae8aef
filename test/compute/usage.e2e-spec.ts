import { waitFor } from '../e2e/support/strata-process';
import { StrataCompute } from './support/strata-compute';

/**
 * os-simple-tenant-usage (nova/api/openstack/compute/simple_tenant_usage.py) on `strata start` with the fake
 * driver, and the 2.75 query rules it shares with GET /servers. Bodies and messages as the Nova 26 (Zed)
 * anchor answered them (test/fixtures/nova/README.md, "Usage").
 */
describe('os-simple-tenant-usage (Nova v2.1)', () => {
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '1', STRATA_FAKE_HOST_RESOURCES: 'vcpus=8,ram=8192,disk=100' });
  let alpha: { projectId: string; member: string; reader: string };
  let beta: { projectId: string; member: string; reader: string };
  let kept: string;
  let gone: string;
  const day = 24 * 3600 * 1000;
  const pyTime = (ms: number) => new Date(ms).toISOString().replace('Z', '000');
  let start: string;
  let end: string;

  beforeAll(async () => {
    await env.start();
    await env.hosts(1);
    const flavor = await env.flavor({ name: 'm1.usage', vcpus: 2, ram: 512, disk: 1, 'OS-FLV-EXT-DATA:ephemeral': 2, id: '500' });
    const image = await env.image('cirros-usage');
    alpha = await env.project('usage-alpha');
    beta = await env.project('usage-beta');
    const boot = async (name: string) => {
      const r = await env.boot(alpha.member, { name, imageRef: image, flavorRef: flavor });
      expect(r.status).toBe(202);
      await env.until(alpha.member, r.json.server.id, ['ACTIVE']);
      return r.json.server.id as string;
    };
    kept = await boot('usage-kept');
    gone = await boot('usage-gone');
    expect((await env.as(alpha.member).del(`/servers/${gone}`)).status).toBe(204);
    await waitFor('the deleted server to be gone', async () => ((await env.server(alpha.member, gone)).status === 404 ? true : undefined), 30_000);
    // A server that never launched (no host has its memory: ERROR) is in no usage report, as in Nova.
    const huge = await env.flavor({ name: 'm1.usage-huge', vcpus: 1, ram: 40_000, disk: 1, id: '501' });
    const never = await env.boot(alpha.member, { name: 'usage-never', imageRef: image, flavorRef: huge });
    expect(never.status).toBe(202);
    await env.until(alpha.member, never.json.server.id, ['ERROR']);
    start = pyTime(Date.now() - day);
    end = pyTime(Date.now() + day);
  }, 180_000);

  afterAll(() => env.stop());

  const usage = (token: string, path: string, version = '2.1') => env.as(token, version).get(`/os-simple-tenant-usage${path}`);

  it("shows a project's servers, a deleted one as terminated, with Nova's fields and totals, to its reader", async () => {
    const r = await usage(alpha.reader, `/${alpha.projectId}?start=${start}&end=${end}`);
    expect(r.status).toBe(200);
    const u = r.json.tenant_usage;
    // Tempest: eight keys.
    expect(Object.keys(u).sort()).toEqual(['server_usages', 'start', 'stop', 'tenant_id', 'total_hours', 'total_local_gb_usage', 'total_memory_mb_usage', 'total_vcpus_usage']);
    expect(u.start).toBe(start);
    // The end is tomorrow: the report stops now (Nova clamps it), to the microsecond.
    expect(u.stop).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect(Date.parse(`${u.stop}Z`)).toBeLessThanOrEqual(Date.now());
    const byId = new Map((u.server_usages as Record<string, any>[]).map((s) => [s.instance_id, s]));
    expect([...byId.keys()].sort()).toEqual([kept, gone].sort());
    expect(byId.get(kept)).toMatchObject({ name: 'usage-kept', tenant_id: alpha.projectId, flavor: 'm1.usage', vcpus: 2, memory_mb: 512, local_gb: 3, state: 'active', ended_at: null });
    expect(byId.get(gone)).toMatchObject({ name: 'usage-gone', state: 'terminated', ended_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000$/) });
    for (const s of byId.values()) {
      expect(s.started_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000$/);
      expect(s.hours).toBeGreaterThanOrEqual(0);
      expect(s.hours).toBeLessThan(1);
      expect(Number.isInteger(s.uptime)).toBe(true);
    }
    const hours = [...byId.values()].reduce((sum, s) => sum + s.hours, 0);
    expect(u.total_hours).toBeCloseTo(hours, 12);
    expect(u.total_vcpus_usage).toBeCloseTo(2 * hours, 12);
    expect(u.total_memory_mb_usage).toBeCloseTo(512 * hours, 9);
    expect(u.total_local_gb_usage).toBeCloseTo(3 * hours, 12);
  });

  it('lists every project for an admin, the servers only when detailed=1; a project without servers is an empty usage', async () => {
    const plain = await usage(env.admin, `?start=${start}&end=${end}`);
    expect(plain.status).toBe(200);
    const mine = (plain.json.tenant_usages as Record<string, unknown>[]).find((t) => t.tenant_id === alpha.projectId)!;
    expect(mine).not.toHaveProperty('server_usages');
    expect(Object.keys(mine)).toHaveLength(7);
    const detailed = await usage(env.admin, `?start=${start}&end=${end}&detailed=1`);
    expect((detailed.json.tenant_usages as Record<string, unknown>[]).find((t) => t.tenant_id === alpha.projectId)).toHaveProperty('server_usages');
    expect((await usage(env.admin, `/${beta.projectId}?start=${start}`)).json).toEqual({ tenant_usage: {} });
    // A period that ended before the servers launched.
    expect((await usage(env.admin, `/${alpha.projectId}?start=2020-01-01T00:00:00&end=2020-01-02T00:00:00`)).json).toEqual({ tenant_usage: {} });
  });

  it('pages by server from 2.40 (limit, marker, tenant_usages_links), not before', async () => {
    const first = await usage(env.admin, `/${alpha.projectId}?start=${start}&limit=1`, '2.40');
    expect(first.status).toBe(200);
    expect(first.json.tenant_usage.server_usages).toHaveLength(1);
    const next = first.json.tenant_usage_links[0];
    expect(next.rel).toBe('next');
    const url = new URL(next.href);
    expect(url.pathname).toBe(`/compute/v2.1/os-simple-tenant-usage/${alpha.projectId}`);
    const marker = url.searchParams.get('marker')!;
    expect(marker).toBe(first.json.tenant_usage.server_usages[0].instance_id);
    const second = await usage(env.admin, `/${alpha.projectId}?start=${start}&limit=1&marker=${marker}`, '2.40');
    expect(second.json.tenant_usage.server_usages.map((s: { instance_id: string }) => s.instance_id)).toEqual([[kept, gone].sort()[1]]);
    expect((await usage(env.admin, `/${alpha.projectId}?start=${start}&limit=0`, '2.40')).json).toEqual({ tenant_usage: {} });
    // Before 2.40 limit is not a parameter: both servers, no links.
    const old = await usage(env.admin, `/${alpha.projectId}?start=${start}&limit=1`, '2.39');
    expect(old.json.tenant_usage.server_usages).toHaveLength(2);
    expect(old.json).not.toHaveProperty('tenant_usage_links');
  });

  it("refuses Nova's way", async () => {
    const fault = (status: number, kind: string, message: string) => ({ status, json: { [kind]: { code: status, message } } });
    const answer = async (token: string, path: string, version = '2.1') => {
      const r = await usage(token, path, version);
      return { status: r.status, json: r.json };
    };
    expect(await answer(env.admin, `?start=${end}&end=${start}`)).toEqual(fault(400, 'badRequest', 'Invalid start time. The start time cannot occur after the end time.'));
    expect(await answer(env.admin, '?start=2026-02-30T00:00:00')).toEqual(fault(400, 'badRequest', 'Invalid datetime string: Datetime is in invalid format'));
    expect(await answer(env.admin, '?start=2026-12-01T00:00:00.1234567')).toEqual(fault(400, 'badRequest', 'Invalid datetime string: Datetime is in invalid format'));
    expect(await answer(env.admin, '?marker=nope', '2.40')).toEqual(fault(400, 'badRequest', 'Marker nope could not be found.'));
    expect(await answer(env.admin, '?limit=-1', '2.40')).toEqual(fault(400, 'badRequest', "Invalid input for query parameters limit. Value: -1. '-1' does not match '^[0-9]*$'"));
    expect(await answer(env.admin, '?foo=1&bar=1', '2.75')).toEqual(fault(400, 'badRequest', "Additional properties are not allowed ('bar', 'foo' were unexpected)"));
    expect((await answer(env.admin, `?foo=1&start=${start}`, '2.74')).status).toBe(200);
    // An empty project id (Tempest's negative test): no such route.
    expect((await answer(env.admin, `/?start=${start}`)).status).toBe(404);
    expect(await answer(alpha.member, `?start=${start}`)).toEqual(fault(403, 'forbidden', "Policy doesn't allow os_compute_api:os-simple-tenant-usage:list to be performed."));
    expect(await answer(beta.reader, `/${alpha.projectId}?start=${start}`)).toEqual(fault(403, 'forbidden', "Policy doesn't allow os_compute_api:os-simple-tenant-usage:show to be performed."));
  });

  it('GET /servers from 2.75 refuses names Nova does not know (Strata keeps as_of), and ignores them before; internal filters are refused to admins', async () => {
    const list = (query: string, version: string) => env.as(alpha.member, version).get(`/servers${query}`);
    const refused = await list('?foo=1&bar=2', '2.75');
    expect({ status: refused.status, json: refused.json }).toEqual({ status: 400, json: { badRequest: { code: 400, message: "'bar', 'foo' do not match any of the regexes: '^_'" } } });
    expect((await list('/detail?foo=1', '2.75')).json.badRequest.message).toBe("'foo' does not match any of the regexes: '^_'");
    expect((await list('?foo=1', '2.74')).status).toBe(200);
    expect((await list(`?as_of=${new Date().toISOString()}`, '2.75')).status).toBe(200);
    // Internal names and joined tables: an admin is refused them (servers.py `_get_servers`), a member's are dropped.
    const admin = await env.as(env.admin, '2.75').get('/servers?_internal=1');
    expect({ status: admin.status, json: admin.json }).toEqual({ status: 400, json: { badRequest: { code: 400, message: 'Invalid filter field: _internal.' } } });
    expect((await env.as(env.admin, '2.1').get('/servers/detail?metadata=x')).json.badRequest.message).toBe('Invalid filter field: metadata.');
    expect((await list('?_internal=1&metadata=x', '2.75')).status).toBe(200);
  });
});
