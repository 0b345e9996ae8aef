import { waitFor } from '../e2e/support/strata-process';
import { StrataCompute } from './support/strata-compute';

// Nova (Zed) when no host has the resources: Placement finds no candidate, the reason is empty.
const NO_VALID_HOST = 'No valid host was found. ';

async function settled(env: StrataCompute, ids: string[], timeoutMs = 120_000): Promise<Record<string, any>[]> {
  return waitFor(
    `${ids.length} servers to leave BUILD`,
    async () => {
      const r = await env.as(env.admin).get('/servers/detail?all_tenants=1');
      const mine = (r.json.servers as Record<string, any>[]).filter((s) => ids.includes(s.id));
      return mine.length === ids.length && mine.every((s) => s.status !== 'BUILD') ? mine : undefined;
    },
    timeoutMs,
    () => env.strata?.output().slice(-3000) ?? '',
  );
}

async function memoryUsed(env: StrataCompute): Promise<number> {
  const r = await env.as(env.admin, '2.1').get('/os-hypervisors/detail');
  return (r.json.hypervisors as { memory_mb_used: number }[]).reduce((sum, h) => sum + h.memory_mb_used, 0);
}

describe('Build saga: claims on the host stream never overcommit', () => {
  // One fake host with room for exactly 10 servers of 1 GiB: 10752 MB less Nova's 512 MB reserved.
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: 'solo', STRATA_FAKE_HOST_RESOURCES: 'vcpus=100,ram=10752,disk=1000' });
  let flavor: string;
  let image: string;

  beforeAll(async () => {
    await env.start();
    await env.hosts(1);
    flavor = await env.flavor({ name: 'm1.one', vcpus: 1, ram: 1024, disk: 1, id: '200' });
    image = await env.image('base');
    const q = await env.as(env.admin).put(`/os-quota-sets/${env.adminProject}`, { quota_set: { instances: 100, cores: 200, ram: 1_000_000 } });
    expect(q.status).toBe(200);
  }, 180_000);

  afterAll(() => env.stop());

  it('fires 50 creates at a host that fits 10: exactly 10 become ACTIVE, 40 fail with no valid host', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => env.boot(env.admin, { name: `burst-${i}`, imageRef: image, flavorRef: flavor })));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(202));
    const servers = await settled(env, answers.map((a) => a.json.server.id));
    const active = servers.filter((s) => s.status === 'ACTIVE');
    const failed = servers.filter((s) => s.status === 'ERROR');
    expect(active).toHaveLength(10);
    expect(failed).toHaveLength(40);
    for (const s of failed) expect(s.fault.message).toBe(NO_VALID_HOST);
    expect(await memoryUsed(env)).toBe(512 + 10 * 1024);
    const hv = (await env.as(env.admin, '2.1').get('/os-hypervisors/detail')).json.hypervisors[0];
    expect(hv.running_vms).toBe(10);
  });

  it('gives the room back when servers are deleted, so the next build fits', async () => {
    const all = (await env.as(env.admin).get('/servers?all_tenants=1')).json.servers as { id: string }[];
    for (const s of all) expect((await env.as(env.admin).del(`/servers/${s.id}`)).status).toBe(204);
    await waitFor('every claim released', async () => ((await memoryUsed(env)) === 512 ? true : undefined), 30_000);
    const again = await env.boot(env.admin, { name: 'after', imageRef: image, flavorRef: flavor });
    expect((await env.until(env.admin, again.json.server.id, ['ACTIVE', 'ERROR'])).status).toBe('ACTIVE');
  });
});

describe('Build saga: a crash mid-build, then a restart, finishes every build', () => {
  // Every fake operation takes 3 s, so builds are in flight when the process dies.
  const env = new StrataCompute({ STRATA_FAKE_HOSTS: '2', STRATA_FAKE_DELAY_MS: '3000' });
  let flavor: string;
  let image: string;

  beforeAll(async () => {
    await env.start();
    await env.hosts(2);
    flavor = await env.flavor({ name: 'm1.slow', vcpus: 1, ram: 512, disk: 1, id: '300' });
    image = await env.image('slow');
  }, 180_000);

  afterAll(() => env.stop());

  it('resumes every in-flight build after SIGKILL and leaks no claim', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await env.boot(env.admin, { name: `crash-${i}`, imageRef: image, flavorRef: flavor })).json.server.id);
    // Wait until at least one build has its spawn ordered on a host (task_state spawning), then crash.
    await waitFor('a build in spawning', async () => {
      const r = await env.as(env.admin).get('/servers/detail');
      return (r.json.servers as Record<string, any>[]).some((s) => s['OS-EXT-STS:task_state'] === 'spawning') ? true : undefined;
    }, 20_000);
    const port = Number(new URL(env.base).port);
    await env.crash();
    await env.start(port);
    const servers = await settled(env, ids, 120_000);
    expect(servers.map((s) => s.status)).toEqual(Array(5).fill('ACTIVE'));
    // One claim per server, none left over from the attempt the crash interrupted.
    expect(await memoryUsed(env)).toBe(2 * 512 + 5 * 512);
    const actions = await env.as(env.admin).get(`/servers/${ids[0]}/os-instance-actions`);
    expect(actions.json.instanceActions.map((a: { action: string }) => a.action)).toEqual(['create']);
  }, 240_000);
});
