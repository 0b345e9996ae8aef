import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort, killAll, spawnStrata, StrataProcess, tempDataDir, waitFor, waitReady } from '../e2e/support/strata-process';
import { call, issueToken, projectScope } from '../identity/support/identity-http';
import { nova, novaFault, policyDenied } from './support/nova-http';

/**
 * Nova's non-server resources of `strata start` over HTTP: flavors (+ access, extra specs),
 * keypairs, quotas and limits, server groups, hypervisors, services and availability zones;
 * bodies and texts as the real Nova (Zed) answers them (test/fixtures/nova/*.md).
 */

const ADMIN = { name: 'admin', password: 'compute-secret' };
const PUBLIC_KEY =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv/zgGgB4rMYmIf+6A4l6Rr+o/6lHBQdW5aYd44bd8JttDCE/F/pNRr0lRE+PiqSPO8nDPHw0010JeMH9gYgnnFlyY3/OcJ02RhIPyyxYpv9FhY+2YiUkpwFOcLImyrxEsYXpD/0d3ac30bNH6Sw9JD9UZHYcpSxsIbECHw== Generated-by-Nova';
// Nova's fingerprint of PUBLIC_KEY (keypair-create.md, exchange 4).
const PUBLIC_KEY_FINGERPRINT = '1e:2c:9b:56:79:4b:45:77:f9:ca:7a:98:2c:b0:d5:3c';

