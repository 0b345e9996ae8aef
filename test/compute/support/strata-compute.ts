import * as path from 'node:path';
import { freePort, killAll, spawnStrata, StrataProcess, tempDataDir, waitFor, waitReady } from '../../e2e/support/strata-process';
import { Answer, call, issueToken, projectScope } from '../../identity/support/identity-http';

export const COMPUTE_VERSION = { 'OpenStack-API-Version': 'compute 2.93' };

/** `strata start` with the fake compute driver, an admin token, and helpers for the compute API. */
export class StrataCompute {
  strata: StrataProcess | undefined;
  base = '';
  admin = '';
  adminProject = '';
  readonly dir = tempDataDir();
  readonly clusterDir = path.join(this.dir.dataDir, 'pg');

  constructor(readonly env: Record<string, string> = {}) {}

  get identity() {
    return `${this.base}/identity/v3`;
  }

  get compute() {
    return `${this.base}/compute/v2.1`;
  }

  async start(port?: number): Promise<void> {
    port ??= await freePort();
    this.base = `http://127.0.0.1:${port}`;
    this.strata = spawnStrata(['start'], { STRATA_DATA_DIR: this.dir.dataDir, STRATA_PORT: String(port), STRATA_ADMIN_PASSWORD: 'compute-secret', ...this.env });
    await waitReady(this.base, this.strata);
    const issued = await issueToken(this.identity, { name: 'admin', password: 'compute-secret' }, projectScope('admin'));
    this.admin = issued.value;
    this.adminProject = issued.answer.json.token.project.id;
  }

  /** SIGKILL, as a crash: nothing is shut down cleanly. */
  async crash(): Promise<void> {
    this.strata!.child.kill('SIGKILL');
    await this.strata!.exited;
    await killAll(undefined, this.clusterDir);
  }

  async stop(): Promise<void> {
    await killAll(this.strata, this.clusterDir);
  }

  /** The compute API as one token, at a microversion (2.93 unless told). */
  as(token: string, version = '2.93') {
    const headers = { 'OpenStack-API-Version': `compute ${version}` };
    return {
      get: (p: string) => call('GET', `${this.compute}${p}`, { token, headers }),
      post: (p: string, body?: unknown) => call('POST', `${this.compute}${p}`, { token, body, headers }),
      put: (p: string, body?: unknown) => call('PUT', `${this.compute}${p}`, { token, body, headers }),
      del: (p: string) => call('DELETE', `${this.compute}${p}`, { token, headers }),
      action: (serverId: string, body: unknown) => call('POST', `${this.compute}/servers/${serverId}/action`, { token, body, headers }),
    };
  }

  async flavor(body: { name: string; vcpus: number; ram: number; disk: number; id?: string; 'OS-FLV-EXT-DATA:ephemeral'?: number }): Promise<string> {
    const r = await this.as(this.admin).post('/flavors', { flavor: body });
    if (r.status !== 200) throw new Error(`flavor create answered ${r.status}: ${r.text}`);
    return r.json.flavor.id;
  }

  /** An active raw image of 1 MiB of zeros, public. */
  async image(name: string): Promise<string> {
    const created = await call('POST', `${this.base}/image/v2/images`, { token: this.admin, body: { name, disk_format: 'raw', container_format: 'bare', visibility: 'public' } });
    if (created.status !== 201) throw new Error(`image create answered ${created.status}: ${created.text}`);
    const id = created.json.id as string;
    const uploaded = await call('PUT', `${this.base}/image/v2/images/${id}/file`, { token: this.admin, body: Buffer.alloc(1024 * 1024).toString('binary'), headers: { 'Content-Type': 'application/octet-stream' } });
    if (uploaded.status !== 204) throw new Error(`image upload answered ${uploaded.status}: ${uploaded.text}`);
    return id;
  }

  /** Waits until every compute host is registered (the agents announce themselves at start). */
  async hosts(count: number): Promise<void> {
    await waitFor(`${count} compute hosts`, async () => {
      const r = await this.as(this.admin).get('/os-hypervisors');
      return r.status === 200 && r.json.hypervisors.length >= count ? true : undefined;
    }, 30_000);
  }

  async server(token: string, id: string): Promise<Answer> {
    return this.as(token).get(`/servers/${id}`);
  }

  /** Polls a server until its status is one of `statuses` (bounded), then returns it. */
  async until(token: string, id: string, statuses: string[], timeoutMs = 30_000): Promise<Record<string, any>> {
    return waitFor(
      `server ${id} to be ${statuses.join('|')}`,
      async () => {
        const r = await this.server(token, id);
        return r.status === 200 && statuses.includes(r.json.server.status) ? r.json.server : undefined;
      },
      timeoutMs,
      () => this.strata?.output().slice(-3000) ?? '',
    );
  }

  async boot(token: string, body: Record<string, unknown>, hints?: Record<string, unknown>): Promise<Answer> {
    return this.as(token).post('/servers', { server: { networks: 'none', ...body }, ...(hints ? { 'os:scheduler_hints': hints } : {}) });
  }

  /** A project with a member and a reader; returns their tokens. */
  async project(name: string): Promise<{ projectId: string; member: string; reader: string }> {
    const id = this.identity;
    const projectId = (await call('POST', `${id}/projects`, { token: this.admin, body: { project: { name } } })).json.project.id as string;
    const role = async (r: string) => (await call('GET', `${id}/roles?name=${r}`, { token: this.admin })).json.roles[0].id as string;
    const tokens: Record<string, string> = {};
    for (const r of ['member', 'reader']) {
      const user = `${name}-${r}`;
      const userId = (await call('POST', `${id}/users`, { token: this.admin, body: { user: { name: user, password: 'pw-secret', domain_id: 'default' } } })).json.user.id as string;
      await call('PUT', `${id}/projects/${projectId}/users/${userId}/roles/${await role(r)}`, { token: this.admin });
      tokens[r] = (await issueToken(id, { name: user, password: 'pw-secret' }, projectScope(name))).value;
    }
    return { projectId, member: tokens.member, reader: tokens.reader };
  }
}
