import { serversProjection, ServerScenario } from '../support/sample-projection';
import { ProjectionHarness } from './harness';

/**
 * A rebuild's catch-up starts at the head the replay began with, not after the last event the
 * projection handles: a read model whose events are old or absent (flavors, hosts, identity, or
 * none yet) must not read the rest of the log a second time, unfiltered.
 */

let h: ProjectionHarness;

beforeAll(async () => {
  h = await ProjectionHarness.create('strata_proj_catchup');
});
afterAll(async () => {
  await h.close();
});

describe('rebuild catch-up', () => {
  it('reads only what the replay did not cover when the projection’s events are all early in the log', async () => {
    const s = new ServerScenario('early');
    await h.append(s.lifecycle(1));
    let head = '';
    for (let i = 0; i < 30; i++) {
      head = (await h.store.append(`image-early${i}`, Array.from({ length: 100 }, (_, k) => s.unrelated(i * 100 + k)), 'any')).position;
    }

    const engine = await h.engine([serversProjection({ name: 'early', tablePrefix: 'early_' })]);
    const result = await engine.rebuild('early');
    // The four lifecycle events, not the 3,000 unrelated events after them.
    expect(result).toMatchObject({ eventsRead: 4, eventsApplied: 4, checkpoint: head });
    expect(await h.generation('early')).toMatchObject({ active_generation: 1, checkpoint: head });
    expect(await h.rows('SELECT name FROM rm.early_servers WHERE id = $1', [s.serverId(1)])).toEqual([{ name: 'vm-1' }]);
    expect((await engine.verify('early')).differences).toEqual([]);

    // The live runner follows from that checkpoint: a later event is applied, nothing is skipped.
    engine.start();
    const later = await h.append(s.lifecycle(2));
    expect(await engine.waiter().waitFor(later, ['early'], 10_000)).toBe(true);
    expect(await h.rows('SELECT count(*)::int AS n FROM rm.early_servers WHERE id = ANY ($1)', [[s.serverId(1), s.serverId(2)]])).toEqual([{ n: 2 }]);
    await engine.close();
  });

  it('reads nothing for a projection none of whose events is in the log yet, and is at the head', async () => {
    const head = await h.store.headPosition();
    const engine = await h.engine([{ ...serversProjection({ name: 'nothing', tablePrefix: 'nothing_' }), eventTypes: ['NoSuchEventYet'] }]);
    const result = await engine.rebuild('nothing');
    expect(result).toMatchObject({ eventsRead: 0, eventsApplied: 0, checkpoint: head });
    const [status] = (await engine.status()).filter((r) => r.name === 'nothing');
    expect(status).toMatchObject({ active: { checkpoint: head }, lag: { events: 0 } });
    await engine.close();
  });
});
