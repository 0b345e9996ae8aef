import * as fs from 'node:fs';
import * as path from 'node:path';
import { exitWithin, freePort, getJson, killAll, spawnStrata, StrataProcess, tempDataDir, waitReady } from '../e2e/support/strata-process';
import { call, issueToken, projectScope } from '../identity/support/identity-http';

const ADMIN = { name: 'admin', password: 'admin-secret' };
const MEMBER = { name: 'md-member', password: 'member-secret' };
const FIXTURES = path.resolve(__dirname, '../fixtures/glance');
const SCHEMA_ERRORS: { schema: string; method: string; path: string; body: unknown; status: number; message: string }[] = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'fixtures/schema-errors.json'), 'utf8'),
);
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** webob's JSON fault, as Glance sends it to a client that accepts JSON. */
const glanceError = (status: number, title: string, message: string) => ({ message: `${message}<br /><br />\n\n\n`, code: `${status} ${title}`, title });

describe('Glance metadata definitions API on strata start', () => {
  const { root, dataDir } = tempDataDir();
  const clusterDir = path.join(dataDir, 'pg');
  let strata: StrataProcess | undefined;
  let port: number;
  let base: string;
  let image: string;
  let admin: string;
  let member: string;
  let adminProject: string;
  let memberProject: string;
  const env = () => ({ STRATA_DATA_DIR: dataDir, STRATA_PORT: String(port), STRATA_ADMIN_PASSWORD: ADMIN.password });
  const ns = (name: string, rest = '') => `${image}/v2/metadefs/namespaces/${name}${rest}`;
  const as = (token: string) => ({
    get: (url: string) => call('GET', url, { token }),
    post: (url: string, body?: unknown, headers?: Record<string, string>) => call('POST', url, { token, body, headers }),
    put: (url: string, body?: unknown) => call('PUT', url, { token, body }),
    del: (url: string) => call('DELETE', url, { token }),
  });
  /** The store's head: a refused request must leave it where it was. */
  const head = async () => (await getJson(`${base}/readyz`)).json.store.headPosition as string;

  beforeAll(async () => {
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    image = `${base}/image`;
    strata = spawnStrata(['start'], env());
    await waitReady(base, strata);
    const identity = `${base}/identity/v3`;
    const issued = await issueToken(identity, ADMIN, projectScope('admin'));
    admin = issued.value;
    adminProject = issued.answer.json.token.project.id;
    const project = await call('POST', `${identity}/projects`, { token: admin, body: { project: { name: 'md-team', domain_id: 'default' } } });
    memberProject = project.json.project.id;
    const user = await call('POST', `${identity}/users`, { token: admin, body: { user: { name: MEMBER.name, password: MEMBER.password, domain_id: 'default' } } });
    const roles = await call('GET', `${identity}/roles?name=member`, { token: admin });
    expect((await call('PUT', `${identity}/projects/${memberProject}/users/${user.json.user.id}/roles/${roles.json.roles[0].id}`, { token: admin })).status).toBe(204);
    member = (await issueToken(identity, MEMBER, projectScope('md-team'))).value;
  });

  afterAll(async () => {
    await killAll(strata, clusterDir);
    fs.rmSync(root, { recursive: true, force: true });
  });

  describe('GET /v2/schemas/metadefs/*', () => {
    it.each(['namespace', 'namespaces', 'object', 'objects', 'property', 'properties', 'resource_type', 'resource_types', 'tag', 'tags'])('serves %s as the real Glance does', async (name) => {
      const answer = await as(member).get(`${image}/v2/schemas/metadefs/${name}`);
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual(JSON.parse(fs.readFileSync(path.join(FIXTURES, `schema-metadefs-${name}.json`), 'utf8')));
    });

    it('answers another method with 405 and the methods Glance routes', async () => {
      const refused = await call('PATCH', `${image}/v2/metadefs/namespaces`, { token: admin, body: {} });
      expect(refused.status).toBe(405);
      expect(refused.headers.allow).toBe('GET, POST');
      expect(refused.json).toEqual({ message: 'The method PATCH is not allowed for this resource. <br /><br />\n', code: '405 Method Not Allowed', title: 'Method Not Allowed' });
      expect((await call('POST', `${image}/v2/metadefs/namespaces/x/properties/p`, { token: admin })).headers.allow).toBe('GET, PUT, DELETE');
      expect((await call('HEAD', `${image}/v2/metadefs/resource_types`, { token: admin })).status).toBe(405);
    });

    it('answers an unknown schema with 404 and no token with 401', async () => {
      expect((await as(admin).get(`${image}/v2/schemas/metadefs/nosuch`)).json).toEqual(glanceError(404, 'Not Found', 'The resource could not be found.'));
      expect((await call('GET', `${image}/v2/schemas/metadefs/tag`)).status).toBe(401);
    });
  });

  describe('resource types', () => {
    it("lists the seeded system types in Glance's order, without updated_at", async () => {
      const answer = await as(member).get(`${image}/v2/metadefs/resource_types`);
      expect(answer.status).toBe(200);
      expect(answer.json.resource_types.map((t: { name: string }) => t.name)).toEqual([
        'OS::Glance::Image',
        'OS::Cinder::Volume',
        'OS::Nova::Server',
        'OS::Nova::Aggregate',
        'OS::Nova::Flavor',
        'OS::Trove::Instance',
      ]);
      expect(answer.json.resource_types[0]).toEqual({ name: 'OS::Glance::Image', created_at: expect.stringMatching(TIME) });
    });
  });

  describe('namespaces', () => {
    it('creates a namespace with inline content, shows it, lists it and updates it', async () => {
      const created = await as(admin).post(`${image}/v2/metadefs/namespaces`, {
        namespace: 'OS::Strata::Inline',
        display_name: 'Inline',
        description: 'd',
        visibility: 'public',
        resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'hw_' }],
        properties: { cpu: { title: 'CPU', type: 'string', enum: ['a', 'b'] } },
        objects: [{ name: 'obj', properties: { x: { title: 'X', type: 'integer', minimum: 1 } } }],
        tags: [{ name: 'tag1' }],
      });
      expect(created.status).toBe(201);
      expect(created.headers.location).toBe(`${image}/v2/metadefs/namespaces/OS::Strata::Inline`);
      expect(created.json).toEqual({
        namespace: 'OS::Strata::Inline',
        display_name: 'Inline',
        description: 'd',
        visibility: 'public',
        protected: false,
        owner: adminProject,
        created_at: expect.stringMatching(TIME),
        updated_at: expect.stringMatching(TIME),
        resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'hw_' }],
        properties: { cpu: { type: 'string', title: 'CPU', enum: ['a', 'b'] } },
        objects: [{ name: 'obj', properties: { x: { type: 'integer', title: 'X', minimum: 1 } } }],
        tags: [{ name: 'tag1' }],
        self: '/v2/metadefs/namespaces/OS::Strata::Inline',
        schema: '/v2/schemas/metadefs/namespace',
      });

      // Names are case-insensitive, as in Glance's MySQL tables.
      const shown = await as(member).get(ns('os::strata::inline'));
      expect(shown.status).toBe(200);
      expect(shown.json.resource_type_associations).toEqual([{ name: 'OS::Glance::Image', prefix: 'hw_', created_at: expect.stringMatching(TIME), updated_at: expect.stringMatching(TIME) }]);
      expect(shown.json.objects).toEqual([
        {
          name: 'obj',
          required: [],
          properties: { x: { type: 'integer', title: 'X', minimum: 1 } },
          created_at: expect.stringMatching(TIME),
          updated_at: expect.stringMatching(TIME),
          self: '/v2/metadefs/namespaces/OS::Strata::Inline/objects/obj',
          schema: '/v2/schemas/metadefs/object',
        },
      ]);
      const prefixed = await as(member).get(ns('OS::Strata::Inline', '?resource_type=OS::Glance::Image'));
      expect(Object.keys(prefixed.json.properties)).toEqual(['hw_cpu']);

      const list = await as(member).get(`${image}/v2/metadefs/namespaces?resource_types=OS::Glance::Image`);
      expect(list.json.namespaces.map((n: { namespace: string }) => n.namespace)).toEqual(['OS::Strata::Inline']);
      expect(list.json).toMatchObject({ schema: '/v2/schemas/metadefs/namespaces', first: '/v2/metadefs/namespaces?resource_types=OS%3A%3AGlance%3A%3AImage' });

      // PUT replaces every field: what the body leaves out falls back to private, unprotected, no texts.
      const updated = await as(admin).put(ns('OS::Strata::Inline'), { namespace: 'OS::Strata::Inline', protected: true });
      expect(updated.status).toBe(200);
      expect(updated.json).toEqual({
        namespace: 'OS::Strata::Inline',
        visibility: 'private',
        protected: true,
        owner: adminProject,
        created_at: created.json.created_at,
        updated_at: expect.stringMatching(TIME),
        self: '/v2/metadefs/namespaces/OS::Strata::Inline',
        schema: '/v2/schemas/metadefs/namespace',
      });
    });

    it('refuses to delete a protected namespace, then deletes it once unprotected', async () => {
      await as(admin).post(`${image}/v2/metadefs/namespaces`, { namespace: 'strata-protected', protected: true, tags: [{ name: 't' }] });
      const before = await head();
      const refused = await as(admin).del(ns('strata-protected'));
      expect(refused.status).toBe(403);
      expect(refused.json).toEqual(glanceError(403, 'Forbidden', 'Metadata definition namespace strata-protected is protected and cannot be deleted.'));
      expect((await as(admin).del(ns('strata-protected', '/tags/t'))).json).toEqual(glanceError(403, 'Forbidden', 'Metadata definition tag t is protected and cannot be deleted.'));
      expect(await head()).toBe(before);
      expect((await as(admin).put(ns('strata-protected'), { namespace: 'strata-protected', protected: false })).status).toBe(200);
      expect((await as(admin).del(ns('strata-protected'))).status).toBe(204);
      const gone = await as(admin).get(ns('strata-protected'));
      expect(gone.status).toBe(404);
      expect(gone.json).toEqual(glanceError(404, 'Not Found', 'Metadata definition namespace=strata-protected was not found.'));
      expect((await as(admin).del(ns('strata-protected'))).json).toEqual(glanceError(404, 'Not Found', 'Namespace strata-protected not found'));
    });

    it('answers a duplicate name, in any case, with 409 and writes nothing', async () => {
      expect((await as(admin).post(`${image}/v2/metadefs/namespaces`, { namespace: 'strata-dup' })).status).toBe(201);
      const before = await head();
      const again = await as(admin).post(`${image}/v2/metadefs/namespaces`, { namespace: 'STRATA-DUP' });
      expect(again.status).toBe(409);
      expect(again.json).toEqual(glanceError(409, 'Conflict', 'The metadata definition namespace=STRATA-DUP already exists.'));
      expect(await head()).toBe(before);
    });

    it('answers bad bodies as Glance does and writes nothing', async () => {
      const before = await head();
      const readOnly = await as(admin).post(`${image}/v2/metadefs/namespaces`, { namespace: 'x', created_at: 'now' });
      expect(readOnly.status).toBe(403);
      expect(readOnly.json).toEqual(glanceError(403, 'Forbidden', "Attribute 'created_at' is read-only."));
      expect((await call('POST', `${image}/v2/metadefs/namespaces`, { token: admin })).json).toEqual(glanceError(400, 'Bad Request', 'Body expected in request.'));
      for (const c of SCHEMA_ERRORS.filter((e) => e.schema === 'namespace')) {
        const answer = await call(c.method, `${image}${c.path}`, { token: admin, body: c.body });
        expect(answer.status).toBe(400);
        expect(answer.json).toEqual({ message: c.message, code: '400 Bad Request', title: 'Bad Request' });
      }
      expect((await as(admin).get(`${image}/v2/metadefs/namespaces?visibility=shared`)).json).toEqual(glanceError(400, 'Bad Request', 'Invalid visibility value: shared'));
      expect(await head()).toBe(before);
    });

    it('renames a namespace: its content moves, the old name is free', async () => {
      await as(admin).post(`${image}/v2/metadefs/namespaces`, { namespace: 'strata-old', tags: [{ name: 'moved' }] });
      const created = (await as(admin).get(ns('strata-old'))).json;
      const renamed = await as(admin).put(ns('strata-old'), { namespace: 'strata-new', visibility: 'public' });
      expect(renamed.status).toBe(200);
      expect(renamed.json).toMatchObject({ namespace: 'strata-new', visibility: 'public', created_at: created.created_at });
      expect((await as(admin).get(ns('strata-new', '/tags'))).json).toEqual({ tags: [{ name: 'moved' }] });
      expect((await as(admin).get(ns('strata-old'))).status).toBe(404);
      const taken = await as(admin).put(ns('strata-new'), { namespace: 'strata-dup' });
      expect(taken.json).toEqual(glanceError(409, 'Conflict', 'Invalid update. It would result in a duplicate metadata definition namespace with the same name of strata-dup'));
      expect((await as(admin).post(`${image}/v2/metadefs/namespaces`, { namespace: 'strata-old' })).status).toBe(201);
    });
  });

  describe('properties', () => {
    const props = (rest = '') => ns('strata-props', `/properties${rest}`);

    beforeAll(async () => {
      await as(admin).post(`${image}/v2/metadefs/namespaces`, { namespace: 'strata-props', visibility: 'public' });
    });

    it('creates, shows, lists, updates and deletes a property', async () => {
      const created = await as(admin).post(props(), { name: 'p1', title: 'P1', type: 'integer', default: 5, minimum: 1.5 });
      expect(created.status).toBe(201);
      // WSME's conversions, as Glance stores them: the default as text, the minimum as an int.
      expect(created.json).toEqual({ name: 'p1', type: 'integer', title: 'P1', default: '5', minimum: 1 });
      expect((await as(member).get(props('/P1'))).json).toEqual(created.json);
      const updated = await as(admin).put(props('/p1'), { name: 'p2', title: 'P2', type: 'string', enum: ['a'] });
      expect(updated.json).toEqual({ name: 'p2', type: 'string', title: 'P2', enum: ['a'] });
      expect((await as(member).get(props())).json).toEqual({ properties: { p2: { name: 'p2', type: 'string', title: 'P2', enum: ['a'] } } });
      expect((await as(admin).del(props('/p2'))).status).toBe(204);
      expect((await as(admin).get(props())).json).toEqual({ properties: {} });
    });

    it('answers a duplicate with 409, a missing one with 404, bad bodies with 400, writing nothing', async () => {
      await as(admin).post(props(), { name: 'dup', title: 'D', type: 'string' });
      const before = await head();
      expect((await as(admin).post(props(), { name: 'DUP', title: 'D', type: 'string' })).json).toEqual(
        glanceError(409, 'Conflict', 'A metadata definition property with name=DUP already exists in namespace=strata-props.'),
      );
      expect((await as(admin).get(props('/nope'))).json).toEqual(glanceError(404, 'Not Found', 'Could not find property nope'));
      expect((await as(admin).del(props('/nope'))).status).toBe(404);
      expect((await as(admin).get(ns('strata-nope', '/properties'))).json).toEqual(glanceError(404, 'Not Found', 'Namespace strata-nope not found'));
      for (const c of SCHEMA_ERRORS.filter((e) => e.schema === 'property')) {
        const answer = await call(c.method, `${image}${c.path.replace('{namespace}', 'strata-props')}`, { token: admin, body: c.body });
        expect(answer.status).toBe(400);
        expect(answer.json.message).toBe(c.message);
      }
      expect(await head()).toBe(before);
    });
  });

  describe('objects', () => {
    const objects = (rest = '') => ns('strata-objects', `/objects${rest}`);

    beforeAll(async () => {
      await as(admin).post(`${image}/v2/metadefs/namespaces`, { namespace: 'strata-objects' });
    });

    it('creates, shows, lists, updates and deletes an object', async () => {
      const created = await as(admin).post(objects(), { name: 'o1', description: 'd', required: ['a'], properties: { a: { title: 'A', type: 'string' } } });
      expect(created.status).toBe(201);
      expect(created.json).toEqual({
        name: 'o1',
        required: ['a'],
        description: 'd',
        properties: { a: { type: 'string', title: 'A' } },
        created_at: expect.stringMatching(TIME),
        updated_at: expect.stringMatching(TIME),
        self: '/v2/metadefs/namespaces/strata-objects/objects/o1',
        schema: '/v2/schemas/metadefs/object',
      });
      expect((await as(admin).get(objects('/O1'))).json).toEqual(created.json);
      const updated = await as(admin).put(objects('/o1'), { name: 'o2' });
      expect(updated.json).toEqual({ name: 'o2', created_at: created.json.created_at, updated_at: expect.stringMatching(TIME), self: '/v2/metadefs/namespaces/strata-objects/objects/o2', schema: '/v2/schemas/metadefs/object' });
      const list = await as(admin).get(objects());
      expect(list.json).toEqual({ objects: [{ ...updated.json, required: [], properties: {} }], schema: 'v2/schemas/metadefs/objects' });
      expect((await as(admin).del(objects('/o2'))).status).toBe(204);
      expect((await as(admin).get(objects('/o2'))).json).toEqual(glanceError(404, 'Not Found', 'Could not find metadata object o2'));
    });

    it('refuses a duplicate object and an object property without a title', async () => {
      await as(admin).post(objects(), { name: 'dup' });
      const before = await head();
      expect((await as(admin).post(objects(), { name: 'Dup' })).json).toEqual(glanceError(409, 'Conflict', 'A metadata definition object with name=Dup already exists in namespace=strata-objects.'));
      const [missingTitle] = SCHEMA_ERRORS.filter((e) => e.schema === 'object');
      const refused = await as(admin).post(objects(), missingTitle.body);
      expect(refused.json.message).toBe(missingTitle.message);
      expect((await as(admin).get(ns('strata-nope', '/objects'))).json).toEqual(glanceError(404, 'Not Found', 'Metadata definition namespace=strata-nope was not found.'));
      expect(await head()).toBe(before);
    });
  });

  describe('tags', () => {
    const tags = (rest = '') => ns('strata-tags', `/tags${rest}`);

    beforeAll(async () => {
      await as(admin).post(`${image}/v2/metadefs/namespaces`, { namespace: 'strata-tags' });
    });

    it('creates a list, replaces it, appends to it, renames and deletes tags', async () => {
      const many = await as(admin).post(tags(), { tags: [{ name: 'a' }, { name: 'b' }] });
      expect(many.status).toBe(201);
      expect(many.json).toEqual({ tags: [{ name: 'a' }, { name: 'b' }] });
      expect((await as(admin).post(tags(), { tags: [{ name: 'c' }] })).status).toBe(201);
      expect((await as(admin).get(tags())).json).toEqual({ tags: [{ name: 'c' }] });
      await as(admin).post(tags(), { tags: [{ name: 'd' }] }, { 'X-Openstack-Append': 'true' });
      const one = await as(admin).post(tags('/e'));
      expect(one.status).toBe(201);
      expect(one.json).toEqual({ name: 'e', created_at: expect.stringMatching(TIME), updated_at: expect.stringMatching(TIME) });
      expect((await as(admin).get(tags())).json.tags.map((t: { name: string }) => t.name).sort()).toEqual(['c', 'd', 'e']);
      const renamed = await as(admin).put(tags('/E'), { name: 'f' });
      expect(renamed.json).toMatchObject({ name: 'f' });
      expect((await as(admin).get(tags('/f'))).status).toBe(200);
      expect((await as(admin).del(tags('/f'))).status).toBe(204);
      expect((await as(admin).get(tags('/f'))).json).toEqual(glanceError(404, 'Not Found', 'Could not find metadata tag f'));
      expect((await as(admin).del(tags())).status).toBe(204);
      expect((await as(admin).get(tags())).json).toEqual({ tags: [] });
    });

    it('refuses a repeated name, writing nothing', async () => {
      await as(admin).post(tags('/x'));
      const before = await head();
      expect((await as(admin).post(tags('/X'))).json).toEqual(
        glanceError(409, 'Conflict', 'A metadata tag with name=X already exists in namespace=strata-tags. (Please note that metadata tag names are case insensitive).'),
      );
      expect((await as(admin).post(tags(), { tags: [{ name: 'y' }, { name: 'y' }] })).status).toBe(409);
      const tooLong = await as(admin).post(tags(`/${'t'.repeat(81)}`));
      expect(tooLong.status).toBe(400);
      expect(tooLong.json.message).toMatch(/^Provided object does not match schema 'tag': 't{81}' is too long/);
      expect(await head()).toBe(before);
      expect((await as(admin).get(tags())).json).toEqual({ tags: [{ name: 'x' }] });
    });
  });

  describe('resource type associations', () => {
    const associations = (rest = '') => ns('strata-assoc', `/resource_types${rest}`);

    beforeAll(async () => {
      await as(admin).post(`${image}/v2/metadefs/namespaces`, { namespace: 'strata-assoc' });
    });

    it('associates, lists and dissociates resource types; an unknown type comes to exist', async () => {
      const associated = await as(admin).post(associations(), { name: 'OS::Nova::Flavor', prefix: 'hw:', properties_target: 'image' });
      expect(associated.status).toBe(201);
      expect(associated.json).toEqual({ name: 'OS::Nova::Flavor', prefix: 'hw:', properties_target: 'image', created_at: expect.stringMatching(TIME), updated_at: expect.stringMatching(TIME) });
      await as(admin).post(associations(), { name: 'OS::Strata::Thing' });
      expect((await as(admin).get(associations())).json.resource_type_associations.map((a: { name: string }) => a.name)).toEqual(['OS::Nova::Flavor', 'OS::Strata::Thing']);
      const types = (await as(member).get(`${image}/v2/metadefs/resource_types`)).json.resource_types;
      expect(types.at(-1)).toEqual({ name: 'OS::Strata::Thing', created_at: expect.stringMatching(TIME), updated_at: expect.stringMatching(TIME) });
      expect((await as(admin).post(associations(), { name: 'os::nova::flavor' })).status).toBe(409);
      // Glance compares the name in Python here: another case is not found.
      expect((await as(admin).del(associations('/os::nova::flavor'))).json).toEqual(glanceError(404, 'Not Found', 'Failed to find resource type os::nova::flavor to delete'));
      expect((await as(admin).del(associations('/OS::Nova::Flavor'))).status).toBe(204);
      expect((await as(admin).get(associations())).json.resource_type_associations.map((a: { name: string }) => a.name)).toEqual(['OS::Strata::Thing']);
    });
  });

  describe('policy', () => {
    beforeAll(async () => {
      await as(admin).post(`${image}/v2/metadefs/namespaces`, { namespace: 'strata-private' });
      await as(admin).post(`${image}/v2/metadefs/namespaces`, { namespace: 'strata-public', visibility: 'public' });
      await as(admin).post(`${image}/v2/metadefs/namespaces`, { namespace: 'strata-team', owner: memberProject });
    });

    it("lets a non-admin read public namespaces and its project's, and hides the others", async () => {
      const listed = (await as(member).get(`${image}/v2/metadefs/namespaces?limit=100`)).json.namespaces.map((n: { namespace: string }) => n.namespace);
      expect(listed).toEqual(expect.arrayContaining(['strata-public', 'strata-team']));
      expect(listed).not.toContain('strata-private');
      expect((await as(member).get(ns('strata-team'))).status).toBe(200);
      expect((await as(member).get(ns('strata-private'))).json).toEqual(glanceError(404, 'Not Found', 'The resource could not be found.'));
      expect((await as(member).get(ns('strata-private', '/tags'))).json).toEqual(glanceError(404, 'Not Found', 'Namespace strata-private not found'));
    });

    it('keeps every write for admins, answering in Glance words, writing nothing', async () => {
      const before = await head();
      expect((await as(member).post(`${image}/v2/metadefs/namespaces`, { namespace: 'member-ns' })).json).toEqual(
        glanceError(403, 'Forbidden', 'You are not authorized to complete add_metadef_namespace action.'),
      );
      expect((await as(member).put(ns('strata-team'), { namespace: 'strata-team' })).json).toEqual(glanceError(403, 'Forbidden', 'You are not authorized to complete modify_metadef_namespace action.'));
      expect((await as(member).post(ns('strata-public', '/tags/x'))).json).toEqual(glanceError(403, 'Forbidden', 'You are not authorized to complete add_metadef_tag action.'));
      expect((await as(member).del(ns('strata-team'))).status).toBe(403);
      // An invisible namespace stays hidden: 404 before any policy check.
      expect((await as(member).put(ns('strata-private'), { namespace: 'strata-private' })).json).toEqual(glanceError(404, 'Not Found', 'Namespace strata-private not found'));
      expect(await head()).toBe(before);
    });
  });

  describe('after a restart', () => {
    it('seeds nothing twice and keeps every namespace', async () => {
      strata!.child.kill('SIGTERM');
      expect(await exitWithin(strata!, 60_000)).toEqual({ code: 0, signal: null });
      strata = spawnStrata(['start'], env());
      await waitReady(base, strata);
      expect((await as(admin).get(`${image}/v2/metadefs/resource_types`)).json.resource_types).toHaveLength(7);
      expect((await as(admin).get(ns('strata-tags', '/tags'))).json).toEqual({ tags: [{ name: 'x' }] });
    });
  });
});
