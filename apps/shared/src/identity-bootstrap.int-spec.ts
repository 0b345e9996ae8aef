import { EventStore, RecordedEvent } from '../../../domain/kernel';
import { loadConfig } from '../../../infra/config';
import { InMemoryEventStore } from '../../../infra/eventstore/in-memory/in-memory-event-store';
import { IdentityModel } from '../../../infra/identity/identity-model';
import { verifyPassword } from '../../../infra/identity/passwords';
import { bootstrapIdentity } from './identity-bootstrap';

const config = loadConfig({ STRATA_PORT: '8080', STRATA_PUBLIC_URL: 'http://cloud.example.com:8080' }, '/srv');
const now = () => new Date('2026-11-25T09:00:00Z');

async function everything(store: EventStore): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const e of store.readAll()) out.push(e);
  return out;
}

function fold(events: RecordedEvent[]): IdentityModel {
  const model = new IdentityModel();
  for (const e of events) model.apply(e);
  return model;
}

/** A store that fails every append after the first `appendsLeft`: a crash in the middle of bootstrap. */
function crashingAfter(store: EventStore, appendsLeft: number): EventStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'append') {
        return (...args: Parameters<EventStore['append']>) => {
          if (appendsLeft-- <= 0) return Promise.reject(new Error('crash'));
          return target.append(...args);
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('identity bootstrap', () => {
  it('creates Default, admin/admin, admin ⇒ member ⇒ reader on the project and the system, and the catalog', async () => {
    const store = new InMemoryEventStore();
    const result = await bootstrapIdentity(store, config, 'pw', now);
    const model = fold(await everything(store));
    const admin = model.userByName('default', 'admin')!;
    expect(admin.id).toBe(result.adminUserId);
    expect(await verifyPassword('pw', admin.passwordHash)).toBe(true);
    expect(model.domain('default')).toMatchObject({ name: 'Default', enabled: true });
    expect(model.projectByName('default', 'admin')?.id).toBe(result.adminProjectId);
    const names = (scope: Parameters<IdentityModel['effectiveRoles']>[1]) => model.effectiveRoles(admin.id, scope).map((r) => r.name);
    expect(names({ type: 'project', projectId: result.adminProjectId })).toEqual(['admin', 'member', 'reader']);
    expect(names({ type: 'system', system: 'all' })).toEqual(['admin', 'member', 'reader']);
    const endpoints = (await everything(store)).filter((e) => e.type === 'EndpointCreated').map((e) => (e.data as { url: string }).url);
    expect(endpoints).toHaveLength(18);
    expect(endpoints).toContain('http://cloud.example.com:8080/identity/v3');
  });

  it('appends nothing on a second run', async () => {
    const store = new InMemoryEventStore();
    await bootstrapIdentity(store, config, 'pw', now);
    const first = await everything(store);
    await bootstrapIdentity(store, config, 'pw', now);
    expect(await everything(store)).toHaveLength(first.length);
  });

  it('completes after a crash mid-way with exactly the events of an uninterrupted run', async () => {
    const clean = new InMemoryEventStore();
    await bootstrapIdentity(clean, config, 'pw', now);
    const expected = (await everything(clean)).map((e) => `${e.stream} ${e.type}`);

    const store = new InMemoryEventStore();
    await expect(bootstrapIdentity(crashingAfter(store, 9), config, 'pw', now)).rejects.toThrow('crash');
    expect((await everything(store)).length).toBeLessThan(expected.length);
    await bootstrapIdentity(store, config, 'pw', now);
    expect((await everything(store)).map((e) => `${e.stream} ${e.type}`)).toEqual(expected);
  });

  it('follows a new STRATA_ADMIN_PASSWORD and a new public URL on a later boot', async () => {
    const store = new InMemoryEventStore();
    await bootstrapIdentity(store, config, 'pw', now);
    const moved = loadConfig({ STRATA_PUBLIC_URL: 'https://strata.example.org' }, '/srv');
    await bootstrapIdentity(store, moved, 'new-pw', now);
    const events = await everything(store);
    const model = fold(events);
    expect(await verifyPassword('new-pw', model.userByName('default', 'admin')!.passwordHash)).toBe(true);
    expect(events.filter((e) => e.type === 'EndpointUpdated').map((e) => (e.data as { url: string }).url)).toContain('https://strata.example.org/identity/v3');
    const again = events.length;
    await bootstrapIdentity(store, moved, 'new-pw', now);
    expect(await everything(store)).toHaveLength(again);
  });
});
