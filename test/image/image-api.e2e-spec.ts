import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { freePort, killAll, spawnStrata, StrataProcess, tempDataDir, waitFor, waitReady } from '../e2e/support/strata-process';
import { Answer, call, issueToken, projectScope } from '../identity/support/identity-http';

/**
 * The Glance v2 image API of `strata start`, over HTTP, against what the real Glance (Zed) answers
 * (test/fixtures/glance/README.md and its captures): statuses, webob fault bodies, headers, and
 * that a refused request changes nothing.
 */

const ADMIN = { name: 'admin', password: 'image-secret' };
const PATCH_V21 = 'application/openstack-images-v2.1-json-patch';
const PATCH_V20 = 'application/openstack-images-v2.0-json-patch';
const ACCEPT_PATCH = `${PATCH_V20}, ${PATCH_V21}`;
const GLANCE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const FIXTURES = path.join(__dirname, '../fixtures/glance');
const BASE_KEYS = [
  'name',
  'disk_format',
  'container_format',
  'visibility',
  'size',
  'virtual_size',
  'status',
  'checksum',
  'protected',
  'min_ram',
  'min_disk',
  'owner',
  'os_hidden',
  'os_hash_algo',
  'os_hash_value',
  'id',
  'created_at',
  'updated_at',
  'tags',
  'self',
  'file',
  'schema',
];

/** webob's JSON fault as Glance sends it: the explanation, then a detail line when there is one. */
const fault = (status: number, title: string, explanation: string, detail = '') => ({ message: `${explanation}<br /><br />\n${detail}\n\n`, code: `${status} ${title}`, title });
const badRequest = (explanation: string) => fault(400, 'Bad Request', explanation);
const forbidden = (explanation: string, detail = '') => fault(403, 'Forbidden', explanation, detail);
const notFound = (explanation: string) => fault(404, 'Not Found', explanation);
const conflict = (explanation: string, detail = '') => fault(409, 'Conflict', explanation, detail);
const unsupportedMediaType = (mediaType: string) => ({
  message: `The request media type ${mediaType} is not supported by this server.\n<br /><br />\n`,
  code: '415 Unsupported Media Type',
  title: 'Unsupported Media Type',
});

