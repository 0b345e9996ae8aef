import { PassThrough } from 'node:stream';
import { Logger, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Command } from 'commander';
import { registerProjectionCommands } from '../../apps/cli/src/commands/projections';
import { createHttpApp } from '../../apps/api/src/http';
import { ProjectionsController } from '../../apps/api/src/strata/projections.controller';
import { TokenGuard } from '../../apps/shared/src/auth';
import { bootstrapId, bootstrapIdentity } from '../../apps/shared/src/identity-bootstrap';
import { runCommand } from '../../apps/shared/src/identity-commands';
import { PROJECTION_ENGINE, TOKEN_INDEX } from '../../apps/shared/src/runtime.tokens';
import { tokenDecider, tokenStream } from '../../domain/identity';
import { RecordedEvent, SYSTEM_ACTOR } from '../../domain/kernel';
import { loadConfig } from '../../infra/config';
import { uuidFromName } from '../../infra/ids/ids';
import { hashToken } from '../../infra/identity/tokens';
import { TokenIndex } from '../../infra/identity/token-index';
import { ProjectionEngine } from '../../infra/projections';
import { Projection } from '../../projections/kernel/projection';
import { serversProjection, ServerScenario } from '../support/sample-projection';
import { ProjectionHarness, waitUntil } from './harness';

/**
 * A projection that throws on an event: runner.int-spec.ts proves it stops there, commits nothing
 * of the batch and resumes after the fix without skipping. Here: the operator sees it, in
 * `strata projections status` (text and JSON) and in GET /strata/v1/projections, and sees it clear.
 */

let h: ProjectionHarness;
let engine: ProjectionEngine;
let tokens: TokenIndex;
let app: NestFastifyApplication;
const ADMIN_TOKEN = 'status-errors-admin-token';

const s = new ServerScenario('visible');
let failOn: string | null = null;
const base = serversProjection({ name: 'visible', tablePrefix: 'visible_' });
const projection: Projection = {
  ...base,
  apply(event: RecordedEvent, rows) {
    if (event.id === failOn) throw new Error('cannot map this event');
    base.apply(event, rows);
  },
};

beforeAll(async () => {
  h = await ProjectionHarness.create('strata_proj_status');
  // A real admin token: Keystone's bootstrap, then a token issued to the admin on the admin project.
  const config = loadConfig({ STRATA_ADMIN_PASSWORD: 'status-secret', STRATA_DATA_DIR: '/nonexistent' });
  const { adminUserId, adminProjectId } = await bootstrapIdentity(h.store, config, 'status-secret');
  const now = new Date();
  const tokenId = uuidFromName('status-errors/token');
  await runCommand(
    h.store,
    tokenDecider,
    tokenStream(tokenId),
    'IssueToken',
    {
      tokenId,
      tokenHash: hashToken(ADMIN_TOKEN),
      userId: adminUserId,
      methods: ['password'],
      scope: { type: 'project', projectId: adminProjectId },
      roleIds: [bootstrapId('role/admin')],
      expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
      auditIds: ['c3RhdHVzLWVycm9ycw'],
    },
    { requestId: `req-${tokenId}`, correlationId: tokenId, causationId: tokenId, actor: SYSTEM_ACTOR, now: now.toISOString() },
  );
  tokens = new TokenIndex(h.store);
  await tokens.start();

  engine = await h.engine([projection]);
  Logger.overrideLogger(['error', 'warn']);
  @Module({ controllers: [ProjectionsController], providers: [TokenGuard, { provide: PROJECTION_ENGINE, useValue: engine }, { provide: TOKEN_INDEX, useValue: tokens }] })
  class ProjectionsApiModule {}
  app = await createHttpApp(ProjectionsApiModule);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
});

afterAll(async () => {
  await app?.close();
  await tokens?.close();
  await h.close();
});

async function strataStatus(json: boolean): Promise<string> {
  let stdout = '';
  const program = new Command('strata').exitOverride();
  registerProjectionCommands(program, async () => ({ store: h.store, databaseUrl: h.db.url, projections: [projection], close: async () => undefined }), {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: new PassThrough(),
    setExitCode: () => undefined,
  });
  await program.parseAsync(['node', 'strata', 'projections', 'status', ...(json ? ['--json'] : [])]);
  return stdout;
}

async function api(path: string): Promise<{ status: number; json: any }> {
  const answer = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: `/strata/v1/projections${path}`, headers: { 'x-auth-token': ADMIN_TOKEN } });
  return { status: answer.statusCode, json: answer.json() };
}

describe('a projection that throws on an event', () => {
  it('shows the event, its position and the error in status and GET /strata/v1/projections until the fix, then catches up', async () => {
    engine.start();
    const first = await h.append(s.lifecycle(1));
    expect(await engine.waiter().waitFor(first, ['visible'], 10_000)).toBe(true);

    const poison = s.event('ServerRenamed', { serverId: s.serverId(1), name: 'renamed' });
    failOn = poison.id;
    const poisonAt = await h.append([poison]);
    const last = await h.append(s.lifecycle(2));
    await waitUntil(async () => (await h.generation('visible'))?.error_event_id === poison.id, 'the runner to record the error');

    const stopped = {
      name: 'visible',
      active: expect.objectContaining({
        generation: 1,
        checkpoint: first,
        lastError: expect.stringContaining('cannot map this event'),
        errorPosition: poisonAt,
        errorEventId: poison.id,
      }),
      // The poisoned event and server 2's four wait behind it.
      lag: expect.objectContaining({ events: 5, capped: false }),
      needsRebuild: false,
    };
    const [json] = JSON.parse(await strataStatus(true));
    expect(json).toMatchObject(stopped);
    expect(json.active.lastError).toContain(poison.id);
    const text = await strataStatus(false);
    expect(text).toMatch(new RegExp(`^visible +1 +1 +${first} +5 .* error at ${poisonAt}: .*cannot map this event`, 'm'));

    const list = await api('');
    expect(list.status).toBe(200);
    expect(list.json.projections).toEqual([expect.objectContaining(stopped)]);
    const one = await api('/visible');
    expect(one).toEqual({ status: 200, json: { projection: expect.objectContaining(stopped) } });
    // The error stays while the runner retries: nothing behind the event is applied.
    expect(await h.rows('SELECT name FROM rm.visible_servers WHERE id = ANY ($1) ORDER BY name', [[s.serverId(1), s.serverId(2)]])).toEqual([{ name: 'vm-1' }]);

    failOn = null;
    expect(await engine.waiter().waitFor(last, ['visible'], 10_000)).toBe(true);
    const healed = { name: 'visible', active: expect.objectContaining({ checkpoint: last, lastError: null, errorPosition: null, errorEventId: null }), lag: { events: 0, capped: false, seconds: 0 } };
    expect((await api('/visible')).json.projection).toMatchObject(healed);
    expect(JSON.parse(await strataStatus(true))[0]).toMatchObject(healed);
    expect(await strataStatus(false)).toMatch(/^visible +1 +1 +\S+ +0 +0\.0 .* ok$/m);
    expect(await h.rows('SELECT name FROM rm.visible_servers WHERE id = ANY ($1) ORDER BY name', [[s.serverId(1), s.serverId(2)]])).toEqual([{ name: 'renamed' }, { name: 'vm-2' }]);
  });
});
