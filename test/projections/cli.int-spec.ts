import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { registerProjectionCommands } from '../../apps/cli/src/commands/projections';
import { serversProjection, ServerScenario } from '../support/sample-projection';
import { ProjectionHarness } from './harness';

let h: ProjectionHarness;

beforeAll(async () => {
  h = await ProjectionHarness.create('strata_proj_cli');
});
afterAll(async () => {
  await h.close();
});

const projections = [serversProjection({ name: 'servers' })];

/** Runs `strata projections ...` in-process, against the suite's database. */
async function strata(...args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  const errStream = new PassThrough();
  errStream.on('data', (chunk) => (stderr += chunk));
  const program = new Command('strata').exitOverride();
  let closed = 0;
  registerProjectionCommands(
    program,
    async () => ({ store: h.store, databaseUrl: h.db.url, projections, close: async () => void closed++ }),
    { stdout: { write: (text: string) => (stdout += text) }, stderr: errStream, setExitCode: (code) => (exitCode = code) },
  );
  await program.parseAsync(['node', 'strata', 'projections', ...args]);
  expect(closed).toBe(1);
  return { stdout, stderr, exitCode };
}

describe('strata projections', () => {
  const s = new ServerScenario('cli');

  it('rebuild builds a generation; status shows it; verify finds drift and exits 1, then 0 after a rebuild', async () => {
    const head = await h.append([...s.lifecycle(1), ...s.lifecycle(2)]);

    const built = await strata('rebuild', 'servers');
    expect(built.exitCode).toBe(0);
    expect(built.stdout).toMatch(/^servers: generation 1 \(version 1\) active; 8 events in [\d.]+ s \(\d+ events\/s\)\n$/);

    const status = await strata('status', '--json');
    expect(JSON.parse(status.stdout)).toEqual([
      expect.objectContaining({ name: 'servers', active: expect.objectContaining({ generation: 1, checkpoint: head }), lag: { events: 0, capped: false, seconds: 0 }, needsRebuild: false }),
    ]);
    expect((await strata('status')).stdout).toMatch(/^NAME +GEN +VERSION .*\nservers +1 +1 +\S+ +0 +0\.0 +8 .* ok\n$/);

    await h.rows('UPDATE rm_servers_g1.servers SET name = $2 WHERE id = $1', [s.serverId(1), 'tampered']);
    const drift = await strata('verify', '--all');
    expect(drift.exitCode).toBe(1);
    expect(drift.stdout).toBe(
      `servers: servers/${s.serverId(1)}.name: expected "vm-1", found "tampered"\n` + `servers: generation 1 at ${head}, 4 rows compared: 1 difference(s)\n`,
    );

    expect((await strata('rebuild', '--all')).stdout).toMatch(/^servers: generation 2 \(version 1\) active, generation 1 retired; /);
    const clean = await strata('verify', 'servers');
    expect(clean).toMatchObject({ exitCode: 0, stdout: `servers: generation 2 at ${head}, 4 rows compared: no drift\n` });
  });

  it('rejects an unknown projection name', async () => {
    await expect(strata('verify', 'nope')).rejects.toThrow('Unknown projection nope; registered: servers');
  });
});
