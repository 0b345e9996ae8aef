import * as fs from 'node:fs';
import * as path from 'node:path';
import { openrc, openstackBinary, openstackCli } from '../e2e/support/openstack-cli';
import { freePort, killAll, spawnStrata, StrataProcess, tempDataDir, waitReady } from '../e2e/support/strata-process';

const OPENSTACK = openstackBinary();
if (!OPENSTACK) process.stdout.write('openstack-cli.e2e-spec: skipped: the `openstack` CLI is not installed (apt-get install -y python3-openstackclient, or scripts/provision.sh)\n');
const describeWithCli = OPENSTACK ? describe : describe.skip;

describeWithCli('the real openstack CLI against strata start', () => {
  const { root, dataDir } = tempDataDir();
  const clusterDir = path.join(dataDir, 'pg');
  let strata: StrataProcess | undefined;
  let adminEnv: Record<string, string>;

  const { openstack, ok, json } = openstackCli(OPENSTACK!, root, () => adminEnv);

  beforeAll(async () => {
    const port = await freePort();
    strata = spawnStrata(['start'], { STRATA_DATA_DIR: dataDir, STRATA_PORT: String(port) });
    await waitReady(`http://127.0.0.1:${port}`, strata);
    adminEnv = openrc(path.join(dataDir, 'admin-openrc.sh'));
  });

  afterAll(async () => {
    await killAll(strata, clusterDir);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('works with admin-openrc.sh as written, with the generated password: token issue', () => {
    expect(adminEnv.OS_PASSWORD).toBe(fs.readFileSync(path.join(dataDir, 'admin-password'), 'utf8').trim());
    const token = json(['token', 'issue']);
    expect(token).toEqual({ expires: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/), id: expect.stringMatching(/^stk1_/), project_id: expect.stringMatching(/^[0-9a-f]{32}$/), user_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it('token revoke: the revoked token is refused afterwards', () => {
    const { id } = json(['token', 'issue']);
    ok(['token', 'revoke', id]);
    const refused = openstack(['project', 'list', '--os-auth-type', 'token', '--os-token', id], {
      OS_AUTH_URL: adminEnv.OS_AUTH_URL,
      OS_IDENTITY_API_VERSION: '3',
      OS_PROJECT_NAME: 'admin',
      OS_PROJECT_DOMAIN_NAME: 'Default',
    });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('The request you have made requires authentication. (HTTP 401)');
  });

  it('catalog list shows every Strata service under the public URL', () => {
    const catalog = json(['catalog', 'list']) as { Name: string; Type: string; Endpoints: { interface: string; url: string; region: string }[] }[];
    expect(catalog.map((s) => s.Type).sort()).toEqual(['compute', 'identity', 'image']);
    const identity = catalog.find((s) => s.Type === 'identity')!;
    expect(identity.Name).toBe('keystone');
    expect(identity.Endpoints.map((e) => [e.interface, e.url, e.region]).sort()).toEqual([
      ['admin', adminEnv.OS_AUTH_URL, 'RegionOne'],
      ['internal', adminEnv.OS_AUTH_URL, 'RegionOne'],
      ['public', adminEnv.OS_AUTH_URL, 'RegionOne'],
    ]);
  });

  it('endpoint list: 18 endpoints with their service names', () => {
    const endpoints = json(['endpoint', 'list']) as { 'Service Name': string; Interface: string; Region: string }[];
    expect(endpoints).toHaveLength(18);
    expect(new Set(endpoints.map((e) => e['Service Name']))).toEqual(new Set(['keystone', 'nova', 'glance', 'cinder', 'neutron', 'swift']));
    expect(endpoints.every((e) => e.Region === 'RegionOne')).toBe(true);
  });

  it('region, service and endpoint create and delete; a region in use is refused', () => {
    expect(json(['region', 'create', '--description', 'region two', 'RegionTwo'])).toEqual({ description: 'region two', parent_region: null, region: 'RegionTwo' });
    const service = json(['service', 'create', '--name', 'svc1', '--description', 'service one', 'compute']);
    expect(service).toMatchObject({ name: 'svc1', type: 'compute', enabled: true });
    const endpoint = json(['endpoint', 'create', '--region', 'RegionTwo', 'svc1', 'public', 'http://127.0.0.1:9999/v2.1']);
    expect(endpoint).toMatchObject({ service_id: service.id, service_name: 'svc1', interface: 'public', region: 'RegionTwo', url: 'http://127.0.0.1:9999/v2.1' });
    expect((json(['endpoint', 'list', '--service', 'svc1']) as { ID: string }[]).map((e) => e.ID)).toEqual([endpoint.id]);
    const inUse = openstack(['region', 'delete', 'RegionTwo']);
    expect(inUse.status).toBe(1);
    expect(inUse.stderr).toContain('Unable to delete region RegionTwo because it or its child regions have associated endpoints. (HTTP 403)');
    ok(['service', 'delete', 'svc1']);
    expect(json(['endpoint', 'list', '--region', 'RegionTwo'])).toEqual([]);
    ok(['region', 'delete', 'RegionTwo']);
    expect((json(['region', 'list']) as { Region: string }[]).map((r) => r.Region)).toEqual(['RegionOne']);
  });

  it('project create, list, show, a duplicate refused, delete', () => {
    const created = json(['project', 'create', '--description', 'First project', '--tag', 'alpha', 'p1']);
    expect(created).toMatchObject({ name: 'p1', description: 'First project', domain_id: 'default', enabled: true, is_domain: false, parent_id: 'default', tags: ['alpha'] });
    expect((json(['project', 'list']) as { Name: string }[]).map((p) => p.Name).sort()).toEqual(['admin', 'p1']);
    expect(json(['project', 'show', 'p1'])).toMatchObject({ id: created.id, name: 'p1' });
    const dup = openstack(['project', 'create', 'p1']);
    expect(dup.status).toBe(1);
    expect(dup.stderr).toContain(`name is p1, project id ${created.id}. (HTTP 409)`);
    ok(['project', 'delete', 'p1']);
    expect((json(['project', 'list']) as { Name: string }[]).map((p) => p.Name)).toEqual(['admin']);
    const gone = openstack(['project', 'show', 'p1']);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toContain('No project with a name or ID of \'p1\' exists.');
  });

  it('user create and list; a member is refused an admin operation', () => {
    json(['project', 'create', 'team']);
    const user = json(['user', 'create', '--password', 'm1-secret', '--email', 'm1@example.com', 'm1']);
    expect(user).toMatchObject({ name: 'm1', domain_id: 'default', email: 'm1@example.com', enabled: true, password_expires_at: null });
    expect((json(['user', 'list']) as { Name: string }[]).map((u) => u.Name).sort()).toEqual(['admin', 'm1']);
    ok(['role', 'add', '--project', 'team', '--user', 'm1', 'member']);

    const memberEnv = { ...adminEnv, OS_USERNAME: 'm1', OS_PASSWORD: 'm1-secret', OS_PROJECT_NAME: 'team' };
    expect(json(['token', 'issue'], memberEnv)).toMatchObject({ user_id: user.id });
    const refused = openstack(['project', 'create', 'not-allowed'], memberEnv);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('You are not authorized to perform the requested action: identity:create_project. (HTTP 403)');
    expect((json(['project', 'list']) as { Name: string }[]).map((p) => p.Name).sort()).toEqual(['admin', 'team']);
  });

  it('a reader reads its project and is refused writes, its own application credentials included', () => {
    const team = json(['project', 'show', 'team']) as { id: string };
    json(['user', 'create', '--password', 'rd-secret', 'rd1']);
    ok(['role', 'add', '--project', 'team', '--user', 'rd1', 'reader']);
    const readerEnv = { ...adminEnv, OS_USERNAME: 'rd1', OS_PASSWORD: 'rd-secret', OS_PROJECT_NAME: 'team' };
    expect(json(['project', 'show', team.id], readerEnv)).toMatchObject({ id: team.id, name: 'team' });
    const project = openstack(['project', 'create', 'reader-made'], readerEnv);
    expect(project.status).toBe(1);
    expect(project.stderr).toContain('identity:create_project. (HTTP 403)');
    const credential = openstack(['application', 'credential', 'create', 'reader-cred'], readerEnv);
    expect(credential.status).toBe(1);
    expect(credential.stderr).toContain('identity:create_application_credential. (HTTP 403)');
    expect(json(['application', 'credential', 'list', '--user', 'rd1'])).toEqual([]);
    ok(['user', 'delete', 'rd1']);
  });

  it('domain create, list, set --disable, delete', () => {
    const created = json(['domain', 'create', '--description', 'dom one', 'd1']);
    expect(created).toMatchObject({ name: 'd1', description: 'dom one', enabled: true });
    expect((json(['domain', 'list']) as { Name: string }[]).map((d) => d.Name).sort()).toEqual(['Default', 'd1']);
    expect(openstack(['domain', 'delete', 'd1']).status).toBe(1);
    ok(['domain', 'set', '--disable', 'd1']);
    expect(json(['domain', 'show', 'd1'])).toMatchObject({ id: created.id, enabled: false });
    ok(['domain', 'delete', 'd1']);
    expect((json(['domain', 'list']) as { Name: string }[]).map((d) => d.Name)).toEqual(['Default']);
  });

  it('group create, add user, contains, a role through the group, remove, delete', () => {
    json(['project', 'create', 'gp']);
    const gu = json(['user', 'create', '--password', 'gu-secret', 'gu']);
    const group = json(['group', 'create', '--description', 'group one', 'g1']);
    expect(group).toMatchObject({ name: 'g1', description: 'group one', domain_id: 'default' });
    expect(openstack(['group', 'create', 'g1']).stderr).toContain('Conflict occurred attempting to store group - Duplicate entry found with name g1 at domain ID default. (HTTP 409)');
    ok(['group', 'add', 'user', 'g1', 'gu']);
    expect(ok(['group', 'contains', 'user', 'g1', 'gu'])).toContain('gu in group g1');
    expect((json(['user', 'list', '--group', 'g1']) as { ID: string }[]).map((u) => u.ID)).toEqual([gu.id]);
    ok(['role', 'add', '--project', 'gp', '--group', 'g1', 'member']);
    const guEnv = { ...adminEnv, OS_USERNAME: 'gu', OS_PASSWORD: 'gu-secret', OS_PROJECT_NAME: 'gp' };
    expect(json(['token', 'issue'], guEnv)).toMatchObject({ user_id: gu.id });
    ok(['group', 'remove', 'user', 'g1', 'gu']);
    const notMember = openstack(['group', 'contains', 'user', 'g1', 'gu']);
    expect(notMember.stdout + notMember.stderr).toContain('gu not in group g1');
    expect(openstack(['token', 'issue'], guEnv).status).toBe(1);
    ok(['group', 'delete', 'g1']);
    expect(json(['group', 'list'])).toEqual([]);
    expect(json(['role', 'assignment', 'list', '--project', 'gp'])).toEqual([]);
    ok(['user', 'delete', 'gu']);
  });

  it('application credential create, use (limited to its roles), list, delete', () => {
    const created = json(['application', 'credential', 'create', '--role', 'member', 'ac1']);
    expect(created).toMatchObject({ name: 'ac1', roles: 'member', unrestricted: false, system: null, secret: expect.stringMatching(/^[A-Za-z0-9_-]{86}$/) });
    const acEnv = {
      OS_AUTH_URL: adminEnv.OS_AUTH_URL,
      OS_IDENTITY_API_VERSION: '3',
      OS_AUTH_TYPE: 'v3applicationcredential',
      OS_APPLICATION_CREDENTIAL_ID: created.id,
      OS_APPLICATION_CREDENTIAL_SECRET: created.secret,
    };
    expect(json(['token', 'issue'], acEnv)).toMatchObject({ project_id: created.project_id, user_id: created.user_id });
    const refused = openstack(['project', 'create', 'via-appcred'], acEnv);
    expect(refused.stderr).toContain('You are not authorized to perform the requested action: identity:create_project. (HTTP 403)');
    expect((json(['application', 'credential', 'list']) as { Name: string }[]).map((c) => c.Name)).toEqual(['ac1']);
    ok(['application', 'credential', 'delete', 'ac1']);
    expect(json(['application', 'credential', 'list'])).toEqual([]);
    expect(openstack(['token', 'issue'], acEnv).stderr).toContain('(HTTP 401)');
  });

  it('implied role create, list, delete; a domain grant gives a domain-scoped token', () => {
    json(['role', 'create', 'r1']);
    json(['role', 'create', 'r2']);
    const inference = json(['implied', 'role', 'create', 'r1', '--implied-role', 'r2']);
    const listed = json(['implied', 'role', 'list']) as { 'Prior Role Name': string; 'Implied Role Name': string }[];
    expect(listed.map((i) => `${i['Prior Role Name']}=>${i['Implied Role Name']}`).sort()).toEqual(['admin=>member', 'member=>reader', 'r1=>r2']);
    expect(inference).toEqual({ implies: expect.any(String), prior_role: expect.any(String) });
    ok(['implied', 'role', 'delete', 'r1', '--implied-role', 'r2']);
    expect((json(['implied', 'role', 'list']) as unknown[]).length).toBe(2);
    ok(['role', 'add', '--domain', 'Default', '--user', 'admin', 'r1']);
    const domainToken = openstack(['token', 'issue', '-f', 'json'], { ...adminEnv, OS_PROJECT_NAME: '', OS_PROJECT_DOMAIN_NAME: '', OS_DOMAIN_NAME: 'Default' });
    expect(domainToken.status).toBe(0);
    expect(JSON.parse(domainToken.stdout)).toMatchObject({ domain_id: 'default' });
    ok(['role', 'remove', '--domain', 'Default', '--user', 'admin', 'r1']);
    ok(['role', 'delete', 'r1', 'r2']);
  });

  it('role create, role assignment list, role remove, role delete, user delete', () => {
    const role = json(['role', 'create', 'observer']);
    expect(role).toMatchObject({ name: 'observer', domain_id: null });
    ok(['role', 'add', '--project', 'team', '--user', 'm1', 'observer']);
    const listed = json(['role', 'assignment', 'list', '--project', 'team', '--names']) as { Role: string; User: string; Project: string }[];
    expect(listed.map((a) => `${a.Role} ${a.User} ${a.Project}`).sort()).toEqual(['member m1@Default team@Default', 'observer m1@Default team@Default']);
    ok(['role', 'remove', '--project', 'team', '--user', 'm1', 'observer']);
    expect((json(['role', 'assignment', 'list', '--project', 'team', '--names']) as { Role: string }[]).map((a) => a.Role)).toEqual(['member']);
    ok(['role', 'delete', 'observer']);
    expect((json(['role', 'list']) as { Name: string }[]).map((r) => r.Name).sort()).toEqual(['admin', 'auditor', 'member', 'reader']);
    ok(['user', 'delete', 'm1']);
    expect((json(['user', 'list']) as { Name: string }[]).map((u) => u.Name)).toEqual(['admin']);
    expect(json(['role', 'assignment', 'list', '--project', 'team'])).toEqual([]);
  });
});
