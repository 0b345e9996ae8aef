import { PassThrough } from 'node:stream';
import * as fs from 'node:fs';
import { Command } from 'commander';
import { registerProjectionCommands } from '../../apps/cli/src/commands/projections';
import { resolveDatabase } from '../../apps/shared/src/runtime';
import { loadConfig } from '../../infra/config';
import { PostgresEventStore } from '../../infra/eventstore/postgres';
import { ALL_PROJECTIONS } from '../../projections';
import { StrataCompute } from '../compute/support/strata-compute';
import { waitFor } from '../e2e/support/strata-process';
import { call, issueToken, keystoneError, projectScope } from '../identity/support/identity-http';

/**
 * GET /strata/v1/projections[/{name}] of `strata start`: what `strata projections status --json`
 * prints, for admins and auditors only, with Keystone-shaped errors.
 */

const strata = new StrataCompute();
let auditor = '';
let member = '';

beforeAll(async () => {
  await strata.start();
  const identity = strata.identity;
  const roleId = async (name: string) => (await call('GET', `${identity}/roles?name=${name}`, { token: strata.admin })).json.roles[0].id as string;
  const userId = (await call('POST', `${identity}/users`, { token: strata.admin, body: { user: { name: 'ada', password: 'ada-secret', domain_id: 'default' } } })).json.user.id as string;
  const granted = await call('PUT', `${identity}/projects/${strata.adminProject}/users/${userId}/roles/${await roleId('auditor')}`, { token: strata.admin });
  expect(granted.status).toBe(204);
  auditor = (await issueToken(identity, { name: 'ada', password: 'ada-secret' }, projectScope('admin'))).value;
  member = (await strata.project('tenant')).member;
});

afterAll(async () => {
  await strata.stop();
  fs.rmSync(strata.dir.root, { recursive: true, force: true });
});

const get = (path: string, token?: string) => call('GET', `${strata.base}/strata/v1/projections${path}`, { token });

/** `strata projections status --json` against the same database, in-process. */
async function cliStatus(): Promise<any[]> {
  let stdout = '';
  const program = new Command('strata').exitOverride();
  registerProjectionCommands(
    program,
    async () => {
      // As `connect()` of the CLI does: attach to the embedded PostgreSQL that `strata start` runs.
      const { databaseUrl } = await resolveDatabase(loadConfig({ STRATA_DATA_DIR: strata.dir.dataDir }), { attachToRunning: true });
      const store = await PostgresEventStore.connect(databaseUrl);
      return { store, databaseUrl, projections: ALL_PROJECTIONS, close: () => store.close() };
    },
    { stdout: { write: (text: string) => (stdout += text) }, stderr: new PassThrough(), setExitCode: () => undefined },
  );
  await program.parseAsync(['node', 'strata', 'projections', 'status', '--json']);
  return JSON.parse(stdout);
}

describe('GET /strata/v1/projections', () => {
  it('lists every read model with its active generation, checkpoint, lag and errors, as the CLI prints them', async () => {
    // Every runner has built its first generation and caught up with the bootstrap.
    const answer = await waitFor(
      'every projection to be active with no lag',
      async () => {
        const a = await get('', strata.admin);
        return a.status === 200 && a.json.projections.every((p: any) => p.active !== null && p.lag.events === 0) ? a : undefined;
      },
      60_000,
    );
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    const projections = answer.json.projections as any[];
    expect(projections.map((p) => p.name)).toEqual(ALL_PROJECTIONS.map((p) => p.name).sort());
    for (const p of projections) {
      const code = ALL_PROJECTIONS.find((c) => c.name === p.name)!;
      expect(p).toEqual({
        name: code.name,
        codeVersion: code.version,
        active: {
          generation: expect.any(Number),
          version: code.version,
          status: 'active',
          schema: `rm_${code.name}_g${p.active.generation}`,
          checkpoint: expect.any(String),
          eventsApplied: expect.any(Number),
          eventsPerSecond: p.active.eventsPerSecond === null ? null : expect.any(Number),
          lastError: null,
          errorPosition: null,
          errorEventId: null,
          updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        },
        building: null,
        lag: { events: 0, capped: false, seconds: 0 },
        needsRebuild: false,
      });
    }
    // The identity read models hold the bootstrap (admin, roles, catalog): they applied events.
    expect(projections.find((p) => p.name === 'identity_users').active.eventsApplied).toBeGreaterThan(0);

    const cli = await cliStatus();
    const stable = (list: any[]) => list.map((p) => ({ name: p.name, codeVersion: p.codeVersion, generation: p.active?.generation, version: p.active?.version, needsRebuild: p.needsRebuild }));
    expect(stable(cli)).toEqual(stable(projections));
  });

  it('shows one projection, and answers 404 in the Strata error format for an unknown one', async () => {
    const one = await get('/compute_servers', strata.admin);
    expect(one.status).toBe(200);
    expect(one.json.projection).toMatchObject({ name: 'compute_servers', codeVersion: 2, active: { version: 2, status: 'active' }, needsRebuild: false });

    const unknown = await get('/no_such_projection', strata.admin);
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual(keystoneError(404, 'Not Found', 'Could not find projection: no_such_projection.'));
  });

  it('lets an auditor read it', async () => {
    const list = await get('', auditor);
    expect(list.status).toBe(200);
    expect(list.json.projections.length).toBe(ALL_PROJECTIONS.length);
    expect((await get('/identity_users', auditor)).status).toBe(200);
  });

  it('refuses a project member (403) and a request without a token (401)', async () => {
    const denied = await get('', member);
    expect(denied.status).toBe(403);
    expect(denied.json).toEqual(keystoneError(403, 'Forbidden', 'You are not authorized to perform the requested action: strata:projections:list.'));
    expect((await get('/compute_servers', member)).json).toEqual(keystoneError(403, 'Forbidden', 'You are not authorized to perform the requested action: strata:projections:show.'));

    const anonymous = await get('');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Keystone uri="/identity"');
    expect(anonymous.json).toEqual(keystoneError(401, 'Unauthorized', 'The request you have made requires authentication.'));
    expect((await get('/compute_servers', 'not-a-token')).status).toBe(401);
  });
});
