import { RecordedEvent } from './event-store';
import { UpcasterRegistry } from './upcasting';

const recorded = (type: string, data: unknown, schemaVersion: number): RecordedEvent => ({
  id: 'e1',
  stream: 'server-1',
  version: 0n,
  position: '1',
  type,
  data,
  recordedAt: new Date('2026-01-01T00:00:00Z'),
  metadata: {
    correlationId: 'c',
    causationId: 'c',
    requestId: 'req-1',
    actor: { userId: 'u', projectId: 'p', domainId: 'default', roles: ['admin'] },
    occurredAt: '2026-01-01T00:00:00Z',
    schemaVersion,
  },
});

describe('UpcasterRegistry', () => {
  const registry = new UpcasterRegistry([
    { type: 'ServerRenamed', fromSchemaVersion: 1, upcast: (e) => ({ type: e.type, data: { displayName: (e.data as { name: string }).name } }) },
    { type: 'ServerRenamed', fromSchemaVersion: 2, upcast: (e) => ({ type: e.type, data: { ...(e.data as object), reason: null } }) },
  ]);

  it('lifts an old event through every step and records the new schema version', () => {
    const lifted = registry.upcast(recorded('ServerRenamed', { name: 'a' }, 1));
    expect(lifted.data).toEqual({ displayName: 'a', reason: null });
    expect(lifted.metadata.schemaVersion).toBe(3);
  });

  it('leaves a current event untouched', () => {
    const current = recorded('ServerRenamed', { displayName: 'a', reason: null }, 3);
    expect(registry.upcast(current)).toBe(current);
  });

  it('refuses two upcasters for the same type and version', () => {
    expect(() => registry.register({ type: 'ServerRenamed', fromSchemaVersion: 1, upcast: (e) => e })).toThrow(/Duplicate/);
  });
});