interface Exchange {
  label: string;
  req_headers: [string, string][];
  req_body: string;
  status: number;
  resp_body: string;
}
const EXCHANGES: Exchange[] = fs
  .readFileSync(path.join(FIXTURES, 'exchanges.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));

/** What the real Glance answered (as JSON) to the captured request `label` whose body was `reqBody` (and status, if given). */
function glanceAnswer(label: string, reqBody: string, status?: number): { status: number; json: unknown; requestBody: unknown } {
  const found = EXCHANGES.find(
    (e) => e.label === label && e.req_body === reqBody && (status === undefined || e.status === status) && e.req_headers.some(([k, v]) => k.toLowerCase() === 'accept' && v === 'application/json'),
  );
  if (!found) throw new Error(`no JSON exchange ${label} with body ${reqBody} in the Glance captures`);
  let requestBody: unknown = found.req_body;
  try {
    requestBody = JSON.parse(found.req_body);
  } catch {
    // sent verbatim: the capture of a malformed body
  }
  return { status: found.status, json: JSON.parse(found.resp_body), requestBody };
}

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One request with exactly these headers (no Accept unless given) and a byte body; the answer as bytes. */
function send(method: string, url: string, opts: { token?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<Raw> {
  const headers: Record<string, string> = { ...(opts.token ? { 'X-Auth-Token': opts.token } : {}), ...(opts.headers ?? {}) };
  if (opts.body !== undefined) headers['Content-Length'] = String(opts.body.length);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        let json: unknown;
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** Deterministic bytes no disk probe takes for anything but raw. */
function bytesOf(seed: string, length: number): Buffer {
  const blocks: Buffer[] = [];
  let block = createHash('sha512').update(seed).digest();
  for (let n = 0; n < length; n += block.length) {
    blocks.push(block);
    block = createHash('sha512').update(block).digest();
  }
  return Buffer.concat(blocks).subarray(0, length);
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');
const ids = (answer: Answer) => (answer.json.images as { id: string }[]).map((i) => i.id);
const names = (answer: Answer) => (answer.json.images as { name: string }[]).map((i) => i.name);

describe('Image API (Glance v2) on strata start', () => {
  const { root, dataDir } = tempDataDir();
  const clusterDir = path.join(dataDir, 'pg');
  const files = path.join(root, 'files');
  const blobsDir = path.join(dataDir, 'images', 'blobs');
  const tmpDir = path.join(dataDir, 'images', 'tmp');
  let strata: StrataProcess | undefined;
  let port: number;
  let base: string;
  let images: string;
  let admin: string;
  let adminProject: string;
  const project: Record<'alpha' | 'beta', string> = { alpha: '', beta: '' };
  const tokens: Record<'alice' | 'bob' | 'rita', string> = { alice: '', bob: '', rita: '' };

  /** The JSON image API as one token: paths are under /image/v2. */
  const as = (token: string) => ({
    get: (p: string) => call('GET', `${base}/image/v2${p}`, { token }),
    post: (p: string, body?: unknown, headers: Record<string, string> = {}) => call('POST', `${base}/image/v2${p}`, { token, body, headers }),
    patch: (id: string, ops: unknown, type = PATCH_V21) => call('PATCH', `${images}/${id}`, { token, body: ops, headers: { 'Content-Type': type } }),
    put: (p: string, body?: unknown) => call('PUT', `${base}/image/v2${p}`, { token, body }),
    del: (p: string) => call('DELETE', `${base}/image/v2${p}`, { token }),
    upload: (id: string, bytes: Buffer, headers: Record<string, string> = {}) =>
      send('PUT', `${images}/${id}/file`, { token, body: bytes, headers: { 'Content-Type': 'application/octet-stream', Accept: 'application/json', ...headers } }),
    download: (id: string, headers: Record<string, string> = {}) => send('GET', `${images}/${id}/file`, { token, headers: { Accept: 'application/json', ...headers } }),
  });
  const api = () => as(admin);

  async function createImage(body: Record<string, unknown>, token = admin): Promise<string> {
    const created = await as(token).post('/images', body);
    if (created.status !== 201) throw new Error(`image create answered ${created.status}: ${created.text}`);
    return created.json.id;
  }

  async function activeImage(body: Record<string, unknown>, bytes: Buffer, token = admin): Promise<string> {
    const id = await createImage({ disk_format: 'raw', container_format: 'bare', ...body }, token);
    const uploaded = await as(token).upload(id, bytes);
    if (uploaded.status !== 204) throw new Error(`upload answered ${uploaded.status}: ${uploaded.body.toString()}`);
    return id;
  }

  const blobPath = (bytes: Buffer) => {
    const hex = sha512(bytes);
    return path.join(blobsDir, hex.slice(0, 2), hex.slice(2, 4), hex);
  };
  const blobFiles = () => (fs.existsSync(blobsDir) ? (fs.readdirSync(blobsDir, { recursive: true }) as string[]).filter((f) => /^[0-9a-f]{128}$/.test(path.basename(f))).sort() : []);
  const partFiles = () => (fs.existsSync(tmpDir) ? fs.readdirSync(tmpDir).filter((f) => f.endsWith('.part')) : []);

  beforeAll(async () => {
    fs.mkdirSync(files, { recursive: true });
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    images = `${base}/image/v2/images`;
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
      const granted = await call('PUT', `${identity}/projects/${project[person.project]}/users/${user}/roles/${roles[person.role]}`, { token: admin });
      if (granted.status !== 204) throw new Error(`role grant answered ${granted.status}`);
      tokens[person.name] = (await issueToken(identity, { name: person.name, password: `${person.name}-pw` }, projectScope(person.project))).value;
    }
  });

  afterAll(async () => {
    await killAll(strata, clusterDir);
    fs.rmSync(root, { recursive: true, force: true });
  });

  describe('versions and schemas', () => {
    it('answers GET /image and /image/ with 300 and the version list, no token needed', async () => {
      for (const url of [`${base}/image`, `${base}/image/`]) {
        const answer = await call('GET', url);
        expect([url, answer.status]).toEqual([url, 300]);
        expect(answer.headers['content-type']).toBe('application/json');
        expect(answer.json.versions[0]).toEqual({ id: expect.stringMatching(/^v2\.\d+$/), status: 'CURRENT', links: [{ rel: 'self', href: `${base}/image/v2/` }] });
        expect(answer.json.versions.map((v: { id: string }) => v.id)).toContain('v2.0');
        expect(answer.json.versions.slice(1).every((v: { status: string }) => v.status === 'SUPPORTED')).toBe(true);
      }
    });

    it('answers POST /image with 300 and GET /image/versions with 200, without a request id', async () => {
      const posted = await call('POST', `${base}/image`);
      expect(posted.status).toBe(300);
      const versions = await call('GET', `${base}/image/versions`);
      expect(versions.status).toBe(200);
      expect(versions.json).toEqual(posted.json);
      expect(versions.headers['x-openstack-request-id']).toBeUndefined();
    });

    it.each(['image', 'images', 'member', 'members'])('serves GET /image/v2/schemas/%s as the real Glance does, byte for byte', async (name) => {
      const answer = await send('GET', `${base}/image/v2/schemas/${name}`, { token: admin });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(answer.json).toEqual(expect.objectContaining({ name, properties: expect.any(Object) }));
      if (name !== 'member') expect(answer.json.links).toEqual(expect.arrayContaining([{ rel: 'describedby', href: '{schema}' }]));
      expect(answer.body.toString('utf8')).toBe(fs.readFileSync(path.join(FIXTURES, `schema-${name}.json`), 'utf8').trimEnd());
    });

    it('refuses the schemas without a token (401, naming the identity service)', async () => {
      const answer = await call('GET', `${base}/image/v2/schemas/image`);
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe(`Keystone uri="${base}/identity"`);
      expect(answer.json).toEqual(glanceAnswer('schemas-other', '', 401).json);
    });
  });

  describe('create, show and list', () => {
    it('creates a minimal image: 201, an absolute Location, Glance defaults in Glance key order', async () => {
      const created = await api().post('/images', {});
      expect(created.status).toBe(201);
      const id = created.json.id;
      expect(created.headers.location).toBe(`${images}/${id}`);
      expect(created.headers['content-type']).toBe('application/json');
      expect(Object.keys(created.json)).toEqual(BASE_KEYS);
      expect(created.json).toEqual({
        name: null,
        disk_format: null,
        container_format: null,
        visibility: 'shared',
        size: null,
        virtual_size: null,
        status: 'queued',
        checksum: null,
        protected: false,
        min_ram: 0,
        min_disk: 0,
        owner: adminProject,
        os_hidden: false,
        os_hash_algo: null,
        os_hash_value: null,
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        created_at: expect.stringMatching(GLANCE_TIME),
        updated_at: created.json.created_at,
        tags: [],
        self: `/v2/images/${id}`,
        file: `/v2/images/${id}/file`,
        schema: '/v2/schemas/image',
      });
      const shown = await api().get(`/images/${id}`);
      expect(shown.status).toBe(200);
      expect(shown.json).toEqual(created.json);
    });

    it('creates a full image with extra properties, which come first', async () => {
      const body = { name: 'full', disk_format: 'qcow2', container_format: 'bare', visibility: 'private', min_disk: 1, min_ram: 0, tags: ['t1', 't2'], protected: false, foo: 'bar', os_distro: 'cirros' };
      const created = await api().post('/images', body);
      expect(created.status).toBe(201);
      expect(Object.keys(created.json)).toEqual(['foo', 'os_distro', ...BASE_KEYS]);
      expect(created.json).toMatchObject({ name: 'full', disk_format: 'qcow2', container_format: 'bare', visibility: 'private', min_disk: 1, tags: ['t1', 't2'], foo: 'bar', os_distro: 'cirros', status: 'queued' });
      expect((await api().get(`/images/${created.json.id}`)).json).toEqual(created.json);
      const listed = await api().get('/images?name=full');
      expect(listed.status).toBe(200);
      expect(listed.json).toEqual({ images: [created.json], first: '/v2/images?name=full', schema: '/v2/schemas/images' });
    });

    it('takes a create body sent as text/plain, as Glance reads any body as JSON', async () => {
      const created = await api().post('/images', '{"name": "plain-body"}', { 'Content-Type': 'text/plain' });
      expect(created.status).toBe(201);
      expect(created.json.name).toBe('plain-body');
    });

    it('takes a given id once: again, even after a delete, is 409', async () => {
      const id = '2a494638-2421-4434-a673-77faf62d7b45';
      expect((await api().post('/images', { id, name: 'with-id' })).status).toBe(201);
      const again = await api().post('/images', { id, name: 'with-id' });
      expect(again.status).toBe(409);
      expect(again.json).toEqual(conflict(`Image ID ${id} already exists!`));
      expect((await api().del(`/images/${id}`)).status).toBe(204);
      expect((await api().post('/images', { id, name: 'reused' })).json).toEqual(conflict(`Image ID ${id} already exists!`));
    });

    it('answers 404 for an unknown or malformed id, in the format the Accept header picks', async () => {
      const missing = '6f0a6c4e-0000-4000-8000-000000000000';
      expect((await api().get(`/images/${missing}`)).json).toEqual(notFound(`No image found with ID ${missing}`));
      expect((await api().get('/images/not-a-uuid')).json).toEqual(notFound('No image found with ID not-a-uuid'));
      const plain = await send('GET', `${images}/${missing}`, { token: admin });
      expect([plain.status, plain.headers['content-type'], plain.body.toString()]).toEqual([404, 'text/plain; charset=UTF-8', `404 Not Found\n\nNo image found with ID ${missing}\n\n   `]);
      const html = await send('GET', `${images}/${missing}`, { token: admin, headers: { Accept: '*/*' } });
      expect([html.status, html.headers['content-type']]).toEqual([404, 'text/html; charset=UTF-8']);
      expect(html.body.toString()).toBe(
        `<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  No image found with ID ${missing}<br /><br />\n\n\n\n </body>\n</html>`,
      );
      // Equal q: webob prefers HTML; a higher q for JSON gets JSON.
      expect((await send('GET', `${images}/${missing}`, { token: admin, headers: { Accept: 'application/json, text/html' } })).headers['content-type']).toBe('text/html; charset=UTF-8');
      expect((await send('GET', `${images}/${missing}`, { token: admin, headers: { Accept: 'text/html;q=0.5, application/json' } })).headers['content-type']).toBe('application/json');
      expect((await send('GET', `${images}/${missing}`, { token: admin, headers: { Accept: 'application/xml' } })).headers['content-type']).toBe('text/plain; charset=UTF-8');
      // Deliberately not Glance (text/plain): openstacksdk's upload sends `Accept: ""` and reads a fault's text only from HTML or JSON.
      expect((await send('GET', `${images}/${missing}`, { token: admin, headers: { Accept: '' } })).headers['content-type']).toBe('text/html; charset=UTF-8');
    });
  });

  describe('routing', () => {
    it('answers another method on an image route with 405 and Allow, HEAD included', async () => {
      const id = await createImage({ name: 'routed' });
      const cases: [string, string, string][] = [
        ['PUT', `${images}/${id}`, 'GET, PATCH, DELETE'],
        ['HEAD', `${images}/${id}`, 'GET, PATCH, DELETE'],
        ['DELETE', images, 'GET, POST'],
        ['POST', `${images}/${id}/file`, 'GET, PUT'],
        ['HEAD', `${images}/${id}/file`, 'GET, PUT'],
        ['GET', `${images}/${id}/actions/deactivate`, 'POST'],
      ];
      for (const [method, url, allow] of cases) {
        const answer = await send(method, url, { token: admin, headers: { Accept: 'application/json' } });
        expect([method, url, answer.status, answer.headers.allow]).toEqual([method, url, 405, allow]);
        if (method !== 'HEAD') {
          expect(answer.json).toEqual({ message: `The method ${method} is not allowed for this resource. <br /><br />\n`, code: '405 Method Not Allowed', title: 'Method Not Allowed' });
        }
      }
      expect((await api().get(`/images/${id}`)).json.name).toBe('routed');
    });

    it('answers an unknown path or action with the bare 404', async () => {
      const id = await createImage({ name: 'routed-404' });
      expect((await api().get('/nosuch')).json).toEqual(notFound('The resource could not be found.'));
      expect((await api().get('/schemas/nosuch')).json).toEqual(notFound('The resource could not be found.'));
      const action = await api().post(`/images/${id}/actions/frobnicate`);
      expect([action.status, action.json]).toEqual([404, notFound('The resource could not be found.')]);
    });
  });

  describe('create refuses bad input and creates nothing', () => {
    const everything = async () => ids(await api().get('/images?visibility=all&limit=1000')).sort();

    it.each([
      ['error-create-bad-disk-format', '{"name": "fx-bad", "disk_format": "bogus"}'],
      ['error-create-bad-container-format', '{"container_format": "box"}'],
      ['error-create-bad-visibility', '{"name": "fx-bad", "visibility": "secret"}'],
      ['error-create-bad-values', '{"name": "fx-bad", "foo": 1}'],
      ['error-create-bad-values', '{"name": "fx-bad", "min_disk": -1}'],
      ['error-create-bad-values', '{"name": "fx-bad", "tags": "t1"}'],
      ['error-create-readonly-attr', '{"name": "fx-ro", "status": "active"}'],
      ['error-create-readonly-attr', '{"name": "fx-ro", "size": 5}'],
      ['error-create-readonly-attr', '{"name": "fx-ro", "created_at": "2020-01-01T00:00:00Z"}'],
      ['error-create-reserved-property', '{"name": "fx-res", "os_glance_foo": "x"}'],
    ])('%s %s: the same status and fault as Glance', async (label, reqBody) => {
      const before = await everything();
      const glance = glanceAnswer(label, reqBody);
      const answer = await api().post('/images', glance.requestBody);
      expect([answer.status, answer.json]).toEqual([glance.status, glance.json]);
      expect(await everything()).toEqual(before);
    });

    it('a name over 255 characters and a tag over 255 are the schema 400s', async () => {
      const name = 'n'.repeat(256);
      const long = await api().post('/images', { name });
      expect(long.status).toBe(400);
      expect(long.json).toEqual(glanceAnswer('error-create-bad-values', JSON.stringify({ name }).replace(':', ': ')).json);
      const tag = await api().post('/images', { name: 'fx-bad', tags: ['t'.repeat(256)] });
      expect(tag.status).toBe(400);
      expect(tag.json.message).toMatch(/^Provided object does not match schema 'image': 't{256}' is too long\n\nFailed validating 'maxLength' in schema\['properties'\]\['tags'\]\['items'\]:/);
    });

    it('a body that is a JSON array is a 400 (Glance answers 500), malformed JSON a 400, writing nothing', async () => {
      const before = await everything();
      const list = await api().post('/images', []);
      expect(list.status).toBe(400);
      expect(list.json).toEqual(badRequest("Provided object does not match schema 'image': [] is not of type 'object'"));
      const malformed = await api().post('/images', '{"name": ');
      expect(malformed.status).toBe(400);
      expect(malformed.json).toEqual(glanceAnswer('error-create-bad-values', '{"name": ').json);
      expect(await everything()).toEqual(before);
    });
  });

  describe('PATCH', () => {
    let id: string;
    let before: unknown;
    const unchanged = async () => expect((await api().get(`/images/${id}`)).json).toEqual(before);

    beforeAll(async () => {
      id = await createImage({ name: 'patch-me', disk_format: 'raw', container_format: 'bare', foo: 'bar' });
      before = (await api().get(`/images/${id}`)).json;
    });

    it('refuses a media type other than the json-patch ones with 415 and Accept-Patch', async () => {
      for (const type of ['application/json', 'application/json-patch+json']) {
        const answer = await api().patch(id, [{ op: 'replace', path: '/name', value: 'x' }], type);
        expect(answer.status).toBe(415);
        expect(answer.headers['accept-patch']).toBe(ACCEPT_PATCH);
        expect(answer.json).toEqual(unsupportedMediaType(type));
      }
      await unchanged();
    });

    it('refuses malformed JSON, a body that is not a list, an unknown op, a missing value or a bad pointer with 400', async () => {
      const cases: [unknown, string][] = [
        ['[{"op": "replace", "path": ', 'Malformed JSON in request body.'],
        [{ op: 'replace', path: '/name', value: 'x' }, 'Request body must be a JSON array of operation objects.'],
        [[{ op: 'move', from: '/foo', path: '/colour' }], 'Invalid operation: `move`. It must be one of the following: add, remove, replace.'],
        [[{ op: 'test', path: '/name', value: 'x' }], 'Invalid operation: `test`. It must be one of the following: add, remove, replace.'],
        [[{ op: 'replace', path: '/name' }], 'Operation "replace" requires a member named "value".'],
        [[{ op: 'replace', path: 'name', value: 'x' }], 'Pointer `name` does not start with "/".'],
        [[{ op: 'add', path: '/tags/-', value: 'z' }], "Invalid JSON pointer for this resource: '/tags/-'"],
      ];
      for (const [ops, message] of cases) {
        const answer = await api().patch(id, ops);
        expect([ops, answer.status, answer.json]).toEqual([ops, 400, badRequest(message)]);
      }
      await unchanged();
    });

    it('refuses bad values with the schema text Glance sends', async () => {
      for (const reqBody of ['[{"op": "replace", "path": "/visibility", "value": "secret"}]', '[{"op": "replace", "path": "/disk_format", "value": "bogus"}]']) {
        const glance = glanceAnswer(reqBody.includes('visibility') ? 'error-patch-bad-visibility' : 'error-patch-bad-disk-format', reqBody);
        const answer = await api().patch(id, glance.requestBody);
        expect([answer.status, answer.json]).toEqual([glance.status, glance.json]);
      }
      await unchanged();
    });

    it('a replace or remove of a missing property is 409 with the property in the detail', async () => {
      for (const ops of [[{ op: 'replace', path: '/nosuch', value: 'x' }], [{ op: 'remove', path: '/nosuch' }]]) {
        const answer = await api().patch(id, ops);
        expect(answer.status).toBe(409);
        expect(answer.json).toEqual(conflict('There was a conflict when trying to complete your request.', 'Property nosuch does not exist.'));
      }
      await unchanged();
    });

    it('refuses read-only, reserved and base-property removals with 403', async () => {
      const cases: [unknown, object][] = [
        [[{ op: 'replace', path: '/status', value: 'active' }], forbidden("Attribute 'status' is read-only.")],
        [[{ op: 'replace', path: '/id', value: '0a0b0c0d-1111-4222-8333-444455550000' }], forbidden("Attribute 'id' is read-only.")],
        [[{ op: 'replace', path: '/checksum', value: 'x' }], forbidden("Attribute 'checksum' is read-only.")],
        [[{ op: 'add', path: '/os_glance_foo', value: 'x' }], forbidden("Attribute 'os_glance_foo' is reserved.")],
        [[{ op: 'remove', path: '/name' }], forbidden('Access was denied to this resource.', 'Property name may not be removed.')],
        [[{ op: 'replace', path: '/locations', value: [] }], forbidden('Access was denied to this resource.', 'Cannot set locations to empty list.')],
      ];
      for (const [ops, expected] of cases) {
        const answer = await api().patch(id, ops);
        expect([ops, answer.status, answer.json]).toEqual([ops, 403, expected]);
      }
      await unchanged();
    });

    it('applies add, replace and remove in order and answers the whole image', async () => {
      const answer = await api().patch(id, [
        { op: 'add', path: '/colour', value: 'blue' },
        { op: 'replace', path: '/name', value: 'patched' },
        { op: 'remove', path: '/foo' },
        { op: 'replace', path: '/tags', value: ['x', 'y', 'x'] },
        { op: 'add', path: '/min_ram', value: 512 },
      ]);
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({ colour: 'blue', name: 'patched', tags: ['x', 'y'], min_ram: 512 });
      expect(answer.json).not.toHaveProperty('foo');
      expect(Object.keys(answer.json)).toEqual(['colour', ...BASE_KEYS]);
      expect((await api().get(`/images/${id}`)).json).toEqual(answer.json);
      // An empty patch changes nothing and answers the image.
      expect((await api().patch(id, [])).json).toEqual(answer.json);
    });

    it('takes the draft-4 form under the v2.0 media type, and refuses the op form there', async () => {
      const answer = await api().patch(id, [{ replace: '/name', value: 'v20' }], PATCH_V20);
      expect(answer.status).toBe(200);
      expect(answer.json.name).toBe('v20');
      const mixed = await api().patch(id, [{ op: 'replace', path: '/name', value: 'v20b' }], PATCH_V20);
      expect(mixed.status).toBe(400);
      expect(mixed.json).toEqual(badRequest('Operation objects must contain exactly one member named "add", "remove", or "replace".'));
      expect((await api().get(`/images/${id}`)).json.name).toBe('v20');
    });

    it('answers 404 for an unknown image', async () => {
      const missing = '6f0a6c4e-0000-4000-8000-000000000000';
      expect((await api().patch(missing, [{ op: 'replace', path: '/name', value: 'x' }])).json).toEqual(notFound(`No image found with ID ${missing}`));
    });
  });

  describe('upload and download', () => {
    const data = bytesOf('raw-image', 64 * 1024 + 7);
    let id: string;

    it('PUT file: 204 with an empty body; the image is active with md5, sha512 and sizes of the bytes', async () => {
      id = await createImage({ name: 'raw-disk', disk_format: 'raw', container_format: 'bare' });
      const uploaded = await api().upload(id, data);
      expect(uploaded.status).toBe(204);
      expect(uploaded.headers['content-type']).toBe('text/html; charset=UTF-8');
      expect(uploaded.headers['content-length']).toBe('0');
      expect((await api().get(`/images/${id}`)).json).toMatchObject({
        status: 'active',
        size: data.length,
        virtual_size: data.length,
        checksum: md5(data),
        os_hash_algo: 'sha512',
        os_hash_value: sha512(data),
      });
    });

    it('GET file gives the same bytes back with Content-MD5', async () => {
      const answer = await api().download(id);
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/octet-stream');
      expect(answer.headers['content-md5']).toBe(md5(data));
      expect(answer.headers['content-length']).toBe(String(data.length));
      expect(answer.body.equals(data)).toBe(true);
    });

    it('answers a Range with 206 and Content-Range, and a start past the end with 416', async () => {
      const head = await api().download(id, { Range: 'bytes=0-5' });
      expect(head.status).toBe(206);
      expect(head.headers['content-range']).toBe(`bytes 0-5/${data.length}`);
      expect(head.headers['content-md5']).toBe(md5(data));
      expect(head.body.equals(data.subarray(0, 6))).toBe(true);
      const tail = await api().download(id, { Range: 'bytes=10-' });
      expect(tail.status).toBe(206);
      expect(tail.headers['content-range']).toBe(`bytes 10-${data.length - 1}/${data.length}`);
      expect(tail.body.equals(data.subarray(10))).toBe(true);
      const beyond = await api().download(id, { Range: `bytes=${data.length + 10}-` });
      expect(beyond.status).toBe(416);
      expect(beyond.json).toEqual(
        fault(416, 'Request Range Not Satisfiable', 'The Range requested is not available.', `Invalid start position in Range header. Start position MUST be in the inclusive range [0, ${data.length - 1}].`),
      );
    });

    it('refuses a second upload (409) and a disk_format change (403) on an active image, changing nothing', async () => {
      const before = (await api().get(`/images/${id}`)).json;
      const again = await api().upload(id, bytesOf('other', 100));
      expect(again.status).toBe(409);
      expect(again.json).toEqual(conflict('Image status transition from active to saving is not allowed'));
      for (const field of ['disk_format', 'container_format']) {
        const changed = await api().patch(id, [{ op: 'replace', path: `/${field}`, value: field === 'disk_format' ? 'qcow2' : 'ovf' }]);
        expect(changed.status).toBe(403);
        expect(changed.json).toEqual(forbidden(`Attribute ${field} can be only replaced for a queued image.`));
      }
      expect((await api().get(`/images/${id}`)).json).toEqual(before);
      expect((await api().download(id)).body.equals(data)).toBe(true);
    });

    it('refuses an upload before disk_format and container_format are set (400), leaving the image queued', async () => {
      const bare = await createImage({ name: 'no-formats' });
      const answer = await api().upload(bare, data);
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual(badRequest('Properties disk_format, container_format must be set prior to saving data.'));
      expect((await api().get(`/images/${bare}`)).json).toMatchObject({ status: 'queued', size: null, checksum: null });
    });

    it('refuses a body that is not application/octet-stream with 415', async () => {
      const queued = await createImage({ name: 'json-body', disk_format: 'raw', container_format: 'bare' });
      const answer = await api().upload(queued, Buffer.from('{"a": 1}'), { 'Content-Type': 'application/json' });
      expect(answer.status).toBe(415);
      expect(answer.json).toEqual(unsupportedMediaType('application/json'));
      expect((await api().get(`/images/${queued}`)).json.status).toBe('queued');
    });

    it('answers GET file of an image without data with an empty 204 and no Content-Type', async () => {
      const queued = await createImage({ name: 'empty' });
      const answer = await api().download(queued);
      expect(answer.status).toBe(204);
      expect(answer.headers['content-type']).toBeUndefined();
      expect(answer.body.length).toBe(0);
    });

    it('reads the virtual size of a qcow2 made by qemu-img from its header', async () => {
      const file = path.join(files, 'disk.qcow2');
      execFileSync('qemu-img', ['create', '-f', 'qcow2', file, '64M'], { stdio: 'ignore' });
      const bytes = fs.readFileSync(file);
      const qcow2 = await createImage({ name: 'qcow2-disk', disk_format: 'qcow2', container_format: 'bare' });
      expect((await api().upload(qcow2, bytes)).status).toBe(204);
      expect((await api().get(`/images/${qcow2}`)).json).toMatchObject({ status: 'active', size: bytes.length, virtual_size: 67108864, checksum: md5(bytes) });
    });

    // Deliberately not Glance: Zed stores qcow2 bytes declared raw (a host would then boot them as raw).
    it('refuses qcow2 bytes declared raw (400) and returns the image to queued, keeping no bytes', async () => {
      const bytes = fs.readFileSync(path.join(files, 'disk.qcow2'));
      const lying = await createImage({ name: 'lying-raw', disk_format: 'raw', container_format: 'bare' });
      const answer = await api().upload(lying, bytes);
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual(badRequest("Image disk_format raw does not match the data, which qemu-img reads as qcow2; set the image's disk_format to qcow2 and upload it again."));
      expect((await api().get(`/images/${lying}`)).json).toMatchObject({ status: 'queued', size: null, virtual_size: null, checksum: null, os_hash_value: null });
      expect(partFiles()).toEqual([]);
      // The qcow2 image above holds these bytes: the refused upload must not have dropped them.
      expect(fs.existsSync(blobPath(bytes))).toBe(true);
    });
  });

  describe('an upload the client abandons', () => {
    it('ends queued with no partial file and no blob left behind', async () => {
      const id = await createImage({ name: 'abandoned', disk_format: 'raw', container_format: 'bare' });
      const blobsBefore = blobFiles();
      const total = 4 * 1024 * 1024;
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      const head = [
        `PUT /image/v2/images/${id}/file HTTP/1.1`,
        `Host: 127.0.0.1:${port}`,
        `X-Auth-Token: ${admin}`,
        'Content-Type: application/octet-stream',
        `Content-Length: ${total}`,
        '',
        '',
      ].join('\r\n');
      await new Promise<void>((resolve, reject) => socket.write(Buffer.concat([Buffer.from(head), bytesOf('abandoned', total / 2)]), (e) => (e ? reject(e) : resolve())));
      await waitFor('the upload to be saving', async () => ((await api().get(`/images/${id}`)).json.status === 'saving' ? true : undefined), 15_000);
      socket.destroy();
      const image = await waitFor(
        'the abandoned upload to return the image to queued',
        async () => {
          const shown = (await api().get(`/images/${id}`)).json;
          return shown.status === 'queued' ? shown : undefined;
        },
        15_000,
        () => strata!.output(),
      );
      expect(image).toMatchObject({ status: 'queued', size: null, checksum: null });
      expect(partFiles()).toEqual([]);
      expect(blobFiles()).toEqual(blobsBefore);
      // And the image takes a complete upload afterwards.
      expect((await api().upload(id, bytesOf('abandoned', 1000))).status).toBe(204);
    });
  });

  describe('delete', () => {
    it('answers 204, then 404 on GET and on a second DELETE', async () => {
      const id = await createImage({ name: 'doomed' });
      const deleted = await api().del(`/images/${id}`);
      expect(deleted.status).toBe(204);
      expect(deleted.headers['content-type']).toBe('text/html; charset=UTF-8');
      expect(deleted.text).toBe('');
      expect((await api().get(`/images/${id}`)).json).toEqual(notFound(`No image found with ID ${id}`));
      const again = await api().del(`/images/${id}`);
      expect(again.status).toBe(404);
      expect(again.json).toEqual(notFound(`Failed to find image ${id} to delete`));
    });

    it('refuses a protected image (403) and keeps it as it was', async () => {
      const id = await createImage({ name: 'kept', protected: true });
      const before = (await api().get(`/images/${id}`)).json;
      const refused = await api().del(`/images/${id}`);
      expect(refused.status).toBe(403);
      expect(refused.json).toEqual(forbidden(`Image ${id} is protected and cannot be deleted.`));
      expect((await api().get(`/images/${id}`)).json).toEqual(before);
      expect((await api().patch(id, [{ op: 'replace', path: '/protected', value: false }])).status).toBe(200);
      expect((await api().del(`/images/${id}`)).status).toBe(204);
    });

    it('removes the bytes with the last image that has them, not before', async () => {
      const shared = bytesOf('twice', 10_000);
      const first = await activeImage({ name: 'copy-1' }, shared);
      const second = await activeImage({ name: 'copy-2' }, shared);
      const own = bytesOf('once', 10_000);
      const single = await activeImage({ name: 'single' }, own);
      expect(fs.existsSync(blobPath(shared))).toBe(true);
      expect(fs.existsSync(blobPath(own))).toBe(true);

      expect((await api().del(`/images/${first}`)).status).toBe(204);
      expect(fs.existsSync(blobPath(shared))).toBe(true);
      expect((await api().download(second)).body.equals(shared)).toBe(true);
      expect((await api().del(`/images/${second}`)).status).toBe(204);
      expect(fs.existsSync(blobPath(shared))).toBe(false);
      expect((await api().del(`/images/${single}`)).status).toBe(204);
      expect(fs.existsSync(blobPath(own))).toBe(false);
    });
  });

  describe('list filters, sorting and paging', () => {
    const image: Record<'a' | 'b' | 'c' | 'hidden', string> = { a: '', b: '', c: '', hidden: '' };
    const list = async (query: string) => {
      const answer = await api().get(`/images?${query}`);
      if (answer.status !== 200) throw new Error(`list ?${query} answered ${answer.status}: ${answer.text}`);
      return answer;
    };

    beforeAll(async () => {
      image.a = await activeImage({ name: 'lst-a', tags: ['lst', 'red'], foo: 'bar' }, bytesOf('lst-a', 10));
      image.b = await createImage({ name: 'lst-b', disk_format: 'qcow2', tags: ['lst'], protected: true });
      image.c = await activeImage({ name: 'lst-c', tags: ['lst', 'red', 'blue'], visibility: 'private' }, bytesOf('lst-c', 100));
      image.hidden = await createImage({ name: 'lst-hidden', tags: ['lst'], os_hidden: true });
    });

    afterAll(async () => {
      await api().patch(image.b, [{ op: 'replace', path: '/protected', value: false }]);
    });

    it('lists newest first by default, hidden images only when asked', async () => {
      const answer = await list('tag=lst');
      expect(names(answer)).toEqual(['lst-c', 'lst-b', 'lst-a']);
      expect(answer.json.first).toBe('/v2/images?tag=lst');
      expect(answer.json.schema).toBe('/v2/schemas/images');
      expect(answer.json).not.toHaveProperty('next');
      expect(names(await list('tag=lst&os_hidden=true'))).toEqual(['lst-hidden']);
    });

    it.each([
      ['name=lst-a', ['lst-a']],
      ['tag=lst&name=in:lst-a,lst-b', ['lst-b', 'lst-a']],
      ['tag=lst&status=active', ['lst-c', 'lst-a']],
      ['tag=lst&status=bogus', []],
      ['tag=lst&visibility=private', ['lst-c']],
      ['tag=lst&visibility=shared', ['lst-b', 'lst-a']],
      ['tag=lst&tag=red', ['lst-c', 'lst-a']],
      ['tag=red&tag=blue', ['lst-c']],
      ['tag=lst&disk_format=qcow2', ['lst-b']],
      ['tag=lst&size_min=10&size_max=50', ['lst-a']],
      ['tag=lst&size_min=11', ['lst-c']],
      ['tag=lst&size=10', ['lst-a']],
      ['tag=lst&size=abc', []],
      ['tag=lst&protected=true', ['lst-b']],
      ['tag=lst&protected=false', ['lst-c', 'lst-a']],
      ['tag=lst&foo=bar', ['lst-a']],
    ])('?%s', async (query, expected) => {
      expect(names(await list(query))).toEqual(expected);
    });

    it('filters by owner', async () => {
      expect(names(await list(`tag=lst&owner=${adminProject}`))).toEqual(['lst-c', 'lst-b', 'lst-a']);
      expect(names(await list(`tag=lst&owner=${project.beta}`))).toEqual([]);
    });

    it('writes `first` as Glance re-encodes the query: one value per key, percent-encoded', async () => {
      expect((await list('tag=red&tag=blue')).json.first).toBe('/v2/images?tag=blue');
      expect((await list('tag=lst&name=in:lst-a,lst-b')).json.first).toBe('/v2/images?tag=lst&name=in%3Alst-a%2Clst-b');
      expect((await list('tag=lst&sort=name:asc,created_at:desc')).json.first).toBe('/v2/images?tag=lst&sort=name%3Aasc%2Ccreated_at%3Adesc');
    });

    it('sorts by sort_key/sort_dir (desc by default, pairs in order) and by sort=key:dir', async () => {
      expect(names(await list('tag=lst&sort_key=name&sort_dir=asc'))).toEqual(['lst-a', 'lst-b', 'lst-c']);
      expect(names(await list('tag=lst&sort_key=name'))).toEqual(['lst-c', 'lst-b', 'lst-a']);
      expect(names(await list('tag=lst&sort=name:asc,created_at:desc'))).toEqual(['lst-a', 'lst-b', 'lst-c']);
      // Sizes descending, the image without data last.
      expect(names(await list('tag=lst&sort_key=size&sort_key=name&sort_dir=desc&sort_dir=asc'))).toEqual(['lst-c', 'lst-a', 'lst-b']);
    });

    it('pages with limit and marker; `next` appears whenever a page is full', async () => {
      const query = 'tag=lst&sort_key=name&sort_dir=asc';
      const page1 = await list(`${query}&limit=1`);
      expect(names(page1)).toEqual(['lst-a']);
      expect(page1.json.first).toBe(`/v2/images?${query}&limit=1`);
      expect(page1.json.next).toBe(`/v2/images?${query}&limit=1&marker=${image.a}`);
      expect(Object.keys(page1.json)).toEqual(['images', 'first', 'schema', 'next']);
      const page2 = await call('GET', `${base}/image${page1.json.next}`, { token: admin });
      expect(names(page2)).toEqual(['lst-b']);
      expect(page2.json.first).toBe(`/v2/images?${query}&limit=1`);
      expect(page2.json.next).toBe(`/v2/images?${query}&limit=1&marker=${image.b}`);

      const full = await list(`${query}&limit=3`);
      expect(names(full)).toEqual(['lst-a', 'lst-b', 'lst-c']);
      expect(full.json.next).toBe(`/v2/images?${query}&limit=3&marker=${image.c}`);
      const after = await call('GET', `${base}/image${full.json.next}`, { token: admin });
      expect(after.json).toEqual({ images: [], first: `/v2/images?${query}&limit=3`, schema: '/v2/schemas/images' });

      const rest = await list(`tag=lst&marker=${image.a}&sort_key=name&sort_dir=asc`);
      expect(names(rest)).toEqual(['lst-b', 'lst-c']);
      expect(rest.json.first).toBe(`/v2/images?${query}`);
      expect(rest.json).not.toHaveProperty('next');
      const none = await list('tag=lst&limit=0');
      expect(none.json).toEqual({ images: [], first: '/v2/images?tag=lst&limit=0', schema: '/v2/schemas/images' });
      // A marker the filters exclude still pages: what sorts after it.
      expect(names(await list(`tag=red&sort_key=name&sort_dir=asc&marker=${image.b}`))).toEqual(['lst-c']);
    });

    it('refuses bad list parameters with Glance’s 400s', async () => {
      const missing = '6f0a6c4e-0000-4000-8000-000000000000';
      const cases: [string, string][] = [
        ['sort_key=bogus', 'Invalid sort key: bogus. It must be one of the following: name, status, container_format, disk_format, size, id, created_at, updated_at.'],
        ['sort_dir=sideways', 'Invalid sort direction: sideways'],
        ['sort=name:up', 'Invalid sort direction: up'],
        ['sort=name:asc&sort_key=name', 'Old and new sorting syntax cannot be combined'],
        ['limit=-1', 'limit param must be positive'],
        ['limit=abc', 'limit param must be an integer'],
        [`marker=${missing}`, `No image found with ID ${missing}`],
        ['size_min=abc', 'Unable to filter on a range with a non-numeric value.'],
        ['visibility=secret', 'Invalid visibility value: secret'],
        ['member_status=bogus', 'Invalid status: bogus'],
        ['protected=maybe', "Invalid value 'maybe' for 'protected' filter. Valid values are 'true' or 'false'."],
      ];
      for (const [query, message] of cases) {
        const answer = await api().get(`/images?${query}`);
        expect([query, answer.status, answer.json]).toEqual([query, 400, badRequest(message)]);
      }
    });

    it('refuses a marker the caller cannot see with 403', async () => {
      const answer = await as(tokens.alice).get(`/images?marker=${image.c}`);
      expect(answer.status).toBe(403);
      expect(answer.json).toEqual(forbidden(`Forbidding request, image ${image.c} not visible`));
    });
  });

  describe('tags', () => {
    it('adds (idempotently) and removes tags; a missing tag or image is 404', async () => {
      const id = await createImage({ name: 'tagged', tags: ['t1'] });
      const added = await api().put(`/images/${id}/tags/newtag`);
      expect([added.status, added.headers['content-type'], added.headers['content-length']]).toEqual([204, 'text/html; charset=UTF-8', '0']);
      expect((await api().put(`/images/${id}/tags/newtag`)).status).toBe(204);
      expect((await api().get(`/images/${id}`)).json.tags).toEqual(['t1', 'newtag']);
      expect((await api().del(`/images/${id}/tags/t1`)).status).toBe(204);
      expect((await api().get(`/images/${id}`)).json.tags).toEqual(['newtag']);
      const missingTag = await api().del(`/images/${id}/tags/nosuch`);
      expect([missingTag.status, missingTag.json]).toEqual([404, notFound('The resource could not be found.')]);
      const missing = '6f0a6c4e-0000-4000-8000-000000000000';
      const missingImage = await api().put(`/images/${missing}/tags/x`);
      expect([missingImage.status, missingImage.json]).toEqual([404, notFound(`Image ${missing} not found.`)]);
      const long = await api().patch(id, [{ op: 'replace', path: '/tags', value: ['t'.repeat(256)] }]);
      expect(long.status).toBe(400);
      expect(long.json.message).toMatch(/^Provided object does not match schema 'image': 't{256}' is too long\n\nFailed validating 'maxLength' in schema\['properties'\]\['tags'\]\['items'\]/);
      expect((await api().get(`/images/${id}`)).json.tags).toEqual(['newtag']);
    });
  });

  describe('members', () => {
    let shared: string;
    let privateImage: string;
    const data = bytesOf('shared-image', 5000);

    beforeAll(async () => {
      shared = await activeImage({ name: 'alpha-shared', visibility: 'shared' }, data, tokens.alice);
      privateImage = await createImage({ name: 'alpha-private', visibility: 'private' }, tokens.alice);
    });

    it('the owner adds a project: 200 and a pending member', async () => {
      const added = await as(tokens.alice).post(`/images/${shared}/members`, { member: project.beta });
      expect(added.status).toBe(200);
      expect(Object.keys(added.json)).toEqual(['member_id', 'image_id', 'status', 'created_at', 'updated_at', 'schema']);
      expect(added.json).toEqual({
        member_id: project.beta,
        image_id: shared,
        status: 'pending',
        created_at: expect.stringMatching(GLANCE_TIME),
        updated_at: expect.stringMatching(GLANCE_TIME),
        schema: '/v2/schemas/member',
      });
      const again = await as(tokens.alice).post(`/images/${shared}/members`, { member: project.beta });
      expect([again.status, again.json]).toEqual([409, conflict(`Member ${project.beta} is duplicated for image ${shared}`)]);
      const unnamed = await as(tokens.alice).post(`/images/${shared}/members`, { project: 'x' });
      expect([unnamed.status, unnamed.json]).toEqual([400, badRequest('Member to be added not specified')]);
    });

    it('a pending member sees the image by id, but not in its default list', async () => {
      const bob = as(tokens.bob);
      expect((await bob.get(`/images/${shared}`)).status).toBe(200);
      expect(ids(await bob.get('/images'))).not.toContain(shared);
      expect(ids(await bob.get('/images?member_status=pending'))).toContain(shared);
      expect(ids(await bob.get('/images?visibility=shared&member_status=all'))).toContain(shared);
    });

    it('the owner cannot accept for the member (403), the member can (200) and then lists it', async () => {
      const byOwner = await as(tokens.alice).put(`/images/${shared}/members/${project.beta}`, { status: 'accepted' });
      expect([byOwner.status, byOwner.json]).toEqual([403, forbidden(`Not allowed to update members for image ${shared}.`)]);
      expect((await as(tokens.alice).get(`/images/${shared}/members/${project.beta}`)).json.status).toBe('pending');
      const badStatus = await as(tokens.bob).put(`/images/${shared}/members/${project.beta}`, { status: 'maybe' });
      expect([badStatus.status, badStatus.json]).toEqual([400, badRequest('Incorrect request: Status must be "pending", "accepted" or "rejected".')]);

      const accepted = await as(tokens.bob).put(`/images/${shared}/members/${project.beta}`, { status: 'accepted' });
      expect(accepted.status).toBe(200);
      expect(accepted.json).toMatchObject({ member_id: project.beta, image_id: shared, status: 'accepted' });
      expect(ids(await as(tokens.bob).get('/images'))).toContain(shared);
      expect((await as(tokens.bob).download(shared)).body.equals(data)).toBe(true);
    });

    it('lists members to the owner and to the member itself', async () => {
      const forOwner = await as(tokens.alice).get(`/images/${shared}/members`);
      expect(forOwner.status).toBe(200);
      expect(forOwner.json).toEqual({ members: [expect.objectContaining({ member_id: project.beta, status: 'accepted' })], schema: '/v2/schemas/members' });
      expect((await as(tokens.bob).get(`/images/${shared}/members`)).json.members.map((m: { member_id: string }) => m.member_id)).toEqual([project.beta]);
      const notMember = await as(tokens.alice).get(`/images/${shared}/members/${project.alpha}`);
      expect([notMember.status, notMember.json]).toEqual([404, notFound(`${project.alpha} not found in the member list of the image ${shared}.`)]);
    });

    it('refuses members on an image that is not shared, and to anyone but the owner', async () => {
      const onPrivate = await as(tokens.alice).post(`/images/${privateImage}/members`, { member: project.beta });
      expect([onPrivate.status, onPrivate.json]).toEqual([403, forbidden(`Not allowed to create members for image ${privateImage}.`)]);
      const listPrivate = await as(tokens.alice).get(`/images/${privateImage}/members`);
      expect([listPrivate.status, listPrivate.json]).toEqual([403, forbidden(`Not allowed to list members for image ${privateImage}: Only shared images have members.`)]);
      const byMember = await as(tokens.bob).post(`/images/${shared}/members`, { member: project.alpha });
      expect([byMember.status, byMember.json]).toEqual([403, forbidden(`Not allowed to create members for image ${shared}.`)]);
      const deleteByMember = await as(tokens.bob).del(`/images/${shared}/members/${project.beta}`);
      expect([deleteByMember.status, deleteByMember.json]).toEqual([403, forbidden(`Not allowed to delete members for image ${shared}.`)]);
      const missing = '6f0a6c4e-0000-4000-8000-000000000000';
      expect((await as(tokens.alice).post(`/images/${missing}/members`, { member: project.beta })).json).toEqual(notFound(`Image ${missing} not found.`));
      expect((await as(tokens.alice).get(`/images/${shared}/members`)).json.members).toHaveLength(1);
    });

    it('the owner removes a member: 204 without a Content-Type, then it is gone for the member', async () => {
      const removed = await send('DELETE', `${images}/${shared}/members/${project.beta}`, { token: tokens.alice });
      expect(removed.status).toBe(204);
      expect(removed.headers['content-type']).toBeUndefined();
      expect(removed.body.length).toBe(0);
      const again = await as(tokens.alice).del(`/images/${shared}/members/${project.beta}`);
      expect([again.status, again.json]).toEqual([404, notFound(`${project.beta} not found in the member list of the image ${shared}.`)]);
      expect((await as(tokens.bob).get(`/images/${shared}`)).json).toEqual(notFound(`No image found with ID ${shared}`));
    });
  });

  describe('policy', () => {
    let alicePrivate: string;
    let adminPublic: string;

    beforeAll(async () => {
      alicePrivate = await createImage({ name: 'alice-own', visibility: 'private' }, tokens.alice);
      adminPublic = await activeImage({ name: 'admin-public', visibility: 'public' }, bytesOf('public', 1000));
    });

    it('a member may not publicize an image (403 publicize_image), at create or by PATCH', async () => {
      const created = await as(tokens.alice).post('/images', { name: 'alice-public', visibility: 'public' });
      expect([created.status, created.json]).toEqual([403, forbidden('You are not authorized to complete publicize_image action.')]);
      expect(names(await as(tokens.alice).get('/images?name=alice-public'))).toEqual([]);
      const patched = await as(tokens.alice).patch(alicePrivate, [{ op: 'replace', path: '/visibility', value: 'public' }]);
      expect([patched.status, patched.json]).toEqual([403, forbidden('You are not authorized to complete publicize_image action.')]);
      expect((await as(tokens.alice).get(`/images/${alicePrivate}`)).json.visibility).toBe('private');
      const forOthers = await as(tokens.alice).post('/images', { name: 'alice-for-beta', owner: project.beta });
      expect([forOthers.status, forOthers.json]).toEqual([403, forbidden(`You are not permitted to create images owned by '${project.beta}'.`)]);
    });

    // Deliberately not Glance: Zed's legacy defaults let a reader write; Strata's readers only read.
    it('a reader reads its project’s images but creates and changes none (403)', async () => {
      const rita = as(tokens.rita);
      const before = (await rita.get(`/images/${alicePrivate}`)).json;
      expect(before.name).toBe('alice-own');
      const created = await rita.post('/images', { name: 'by-reader' });
      expect([created.status, created.json]).toEqual([403, forbidden('You are not authorized to complete add_image action.')]);
      const patched = await rita.patch(alicePrivate, [{ op: 'replace', path: '/name', value: 'renamed' }]);
      expect([patched.status, patched.json]).toEqual([403, forbidden('You are not authorized to complete modify_image action.')]);
      expect((await rita.del(`/images/${alicePrivate}`)).status).toBe(403);
      expect((await rita.get(`/images/${alicePrivate}`)).json).toEqual(before);
      expect(names(await api().get('/images?name=by-reader'))).toEqual([]);
    });

    it('another project’s private image does not exist for the caller (404)', async () => {
      const bob = as(tokens.bob);
      expect((await bob.get(`/images/${alicePrivate}`)).json).toEqual(notFound(`No image found with ID ${alicePrivate}`));
      expect((await bob.patch(alicePrivate, [{ op: 'replace', path: '/name', value: 'x' }])).json).toEqual(notFound(`No image found with ID ${alicePrivate}`));
      expect((await bob.del(`/images/${alicePrivate}`)).json).toEqual(notFound(`Failed to find image ${alicePrivate} to delete`));
      expect(ids(await bob.get('/images'))).not.toContain(alicePrivate);
      expect((await as(tokens.alice).get(`/images/${alicePrivate}`)).json.name).toBe('alice-own');
    });

    it('a visible public image the caller does not own: PATCH, DELETE, tags, upload and deactivate are 403', async () => {
      const alice = as(tokens.alice);
      const before = (await alice.get(`/images/${adminPublic}`)).json;
      const cases: [string, () => Promise<Answer | Raw>, object][] = [
        ['PATCH', () => alice.patch(adminPublic, [{ op: 'replace', path: '/name', value: 'x' }]), forbidden('You do not own this image')],
        ['DELETE', () => alice.del(`/images/${adminPublic}`), forbidden('You do not own this image')],
        ['PUT tag', () => alice.put(`/images/${adminPublic}/tags/x`), forbidden(`Not allowed to update tags for image ${adminPublic}.`)],
        ['PUT file', () => alice.upload(adminPublic, bytesOf('x', 10)), forbidden(`Not allowed to upload image data for image ${adminPublic}`)],
        ['deactivate', () => alice.post(`/images/${adminPublic}/actions/deactivate`), forbidden('You do not own this image')],
      ];
      for (const [what, request, expected] of cases) {
        const got = await request();
        expect([what, got.status, got.json]).toEqual([what, 403, expected]);
      }
      expect((await alice.get(`/images/${adminPublic}`)).json).toEqual(before);
    });

    it('deactivate and reactivate: 204 and idempotent; a deactivated image downloads for the admin only', async () => {
      const data = bytesOf('deactivate-me', 3000);
      const id = await activeImage({ name: 'alice-active' }, data, tokens.alice);
      const alice = as(tokens.alice);
      const deactivated = await alice.post(`/images/${id}/actions/deactivate`);
      expect([deactivated.status, deactivated.headers['content-type'], deactivated.text]).toEqual([204, 'text/html; charset=UTF-8', '']);
      expect((await alice.post(`/images/${id}/actions/deactivate`)).status).toBe(204);
      expect((await alice.get(`/images/${id}`)).json.status).toBe('deactivated');
      const refused = await alice.download(id);
      expect([refused.status, refused.json]).toEqual([403, forbidden('The requested image has been deactivated. Image data download is forbidden.')]);
      const byAdmin = await api().download(id);
      expect(byAdmin.status).toBe(200);
      expect(byAdmin.body.equals(data)).toBe(true);
      expect((await alice.post(`/images/${id}/actions/reactivate`)).status).toBe(204);
      expect((await alice.post(`/images/${id}/actions/reactivate`)).status).toBe(204);
      expect((await alice.get(`/images/${id}`)).json.status).toBe('active');
      expect((await alice.download(id)).body.equals(data)).toBe(true);
    });

    it('refuses to deactivate or reactivate a queued image (403)', async () => {
      const alice = as(tokens.alice);
      const deactivate = await alice.post(`/images/${alicePrivate}/actions/deactivate`);
      expect([deactivate.status, deactivate.json]).toEqual([403, forbidden("Not allowed to deactivate image in status 'queued'")]);
      const reactivate = await alice.post(`/images/${alicePrivate}/actions/reactivate`);
      expect([reactivate.status, reactivate.json]).toEqual([403, forbidden("Not allowed to reactivate image in status 'queued'")]);
      expect((await alice.get(`/images/${alicePrivate}`)).json.status).toBe('queued');
    });
  });
});
