import { AggregateEvent, AVAILABILITY_ZONE_KEY } from './events';

export interface HostAggregate {
  id: number;
  uuid: string;
  name: string;
  metadata: Readonly<Record<string, string>>;
  hosts: readonly string[];
}

/** Every live aggregate by its id, and the id the next one gets (ids are never reused, as MySQL's auto-increment). */
export interface AggregatesState {
  nextId: number;
  aggregates: Readonly<Record<number, HostAggregate>>;
}

export const initialAggregatesState: AggregatesState = { nextId: 1, aggregates: {} };

export const zoneOf = (a: HostAggregate): string | null => a.metadata[AVAILABILITY_ZONE_KEY] ?? null;

function withAggregate(state: AggregatesState, id: number, change: (a: HostAggregate) => HostAggregate): AggregatesState {
  const a = state.aggregates[id];
  if (!a) return state;
  return { ...state, aggregates: { ...state.aggregates, [id]: change(a) } };
}

export function evolveAggregates(state: AggregatesState, event: AggregateEvent): AggregatesState {
  const d = event.data;
  switch (event.type) {
    case 'AggregateCreated': {
      const metadata: Record<string, string> = event.data.availabilityZone === null ? {} : { [AVAILABILITY_ZONE_KEY]: event.data.availabilityZone };
      return { nextId: Math.max(state.nextId, d.aggregateId + 1), aggregates: { ...state.aggregates, [d.aggregateId]: { id: d.aggregateId, uuid: d.uuid, name: event.data.name, metadata, hosts: [] } } };
    }
    case 'AggregateRenamed':
      return withAggregate(state, d.aggregateId, (a) => ({ ...a, name: event.data.name }));
    case 'AggregateMetadataUpdated':
      return withAggregate(state, d.aggregateId, (a) => ({ ...a, metadata: mergeMetadata(a.metadata, event.data.set, event.data.removed) }));
    case 'AggregateHostAdded':
      return withAggregate(state, d.aggregateId, (a) => (a.hosts.includes(event.data.host) ? a : { ...a, hosts: [...a.hosts, event.data.host] }));
    case 'AggregateHostRemoved':
      return withAggregate(state, d.aggregateId, (a) => ({ ...a, hosts: a.hosts.filter((h) => h !== event.data.host) }));
    case 'AggregateDeleted': {
      const { [d.aggregateId]: _gone, ...rest } = state.aggregates;
      return { ...state, aggregates: rest };
    }
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

export function mergeMetadata(metadata: Readonly<Record<string, string>>, set: Record<string, string>, removed: readonly string[]): Record<string, string> {
  const out: Record<string, string> = Object.assign(Object.create(null), metadata, set);
  for (const key of removed) delete out[key];
  return out;
}