describe('Nova resources API (strata start)', () => {
  const { root, dataDir } = tempDataDir();
  const clusterDir = path.join(dataDir, 'postgres');
  let strata: StrataProcess | undefined;
  let base = '';
  let admin = '';
  let adminProject = '';
  const tokens: Record<string, string> = {};
  const users: Record<string, string> = {};
  const project: Record<string, string> = {};

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const identity = `${base}/identity/v3`;
    strata = spawnStrata(['start'], { STRATA_DATA_DIR: dataDir, STRATA_PORT: String(port), STRATA_ADMIN_PASSWORD: ADMIN.password });
    await waitReady(base, strata);
    const issued = await issueToken(identity, ADMIN, projectScope('admin'));
    admin = issued.value;
    adminProject = issued.answer.json.token.project.id;
    const role = async (name: string) => (await call('GET', `${identity}/roles?name=${name}`, { token: admin })).json.roles[0].id as string;
    const roles = { member: await role('member'), reader: await role('reader') };
    for (const name of ['alpha', 'beta'] as const) {
      project[name] = (await call('POST', `${identity}/projects`, { token: admin, body: { project: { name } } })).json.project.id;
    }
    const people = [
      { name: 'alice', project: 'alpha', role: 'member' },
      { name: 'bob', project: 'beta', role: 'member' },
      { name: 'rita', project: 'alpha', role: 'reader' },
    ] as const;
    for (const person of people) {
      const user = (await call('POST', `${identity}/users`, { token: admin, body: { user: { name: person.name, password: `${person.name}-pw` } } })).json.user.id;
      users[person.name] = user;
      const granted = await call('PUT', `${identity}/projects/${project[person.project]}/users/${user}/roles/${roles[person.role]}`, { token: admin });
      if (granted.status !== 204) throw new Error(`role grant answered ${granted.status}`);
      tokens[person.name] = (await issueToken(identity, { name: person.name, password: `${person.name}-pw` }, projectScope(person.project))).value;
    }
  });

  afterAll(async () => {
    await killAll(strata, clusterDir);
    fs.rmSync(root, { recursive: true, force: true });
  });

  const flavorNames = async () => (await nova(base, 'GET', '/flavors?is_public=None', { token: admin })).json.flavors.map((f: { name: string }) => f.name).sort();

  describe('flavors', () => {
    it('creates a flavor at 2.1 with Nova defaults, swap shown as ""', async () => {
      const a = await nova(base, 'POST', '/flavors', { token: admin, body: { flavor: { name: 'fx-tiny', ram: 512, vcpus: 1, disk: 1 } } });
      expect(a.status).toBe(200);
      expect(a.headers['openstack-api-version']).toBe('compute 2.1');
      expect(a.json.flavor).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'fx-tiny',
        ram: 512,
        disk: 1,
        swap: '',
        'OS-FLV-EXT-DATA:ephemeral': 0,
        'OS-FLV-DISABLED:disabled': false,
        vcpus: 1,
        'os-flavor-access:is_public': true,
        rxtx_factor: 1,
        links: [
          { rel: 'self', href: `${base}/compute/v2.1/flavors/${a.json.flavor.id}` },
          { rel: 'bookmark', href: `${base}/compute/flavors/${a.json.flavor.id}` },
        ],
      });
    });

    it('creates with an id and a description at 2.93, showing extra_specs', async () => {
      const a = await nova(base, 'POST', '/flavors', {
        token: admin,
        version: '2.93',
        body: { flavor: { name: 'fx-small', ram: 1024, vcpus: 2, disk: 2, id: 'fx-small-id', swap: 512, 'OS-FLV-EXT-DATA:ephemeral': 1, rxtx_factor: 1.0, 'os-flavor-access:is_public': true, description: 'fx small flavor' } },
      });
      expect(a.status).toBe(200);
      expect(a.json.flavor).toMatchObject({ id: 'fx-small-id', swap: 512, 'OS-FLV-EXT-DATA:ephemeral': 1, description: 'fx small flavor', extra_specs: {} });
    });

    it('takes a numeric id as a string and makes a private flavor', async () => {
      const a = await nova(base, 'POST', '/flavors', { token: admin, body: { flavor: { name: 'fx-private', ram: 256, vcpus: 1, disk: 0, id: 424242, 'os-flavor-access:is_public': false } } });
      expect(a.status).toBe(200);
      expect(a.json.flavor).toMatchObject({ id: '424242', 'os-flavor-access:is_public': false });
    });

    it.each([
      [{ ram: 512, vcpus: 1, disk: 1 }, "Invalid input for field/attribute flavor. Value: {'ram': 512, 'vcpus': 1, 'disk': 1}. 'name' is a required property"],
      [{ name: 'fx-bad', ram: 0, vcpus: 1, disk: 1 }, 'Invalid input for field/attribute ram. Value: 0. 0 is less than the minimum of 1'],
      [{ name: 'fx-bad', ram: 'abc', vcpus: 1, disk: 1 }, "Invalid input for field/attribute ram. Value: abc. 'abc' does not match '^[0-9]+$'"],
      [{ name: 'fx-bad', ram: 512, vcpus: 1, disk: -1 }, 'Invalid input for field/attribute disk. Value: -1. -1 is less than the minimum of 0'],
      [{ name: 'fx-bad', ram: 512, vcpus: 1, disk: 1, foo: 1 }, "Invalid input for field/attribute flavor. Value: {'name': 'fx-bad', 'ram': 512, 'vcpus': 1, 'disk': 1, 'foo': 1}. Additional properties are not allowed ('foo' was unexpected)"],
      [{ name: 'fx-bad', ram: 512, vcpus: 1, disk: 1, description: 'x' }, "Invalid input for field/attribute flavor. Value: {'name': 'fx-bad', 'ram': 512, 'vcpus': 1, 'disk': 1, 'description': 'x'}. Additional properties are not allowed ('description' was unexpected)"],
      [{ name: 'x'.repeat(256), ram: 512, vcpus: 1, disk: 1 }, `Invalid input for field/attribute name. Value: ${'x'.repeat(256)}. '${'x'.repeat(256)}' is too long`],
    ])('refuses %j with Nova 400 and writes nothing', async (flavor, message) => {
      const before = await flavorNames();
      const a = await nova(base, 'POST', '/flavors', { token: admin, body: { flavor } });
      expect(a.status).toBe(400);
      expect(a.json).toEqual(novaFault(400, message));
      expect(await flavorNames()).toEqual(before);
    });

    it('refuses a body that is not JSON', async () => {
      const a = await nova(base, 'POST', '/flavors', { token: admin, body: '{not json' });
      expect(a.status).toBe(400);
      expect(a.json).toEqual(novaFault(400, 'Malformed request body'));
    });

    it('answers 409 for a taken name or id', async () => {
      const byName = await nova(base, 'POST', '/flavors', { token: admin, body: { flavor: { name: 'fx-tiny', ram: 512, vcpus: 1, disk: 1 } } });
      expect(byName.status).toBe(409);
      expect(byName.json).toEqual(novaFault(409, 'Flavor with name fx-tiny already exists.'));
      const byId = await nova(base, 'POST', '/flavors', { token: admin, body: { flavor: { name: 'fx-dupid', ram: 512, vcpus: 1, disk: 1, id: 'fx-small-id' } } });
      expect(byId.status).toBe(409);
      expect(byId.json).toEqual(novaFault(409, 'Flavor with ID fx-small-id already exists.'));
      // The refused create released its name reservation.
      expect(await flavorNames()).not.toContain('fx-dupid');
      const again = await nova(base, 'POST', '/flavors', { token: admin, body: { flavor: { name: 'fx-dupid', ram: 512, vcpus: 1, disk: 1, id: 'fx-dupid' } } });
      expect(again.status).toBe(200);
    });

    it('refuses a member with the policy message', async () => {
      const a = await nova(base, 'POST', '/flavors', { token: tokens.alice, body: { flavor: { name: 'fx-bad', ram: 512, vcpus: 1, disk: 1 } } });
      expect(a.status).toBe(403);
      expect(a.json).toEqual(policyDenied('os_compute_api:os-flavor-manage:create'));
    });

    it('shows fields by microversion', async () => {
      const at = async (version: string) => (await nova(base, 'GET', '/flavors/fx-small-id', { token: tokens.alice, version })).json.flavor;
      expect(await at('2.54')).not.toHaveProperty('description');
      expect(await at('2.55')).toMatchObject({ description: 'fx small flavor' });
      expect(await at('2.60')).not.toHaveProperty('extra_specs');
      expect(await at('2.61')).toHaveProperty('extra_specs', {});
      const tiny = (await nova(base, 'GET', '/flavors/detail', { token: admin, version: '2.75' })).json.flavors.find((f: { name: string }) => f.name === 'fx-tiny');
      expect(tiny.swap).toBe(0);
    });

    it('answers 404 for a missing flavor and hides a private one', async () => {
      expect((await nova(base, 'GET', '/flavors/no-such-flavor', { token: admin })).json).toEqual(novaFault(404, 'Flavor no-such-flavor could not be found.'));
      const hidden = await nova(base, 'GET', '/flavors/424242', { token: tokens.alice });
      expect(hidden.status).toBe(404);
      expect(hidden.json).toEqual(novaFault(404, 'Flavor 424242 could not be found.'));
      const names = (await nova(base, 'GET', '/flavors', { token: tokens.alice })).json.flavors.map((f: { name: string }) => f.name);
      expect(names).not.toContain('fx-private');
    });

    it('lists with filters, sorting and paging links', async () => {
      const filtered = await nova(base, 'GET', '/flavors?minRam=1000&minDisk=2', { token: admin });
      expect(filtered.json.flavors.map((f: { id: string }) => f.id)).toEqual(['fx-small-id']);
      const sorted = await nova(base, 'GET', '/flavors?sort_key=memory_mb&sort_dir=desc&limit=1', { token: admin });
      expect(sorted.json.flavors.map((f: { id: string }) => f.id)).toEqual(['fx-small-id']);
      expect(sorted.json.flavors_links).toEqual([{ rel: 'next', href: `${base}/compute/v2.1/flavors?limit=1&sort_dir=desc&sort_key=memory_mb&marker=fx-small-id` }]);
      expect((await nova(base, 'GET', '/flavors?marker=no-such-flavor', { token: admin })).json).toEqual(novaFault(400, 'marker [no-such-flavor] not found'));
      const bogus = await nova(base, 'GET', '/flavors?sort_key=bogus', { token: admin });
      expect(bogus.status).toBe(400);
      expect(bogus.json.badRequest.message).toMatch(/^Invalid input for query parameters sort_key\. Value: bogus\. 'bogus' is not one of \['created_at', /);
      expect((await nova(base, 'GET', '/flavors?is_public=false', { token: admin })).json.flavors.map((f: { id: string }) => f.id)).toEqual(['424242']);
    });

    it('refuses unknown query parameters from 2.75 only', async () => {
      expect((await nova(base, 'GET', '/flavors?foo=1', { token: admin, version: '2.74' })).status).toBe(200);
      const strict = await nova(base, 'GET', '/flavors?foo=1', { token: admin, version: '2.75' });
      expect(strict.status).toBe(400);
    });

    it('updates the description from 2.55 on', async () => {
      expect((await nova(base, 'PUT', '/flavors/fx-small-id', { token: admin, version: '2.54', body: { flavor: { description: 'updated' } } })).status).toBe(404);
      const bad = await nova(base, 'PUT', '/flavors/fx-small-id', { token: admin, version: '2.93', body: { flavor: { name: 'renamed' } } });
      expect(bad.json).toEqual(novaFault(400, "Invalid input for field/attribute flavor. Value: {'name': 'renamed'}. 'description' is a required property"));
      const ok = await nova(base, 'PUT', '/flavors/fx-small-id', { token: admin, version: '2.93', body: { flavor: { description: 'updated' } } });
      expect(ok.status).toBe(200);
      expect(ok.json.flavor.description).toBe('updated');
    });

    it('manages extra specs', async () => {
      const created = await nova(base, 'POST', '/flavors/fx-small-id/os-extra_specs', { token: admin, body: { extra_specs: { 'hw:cpu_policy': 'shared', 'fx:custom': '1', 'fx:n': 5 } } });
      expect(created.status).toBe(200);
      expect(created.json).toEqual({ extra_specs: { 'hw:cpu_policy': 'shared', 'fx:custom': '1', 'fx:n': 5 } });
      expect((await nova(base, 'GET', '/flavors/fx-small-id/os-extra_specs', { token: tokens.alice })).json).toEqual({ extra_specs: { 'fx:custom': '1', 'fx:n': '5', 'hw:cpu_policy': 'shared' } });
      expect((await nova(base, 'PUT', '/flavors/fx-small-id/os-extra_specs/fx:custom', { token: admin, body: { 'fx:custom': '2' } })).json).toEqual({ 'fx:custom': '2' });
      expect((await nova(base, 'PUT', '/flavors/fx-small-id/os-extra_specs/fx:custom', { token: admin, body: { 'fx:other': '2' } })).json).toEqual(novaFault(400, 'Request body and URI mismatch'));
      expect((await nova(base, 'GET', '/flavors/fx-small-id/os-extra_specs/fx:custom', { token: admin })).json).toEqual({ 'fx:custom': '2' });
      expect((await nova(base, 'POST', '/flavors/fx-small-id/os-extra_specs', { token: tokens.alice, body: { extra_specs: { 'fx:x': '1' } } })).json).toEqual(
        policyDenied('os_compute_api:os-flavor-extra-specs:create'),
      );
      expect((await nova(base, 'GET', '/flavors/fx-small-id/os-extra_specs/fx:missing', { token: admin })).json).toEqual(novaFault(404, 'Flavor fx-small-id has no extra specs with key fx:missing.'));
      expect((await nova(base, 'DELETE', '/flavors/fx-small-id/os-extra_specs/fx:custom', { token: admin })).status).toBe(200);
      expect((await nova(base, 'DELETE', '/flavors/fx-small-id/os-extra_specs/fx:custom', { token: admin })).json).toEqual(novaFault(404, 'Flavor fx-small-id has no extra specs with key fx:custom.'));
      expect((await nova(base, 'GET', '/flavors/fx-small-id', { token: admin, version: '2.61' })).json.flavor.extra_specs).toEqual({ 'fx:n': '5', 'hw:cpu_policy': 'shared' });
    });

    it('gives a project access to a private flavor and takes it back', async () => {
      expect((await nova(base, 'GET', '/flavors/424242/os-flavor-access', { token: admin })).json).toEqual({ flavor_access: [] });
      const add = await nova(base, 'POST', '/flavors/424242/action', { token: admin, body: { addTenantAccess: { tenant: project.alpha } } });
      expect(add.json).toEqual({ flavor_access: [{ flavor_id: '424242', tenant_id: project.alpha }] });
      const again = await nova(base, 'POST', '/flavors/424242/action', { token: admin, body: { addTenantAccess: { tenant: project.alpha } } });
      expect(again.status).toBe(409);
      expect((await nova(base, 'GET', '/flavors/424242', { token: tokens.alice })).status).toBe(200);
      expect((await nova(base, 'GET', '/flavors/424242', { token: tokens.bob })).status).toBe(404);
      expect((await nova(base, 'POST', '/flavors/424242/action', { token: tokens.alice, body: { addTenantAccess: { tenant: project.beta } } })).json).toEqual(
        policyDenied('os_compute_api:os-flavor-access:add_tenant_access'),
      );
      const missing = await nova(base, 'POST', '/flavors/424242/action', { token: admin, body: { removeTenantAccess: { tenant: project.beta } } });
      expect(missing.status).toBe(404);
      expect((await nova(base, 'POST', '/flavors/424242/action', { token: admin, body: { removeTenantAccess: { tenant: project.alpha } } })).json).toEqual({ flavor_access: [] });
      expect((await nova(base, 'GET', '/flavors/424242', { token: tokens.alice })).status).toBe(404);
    });

    it('adds access to a public flavor before 2.7 and refuses it from 2.7 on', async () => {
      const tiny = (await nova(base, 'GET', '/flavors', { token: admin })).json.flavors.find((f: { name: string }) => f.name === 'fx-tiny').id;
      expect((await nova(base, 'GET', `/flavors/${tiny}/os-flavor-access`, { token: admin })).json).toEqual(novaFault(404, 'Access list not available for public flavors.'));
      const v27 = await nova(base, 'POST', `/flavors/${tiny}/action`, { token: admin, version: '2.7', body: { addTenantAccess: { tenant: project.beta } } });
      expect(v27.status).toBe(409);
      expect(v27.json).toEqual(novaFault(409, 'Can not add access to a public flavor.'));
      const v21 = await nova(base, 'POST', `/flavors/${tiny}/action`, { token: admin, body: { addTenantAccess: { tenant: project.beta } } });
      expect(v21.status).toBe(200);
      expect(v21.json).toEqual({ flavor_access: [{ flavor_id: tiny, tenant_id: project.beta }] });
    });

    it('deletes a flavor (202), after which its name is free', async () => {
      const made = await nova(base, 'POST', '/flavors', { token: admin, body: { flavor: { name: 'fx-gone', ram: 64, vcpus: 1, disk: 0, id: 'fx-gone' } } });
      expect(made.status).toBe(200);
      expect((await nova(base, 'DELETE', '/flavors/fx-gone', { token: tokens.alice })).json).toEqual(policyDenied('os_compute_api:os-flavor-manage:delete'));
      expect((await nova(base, 'DELETE', '/flavors/fx-gone', { token: admin })).status).toBe(202);
      expect((await nova(base, 'GET', '/flavors/fx-gone', { token: admin })).status).toBe(404);
      expect((await nova(base, 'DELETE', '/flavors/fx-gone', { token: admin })).json).toEqual(novaFault(404, 'Flavor fx-gone could not be found.'));
      expect((await nova(base, 'POST', '/flavors', { token: admin, body: { flavor: { name: 'fx-gone', ram: 64, vcpus: 1, disk: 0 } } })).status).toBe(200);
    });
  });

  describe('keypairs', () => {
    it('generates a keypair at 2.1 (200, no type) and at 2.2 (201, type)', async () => {
      const v21 = await nova(base, 'POST', '/os-keypairs', { token: tokens.alice, body: { keypair: { name: 'fx-gen-21' } } });
      expect(v21.status).toBe(200);
      expect(v21.json.keypair).toEqual({
        name: 'fx-gen-21',
        public_key: expect.stringMatching(/^ssh-rsa AAAA\S+ Generated-by-Nova$/),
        private_key: expect.stringMatching(/^-----BEGIN RSA PRIVATE KEY-----\n/),
        fingerprint: expect.stringMatching(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/),
        user_id: users.alice,
      });
      const v22 = await nova(base, 'POST', '/os-keypairs', { token: tokens.alice, version: '2.91', body: { keypair: { name: 'fx-gen-291', type: 'ssh' } } });
      expect(v22.status).toBe(201);
      expect(v22.json.keypair).toMatchObject({ name: 'fx-gen-291', type: 'ssh' });
    });

    it('imports a public key with Nova fingerprint; 2.92 requires public_key', async () => {
      const imported = await nova(base, 'POST', '/os-keypairs', { token: tokens.alice, version: '2.93', body: { keypair: { name: 'fx-imp', public_key: PUBLIC_KEY } } });
      expect(imported.status).toBe(201);
      expect(imported.json.keypair).toEqual({ type: 'ssh', name: 'fx-imp', public_key: PUBLIC_KEY, fingerprint: PUBLIC_KEY_FINGERPRINT, user_id: users.alice });
      const gen = await nova(base, 'POST', '/os-keypairs', { token: tokens.alice, version: '2.93', body: { keypair: { name: 'fx-gen-292' } } });
      expect(gen.json).toEqual(novaFault(400, "Invalid input for field/attribute keypair. Value: {'name': 'fx-gen-292'}. 'public_key' is a required property"));
    });

    it.each([
      ['2.93', { name: 'fx-imp', public_key: PUBLIC_KEY }, 409, "Key pair 'fx-imp' already exists."],
      ['2.93', { name: 'fx-bad-key', public_key: 'ssh-rsa AAAA garbage' }, 400, 'Keypair data is invalid: failed to generate fingerprint'],
      ['2.93', { name: 'fx bad/name', public_key: PUBLIC_KEY }, 400, "An invalid 'name' value was provided. The name must be: Only expected characters: [@._- 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ]"],
      ['2.1', { name: 'fx bad/name' }, 400, "An invalid 'name' value was provided. The name must be: Only expected characters: [_- 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ]"],
      ['2.93', { name: 'fx-t', public_key: PUBLIC_KEY, type: 'rsa' }, 400, "Invalid input for field/attribute type. Value: rsa. 'rsa' is not one of ['ssh', 'x509']"],
    ])('at %s refuses %j', async (version, keypair, status, message) => {
      const before = (await nova(base, 'GET', '/os-keypairs', { token: tokens.alice })).json.keypairs.length;
      const a = await nova(base, 'POST', '/os-keypairs', { token: tokens.alice, version, body: { keypair } });
      expect(a.status).toBe(status);
      expect(a.json).toEqual(novaFault(status, message));
      expect((await nova(base, 'GET', '/os-keypairs', { token: tokens.alice })).json.keypairs.length).toBe(before);
    });

    it('lets an admin create for another user from 2.10, not a member', async () => {
      const forBob = await nova(base, 'POST', '/os-keypairs', { token: admin, version: '2.10', body: { keypair: { name: 'fx-for-bob', public_key: PUBLIC_KEY, user_id: users.bob } } });
      expect(forBob.status).toBe(201);
      expect(forBob.json.keypair.user_id).toBe(users.bob);
      const denied = await nova(base, 'POST', '/os-keypairs', { token: tokens.alice, version: '2.10', body: { keypair: { name: 'fx-for-bob2', public_key: PUBLIC_KEY, user_id: users.bob } } });
      expect(denied.json).toEqual(policyDenied('os_compute_api:os-keypairs:create'));
      expect((await nova(base, 'GET', `/os-keypairs?user_id=${users.bob}`, { token: admin, version: '2.10' })).json.keypairs.map((k: { keypair: { name: string } }) => k.keypair.name)).toEqual(['fx-for-bob']);
      expect((await nova(base, 'GET', `/os-keypairs?user_id=${users.bob}`, { token: tokens.alice, version: '2.10' })).json).toEqual(policyDenied('os_compute_api:os-keypairs:index'));
    });

    it('lists by microversion and pages from 2.35', async () => {
      const v21 = (await nova(base, 'GET', '/os-keypairs', { token: tokens.alice })).json.keypairs;
      expect(v21.map((k: { keypair: { name: string } }) => k.keypair.name)).toEqual(['fx-gen-21', 'fx-gen-291', 'fx-imp']);
      expect(Object.keys(v21[0].keypair).sort()).toEqual(['fingerprint', 'name', 'public_key']);
      const page = await nova(base, 'GET', '/os-keypairs?limit=1', { token: tokens.alice, version: '2.93' });
      expect(page.json.keypairs).toHaveLength(1);
      expect(page.json.keypairs[0].keypair.type).toBe('ssh');
      expect(page.json.keypairs_links).toEqual([{ rel: 'next', href: `${base}/compute/v2.1/os-keypairs?limit=1&marker=fx-gen-21` }]);
      const next = await nova(base, 'GET', '/os-keypairs?limit=1&marker=fx-gen-21', { token: tokens.alice, version: '2.93' });
      expect(next.json.keypairs[0].keypair.name).toBe('fx-gen-291');
      expect((await nova(base, 'GET', '/os-keypairs?marker=fx-nope', { token: tokens.alice, version: '2.93' })).json).toEqual(novaFault(400, 'Marker fx-nope could not be found.'));
    });

    it('shows and deletes (202 at 2.1, 204 later)', async () => {
      const shown = await nova(base, 'GET', '/os-keypairs/fx-imp', { token: tokens.alice });
      expect(shown.json.keypair).toMatchObject({ name: 'fx-imp', public_key: PUBLIC_KEY, fingerprint: PUBLIC_KEY_FINGERPRINT, user_id: users.alice, deleted: false, deleted_at: null, updated_at: null });
      expect(shown.json.keypair.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
      expect((await nova(base, 'GET', '/os-keypairs/fx-imp', { token: tokens.bob, version: '2.93' })).json).toEqual(novaFault(404, `Keypair fx-imp not found for user ${users.bob}`));
      expect((await nova(base, 'DELETE', '/os-keypairs/fx-gen-291', { token: tokens.alice })).status).toBe(202);
      expect((await nova(base, 'DELETE', '/os-keypairs/fx-imp', { token: tokens.alice, version: '2.93' })).status).toBe(204);
      expect((await nova(base, 'DELETE', '/os-keypairs/fx-imp', { token: tokens.alice, version: '2.93' })).json).toEqual(novaFault(404, `Keypair fx-imp not found for user ${users.alice}`));
      expect((await nova(base, 'DELETE', `/os-keypairs/fx-for-bob?user_id=${users.bob}`, { token: admin, version: '2.10' })).status).toBe(204);
    });
  });

  describe('quotas and limits', () => {
    it('shows the defaults by microversion', async () => {
      const v21 = (await nova(base, 'GET', `/os-quota-sets/${project.alpha}`, { token: tokens.rita })).json.quota_set;
      expect(v21).toEqual({
        id: project.alpha,
        cores: 20,
        fixed_ips: -1,
        floating_ips: -1,
        injected_file_content_bytes: 10240,
        injected_file_path_bytes: 255,
        injected_files: 5,
        instances: 10,
        key_pairs: 100,
        metadata_items: 128,
        ram: 51200,
        security_group_rules: -1,
        security_groups: -1,
        server_group_members: 10,
        server_groups: 10,
      });
      const v236 = (await nova(base, 'GET', `/os-quota-sets/${project.alpha}`, { token: admin, version: '2.36' })).json.quota_set;
      expect(v236).not.toHaveProperty('floating_ips');
      expect(v236).toHaveProperty('injected_files', 5);
      const v257 = (await nova(base, 'GET', `/os-quota-sets/${project.alpha}/defaults`, { token: tokens.bob, version: '2.57' })).json.quota_set;
      expect(Object.keys(v257).sort()).toEqual(['cores', 'id', 'instances', 'key_pairs', 'metadata_items', 'ram', 'server_group_members', 'server_groups']);
    });

    it('refuses a project that does not exist, and shows the default quota class', async () => {
      expect((await nova(base, 'GET', '/os-quota-sets/not-a-project', { token: admin, version: '2.93' })).json).toEqual(novaFault(400, 'Project ID not-a-project is not a valid project.'));
      const cls = (await nova(base, 'GET', '/os-quota-class-sets/default', { token: admin, version: '2.93' })).json;
      expect(cls).toEqual({ quota_class_set: { id: 'default', cores: 20, instances: 10, key_pairs: 100, metadata_items: 128, ram: 51200, server_group_members: 10, server_groups: 10 } });
      const forceOutside = await nova(base, 'PUT', `/os-quota-sets/${project.alpha}`, { token: admin, version: '2.93', body: { quota_set: { instances: 1 }, force: true } });
      expect(forceOutside.json).toEqual(novaFault(400, "Additional properties are not allowed ('force' was unexpected)"));
    });

    it('refuses another project reader and a member update', async () => {
      expect((await nova(base, 'GET', `/os-quota-sets/${project.alpha}`, { token: tokens.bob })).json).toEqual(policyDenied('os_compute_api:os-quota-sets:show'));
      expect((await nova(base, 'PUT', `/os-quota-sets/${project.alpha}`, { token: tokens.alice, body: { quota_set: { instances: 5 } } })).json).toEqual(
        policyDenied('os_compute_api:os-quota-sets:update'),
      );
    });

    it('updates, validates and reverts a quota set', async () => {
      const bad = await nova(base, 'PUT', `/os-quota-sets/${project.alpha}`, { token: admin, body: { quota_set: { instances: -2 } } });
      expect(bad.json).toEqual(novaFault(400, 'Invalid input for field/attribute instances. Value: -2. -2 is less than the minimum of -1'));
      const unknown = await nova(base, 'PUT', `/os-quota-sets/${project.alpha}`, { token: admin, version: '2.57', body: { quota_set: { injected_files: 1 } } });
      expect(unknown.status).toBe(400);
      expect((await nova(base, 'GET', `/os-quota-sets/${project.alpha}`, { token: admin })).json.quota_set.instances).toBe(10);
      const ok = await nova(base, 'PUT', `/os-quota-sets/${project.alpha}`, { token: admin, body: { quota_set: { instances: 3, cores: '7', force: true } } });
      expect(ok.status).toBe(200);
      expect(ok.json.quota_set).not.toHaveProperty('id');
      expect(ok.json.quota_set).toMatchObject({ instances: 3, cores: 7 });
      const detail = (await nova(base, 'GET', `/os-quota-sets/${project.alpha}/detail`, { token: tokens.alice })).json.quota_set;
      expect(detail.instances).toEqual({ in_use: 0, limit: 3, reserved: 0 });
      const limits = (await nova(base, 'GET', '/limits', { token: tokens.alice })).json.limits;
      expect(limits.rate).toEqual([]);
      expect(limits.absolute).toMatchObject({ maxTotalInstances: 3, maxTotalCores: 7, totalInstancesUsed: 0, maxTotalRAMSize: 51200, maxPersonality: 5, maxSecurityGroups: -1 });
      expect((await nova(base, 'DELETE', `/os-quota-sets/${project.alpha}`, { token: admin })).status).toBe(202);
      expect((await nova(base, 'GET', `/os-quota-sets/${project.alpha}`, { token: admin })).json.quota_set.instances).toBe(10);
    });

    it('shows limits by microversion and other projects only to admins', async () => {
      const v257 = (await nova(base, 'GET', '/limits', { token: tokens.alice, version: '2.57' })).json.limits.absolute;
      expect(Object.keys(v257).sort()).toEqual([
        'maxServerGroupMembers',
        'maxServerGroups',
        'maxServerMeta',
        'maxTotalCores',
        'maxTotalInstances',
        'maxTotalKeypairs',
        'maxTotalRAMSize',
        'totalCoresUsed',
        'totalInstancesUsed',
        'totalRAMUsed',
        'totalServerGroupsUsed',
      ]);
      expect((await nova(base, 'GET', `/limits?tenant_id=${project.beta}`, { token: tokens.alice })).status).toBe(403);
      expect((await nova(base, 'GET', `/limits?tenant_id=${project.beta}`, { token: admin })).status).toBe(200);
    });
  });

  describe('server groups', () => {
    it('creates with policies before 2.64 and policy + rules from 2.64', async () => {
      const v21 = await nova(base, 'POST', '/os-server-groups', { token: tokens.alice, body: { server_group: { name: 'g1', policies: ['affinity'] } } });
      expect(v21.status).toBe(200);
      expect(v21.json.server_group).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'g1', policies: ['affinity'], members: [], metadata: {} });
      const v213 = await nova(base, 'POST', '/os-server-groups', { token: tokens.alice, version: '2.15', body: { server_group: { name: 'g2', policies: ['soft-anti-affinity'] } } });
      expect(v213.json.server_group).toMatchObject({ policies: ['soft-anti-affinity'], project_id: project.alpha, user_id: users.alice });
      const v264 = await nova(base, 'POST', '/os-server-groups', { token: tokens.alice, version: '2.64', body: { server_group: { name: 'g3', policy: 'anti-affinity', rules: { max_server_per_host: 2 } } } });
      expect(v264.json.server_group).toEqual({ id: expect.any(String), name: 'g3', policy: 'anti-affinity', rules: { max_server_per_host: 2 }, members: [], project_id: project.alpha, user_id: users.alice });
    });

    it.each([
      ['2.1', { name: 'g', policies: ['soft-affinity'] }, "Invalid input for field/attribute 0. Value: soft-affinity. 'soft-affinity' is not one of ['anti-affinity', 'affinity']"],
      ['2.1', { name: 'g', policies: ['affinity', 'anti-affinity'] }, "Invalid input for field/attribute policies. Value: ['affinity', 'anti-affinity']. ['affinity', 'anti-affinity'] is too long"],
      ['2.64', { name: 'g', policies: ['affinity'] }, "Invalid input for field/attribute server_group. Value: {'name': 'g', 'policies': ['affinity']}. 'policy' is a required property"],
      ['2.64', { name: 'g', policy: 'affinity', rules: { max_server_per_host: 2 } }, 'Only anti-affinity policy supports rules.'],
    ])('at %s refuses %j', async (version, group, message) => {
      const before = (await nova(base, 'GET', '/os-server-groups', { token: tokens.alice })).json.server_groups.length;
      const a = await nova(base, 'POST', '/os-server-groups', { token: tokens.alice, version, body: { server_group: group } });
      expect(a.status).toBe(400);
      expect(a.json).toEqual(novaFault(400, message));
      expect((await nova(base, 'GET', '/os-server-groups', { token: tokens.alice })).json.server_groups.length).toBe(before);
    });

    it('lists per project, all projects for admins, with limit and offset', async () => {
      await nova(base, 'POST', '/os-server-groups', { token: tokens.bob, body: { server_group: { name: 'b1', policies: ['anti-affinity'] } } });
      const mine = (await nova(base, 'GET', '/os-server-groups', { token: tokens.alice })).json.server_groups.map((g: { name: string }) => g.name);
      expect(mine).toEqual(['g1', 'g2', 'g3']);
      expect((await nova(base, 'GET', '/os-server-groups?all_projects=True', { token: tokens.alice })).json).toEqual(policyDenied('os_compute_api:os-server-groups:index:all_projects'));
      const all = (await nova(base, 'GET', '/os-server-groups?all_projects=True', { token: admin })).json.server_groups.map((g: { name: string }) => g.name);
      expect(all).toEqual(['g1', 'g2', 'g3', 'b1']);
      const paged = (await nova(base, 'GET', '/os-server-groups?limit=1&offset=1', { token: tokens.alice })).json.server_groups.map((g: { name: string }) => g.name);
      expect(paged).toEqual(['g2']);
    });

    it('shows and deletes within the project only', async () => {
      const g1 = (await nova(base, 'GET', '/os-server-groups', { token: tokens.alice })).json.server_groups[0];
      expect((await nova(base, 'GET', `/os-server-groups/${g1.id}`, { token: tokens.rita })).json.server_group.name).toBe('g1');
      expect((await nova(base, 'GET', `/os-server-groups/${g1.id}`, { token: tokens.bob })).json).toEqual(novaFault(404, `Instance group ${g1.id} could not be found.`));
      expect((await nova(base, 'DELETE', `/os-server-groups/${g1.id}`, { token: tokens.bob })).status).toBe(404);
      expect((await nova(base, 'DELETE', `/os-server-groups/${g1.id}`, { token: tokens.rita })).status).toBe(403);
      expect((await nova(base, 'DELETE', `/os-server-groups/${g1.id}`, { token: tokens.alice })).status).toBe(204);
      expect((await nova(base, 'GET', `/os-server-groups/${g1.id}`, { token: tokens.alice })).json).toEqual(novaFault(404, `Instance group ${g1.id} could not be found.`));
    });

    it('counts groups against the server_groups quota', async () => {
      await nova(base, 'PUT', `/os-quota-sets/${project.beta}`, { token: admin, body: { quota_set: { server_groups: 1 } } });
      const over = await nova(base, 'POST', '/os-server-groups', { token: tokens.bob, body: { server_group: { name: 'b2', policies: ['affinity'] } } });
      expect(over.status).toBe(403);
      expect(over.json).toEqual(novaFault(403, 'Quota exceeded, too many server groups.'));
      expect((await nova(base, 'GET', '/limits', { token: tokens.bob })).json.limits.absolute).toMatchObject({ maxServerGroups: 1, totalServerGroupsUsed: 1 });
    });
  });

  describe('admin-only host APIs', () => {
    it.each([
      ['/os-hypervisors', 'os_compute_api:os-hypervisors:list'],
      ['/os-hypervisors/detail', 'os_compute_api:os-hypervisors:list-detail'],
      ['/os-hypervisors/statistics', 'os_compute_api:os-hypervisors:statistics'],
      ['/os-services', 'os_compute_api:os-services:list'],
      ['/os-availability-zone/detail', 'os_compute_api:os-availability-zone:detail'],
    ])('GET %s refuses a member', async (p, rule) => {
      const a = await nova(base, 'GET', p, { token: tokens.alice });
      expect(a.status).toBe(403);
      expect(a.json).toEqual(policyDenied(rule));
    });
  });

  describe('hosts: hypervisors, services, availability zones', () => {
    let host: { id: number; hypervisor_hostname: string };

    beforeAll(async () => {
      host = await waitFor(
        'a compute host in GET /os-hypervisors (hosts are not registered: strata start registers STRATA_FAKE_HOSTS once the conductor lands)',
        async () => (await nova(base, 'GET', '/os-hypervisors', { token: admin })).json?.hypervisors?.[0],
        20_000,
      );
    });

    it('lists hypervisors with integer ids before 2.53 and uuids after', async () => {
      expect(host).toEqual({ id: expect.any(Number), hypervisor_hostname: expect.any(String), state: 'up', status: 'enabled' });
      const v253 = (await nova(base, 'GET', '/os-hypervisors', { token: admin, version: '2.53' })).json.hypervisors[0];
      expect(v253.id).toMatch(/^[0-9a-f-]{36}$/);
      const detail = (await nova(base, 'GET', '/os-hypervisors/detail', { token: admin })).json.hypervisors[0];
      expect(typeof detail.cpu_info).toBe('string');
      expect(detail).toHaveProperty('vcpus');
      const d228 = (await nova(base, 'GET', '/os-hypervisors/detail', { token: admin, version: '2.28' })).json.hypervisors[0];
      expect(typeof d228.cpu_info).toBe('object');
      const d288 = (await nova(base, 'GET', `/os-hypervisors/${v253.id}`, { token: admin, version: '2.88' })).json.hypervisor;
      expect(Object.keys(d288).sort()).toEqual(['host_ip', 'hypervisor_hostname', 'hypervisor_type', 'hypervisor_version', 'id', 'service', 'state', 'status', 'uptime']);
      expect((await nova(base, 'GET', `/os-hypervisors/${host.id}`, { token: admin, version: '2.53' })).json).toEqual(novaFault(400, `Invalid uuid ${host.id}`));
      const uptime = await nova(base, 'GET', `/os-hypervisors/${host.id}/uptime`, { token: admin });
      expect(uptime.status).toBe(501);
      expect(uptime.json).toEqual({ notImplemented: { code: 501, message: 'The requested functionality is not supported.' } });
      expect((await nova(base, 'GET', `/os-hypervisors/${host.hypervisor_hostname}/search`, { token: admin, version: '2.53' })).status).toBe(404);
      expect((await nova(base, 'GET', '/os-hypervisors/statistics', { token: admin })).json.hypervisor_statistics.count).toBeGreaterThan(0);
      expect((await nova(base, 'GET', '/os-hypervisors/statistics', { token: admin, version: '2.88' })).status).toBe(404);
      expect((await nova(base, 'GET', `/os-hypervisors/${host.id}`, { token: admin })).json.hypervisor.id).toBe(host.id);
      expect((await nova(base, 'GET', '/os-hypervisors/999999999', { token: admin })).json).toEqual(novaFault(404, "Hypervisor with ID '999999999' could not be found."));
      expect((await nova(base, 'GET', `/os-hypervisors/${host.hypervisor_hostname}/servers`, { token: admin })).json.hypervisors[0].hypervisor_hostname).toBe(host.hypervisor_hostname);
      expect((await nova(base, 'GET', '/os-hypervisors?hypervisor_hostname_pattern=no-such-host', { token: admin, version: '2.53' })).json).toEqual(
        novaFault(404, "No hypervisor matching 'no-such-host' could be found."),
      );
    });

    it('disables with a reason and enables a compute service (2.1 style)', async () => {
      const svc = (await nova(base, 'GET', '/os-services', { token: admin })).json.services[0];
      expect(svc).toMatchObject({ binary: 'nova-compute', status: 'enabled', state: 'up' });
      expect(svc).not.toHaveProperty('forced_down');
      const off = await nova(base, 'PUT', '/os-services/disable-log-reason', { token: admin, body: { host: svc.host, binary: 'nova-compute', disabled_reason: 'maintenance' } });
      expect(off.json).toEqual({ service: { host: svc.host, binary: 'nova-compute', status: 'disabled', disabled_reason: 'maintenance' } });
      expect((await nova(base, 'GET', '/os-services', { token: admin })).json.services[0]).toMatchObject({ status: 'disabled', disabled_reason: 'maintenance' });
      const on = await nova(base, 'PUT', '/os-services/enable', { token: admin, body: { host: svc.host, binary: 'nova-compute' } });
      expect(on.json).toEqual({ service: { host: svc.host, binary: 'nova-compute', status: 'enabled' } });
      const bad = await nova(base, 'PUT', '/os-services/disable', { token: admin, body: { host: svc.host } });
      // The body is not wrapped: a top-level error is jsonschema's message alone.
      expect(bad.json).toEqual(novaFault(400, "'binary' is a required property"));
      expect((await nova(base, 'PUT', '/os-services/disable', { token: tokens.alice, body: { host: svc.host, binary: 'nova-compute' } })).json).toEqual(policyDenied('os_compute_api:os-services:update'));
      expect((await nova(base, 'PUT', '/os-services/enable', { token: admin, body: { host: 'no-such-host', binary: 'nova-compute' } })).json).toEqual(novaFault(404, "Host 'no-such-host' is not mapped to any cell"));
    });

    it('forces a service down and updates by uuid from 2.53', async () => {
      const svc = (await nova(base, 'GET', '/os-services', { token: admin, version: '2.53' })).json.services[0];
      expect(svc.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(svc.forced_down).toBe(false);
      const down = await nova(base, 'PUT', `/os-services/${svc.id}`, { token: admin, version: '2.53', body: { forced_down: true } });
      expect(down.json.service).toMatchObject({ id: svc.id, forced_down: true, state: 'down' });
      const bad = await nova(base, 'PUT', `/os-services/${svc.id}`, { token: admin, version: '2.53', body: { status: 'enabled', disabled_reason: 'x' } });
      expect(bad.json).toEqual(novaFault(400, "Specifying 'disabled_reason' with status 'enabled' is invalid."));
      expect((await nova(base, 'PUT', `/os-services/${svc.id}`, { token: admin, version: '2.53', body: {} })).json).toEqual(
        novaFault(400, "No updates were requested. Fields 'status' or 'forced_down' should be specified."),
      );
      expect((await nova(base, 'PUT', '/os-services/disable', { token: admin, version: '2.93', body: { host: svc.host, binary: 'nova-compute' } })).json).toEqual(
        novaFault(400, "Additional properties are not allowed ('binary', 'host' were unexpected)"),
      );
      expect((await nova(base, 'PUT', '/os-services/6f0a6c4e-0000-4000-8000-000000000000', { token: admin, version: '2.93', body: { status: 'enabled' } })).json).toEqual(
        novaFault(404, 'Service 6f0a6c4e-0000-4000-8000-000000000000 could not be found.'),
      );
      const up = await nova(base, 'PUT', '/os-services/force-down', { token: admin, version: '2.11', body: { host: svc.host, binary: 'nova-compute', forced_down: false } });
      expect(up.json).toEqual({ service: { host: svc.host, binary: 'nova-compute', forced_down: false } });
    });

    it('lists availability zones; the detail only for admins', async () => {
      const zones = (await nova(base, 'GET', '/os-availability-zone', { token: tokens.alice })).json.availabilityZoneInfo;
      expect(zones[0]).toEqual({ zoneName: expect.any(String), zoneState: { available: true }, hosts: null });
      const detail = (await nova(base, 'GET', '/os-availability-zone/detail', { token: admin })).json.availabilityZoneInfo[0];
      const [first] = Object.values(detail.hosts) as Record<string, { available: boolean; active: boolean }>[];
      expect(first['nova-compute']).toMatchObject({ available: true, active: true });
    });
  });

  it('answers 401 without a token', async () => {
    expect((await nova(base, 'GET', '/flavors')).status).toBe(401);
    expect(adminProject).not.toBe('');
  });
});
