import { assertNever, Conflict, InvalidInput, NotFound } from '../../kernel';
import { AddAggregateHost, AggregateCommand, CreateAggregate, DeleteAggregate, RemoveAggregateHost, SetAggregateMetadata, UpdateAggregate } from './commands';
import { AggregateEvent, AVAILABILITY_ZONE_KEY } from './events';
import { AggregatesState, HostAggregate, zoneOf } from './state';

// The texts are nova/exception.py's; the checks nova/compute/api.py AggregateAPI's (Zed).

function live(state: AggregatesState, id: number): HostAggregate {
  const a = state.aggregates[id];
  // AggregateNotFound
  if (!a) throw new NotFound(`Aggregate ${id} could not be found.`, { aggregateId: id });
  return a;
}

/** Names are unique as MySQL's collation compares them (case-insensitively): AggregateNameExists. */
function assertNameFree(state: AggregatesState, name: string, except: number | null): void {
  const folded = name.toLowerCase();
  if (Object.values(state.aggregates).some((a) => a.id !== except && a.name.toLowerCase() === folded)) {
    throw new Conflict(`Aggregate ${name} already exists.`, { name });
  }
}

/** Python's repr of a list of strings, as Nova prints the conflicting zones. */
const pyList = (items: string[]) => `[${items.map((s) => `'${s}'`).join(', ')}]`;

type Action = 'add' | 'update' | 'update_meta';
const ACTION_TEXT: Record<Action, string> = { add: 'Cannot add host to aggregate', update: 'Cannot update aggregate', update_meta: 'Cannot update metadata of aggregate' };

/**
 * nova/compute/api.py `is_safe_to_update_az`: a zone is never empty; the hosts may not already be
 * in an aggregate of another zone; and (on an update) a zone that holds servers does not move.
 * An add_host refusal is a 409 (InvalidAggregateActionAdd), the others 400.
 */
function assertZoneSafe(state: AggregatesState, a: HostAggregate, name: string, zone: string | null, hosts: readonly string[], action: Action, hostsWithInstances: readonly string[] | null): void {
  const refuse = (reason: string) => {
    const message = `${ACTION_TEXT[action]} ${a.id}. Reason: ${reason}.`;
    throw action === 'add' ? new Conflict(message, { aggregateId: a.id }) : new InvalidInput(message, { aggregateId: a.id });
  };
  if (!zone) refuse(`Aggregate ${name} does not support empty named availability zone`);
  const conflicting = Object.values(state.aggregates)
    .filter((other) => other.id !== a.id && zoneOf(other) !== null && zoneOf(other) !== zone && other.hosts.some((h) => hosts.includes(h)))
    .map((other) => zoneOf(other)!);
  if (conflicting.length) refuse(`One or more hosts already in availability zone(s) ${pyList(conflicting)}`);
  if (hostsWithInstances !== null && zoneOf(a) !== zone && hosts.some((h) => hostsWithInstances.includes(h))) refuse('One or more hosts contain instances in this zone');
}

export function createAggregate(command: CreateAggregate, state: AggregatesState): AggregateEvent[] {
  const { uuid, name, availabilityZone } = command.data;
  assertNameFree(state, name, null);
  return [{ type: 'AggregateCreated', data: { aggregateId: state.nextId, uuid, name, availabilityZone: availabilityZone || null } }];
}

/** PUT: the name, then the zone (merged into the metadata). Nova saves the name before it checks the zone; here both or neither. */
export function updateAggregate(command: UpdateAggregate, state: AggregatesState): AggregateEvent[] {
  const a = live(state, command.data.aggregateId);
  const events: AggregateEvent[] = [];
  let name = a.name;
  if (command.data.name !== undefined) {
    assertNameFree(state, command.data.name, a.id);
    name = command.data.name;
    // Nova writes the row (and its updated_at) even when the name is the same.
    events.push({ type: 'AggregateRenamed', data: { aggregateId: a.id, uuid: a.uuid, name } });
  }
  if (command.data.availabilityZone !== undefined) {
    const zone = command.data.availabilityZone;
    assertZoneSafe(state, a, name, zone, a.hosts, 'update', command.data.hostsWithInstances);
    if (zone !== zoneOf(a)) events.push({ type: 'AggregateMetadataUpdated', data: { aggregateId: a.id, uuid: a.uuid, set: { [AVAILABILITY_ZONE_KEY]: zone! }, removed: [] } });
  }
  return events;
}

/** set_metadata merges: a value adds or replaces its key, null removes it (a missing key is no error). */
export function setAggregateMetadata(command: SetAggregateMetadata, state: AggregatesState): AggregateEvent[] {
  const a = live(state, command.data.aggregateId);
  const asked = command.data.metadata;
  if (AVAILABILITY_ZONE_KEY in asked) assertZoneSafe(state, a, a.name, asked[AVAILABILITY_ZONE_KEY], a.hosts, 'update_meta', command.data.hostsWithInstances);
  // Keys are the client's: `__proto__` or `toString` are keys like any other (no prototype to set or to find them on).
  const set: Record<string, string> = Object.create(null);
  const removed: string[] = [];
  for (const [key, value] of Object.entries(asked)) {
    const held = Object.hasOwn(a.metadata, key);
    if (value === null) {
      if (held) removed.push(key);
    } else if (!held || a.metadata[key] !== value) set[key] = value;
  }
  if (!Object.keys(set).length && !removed.length) return [];
  return [{ type: 'AggregateMetadataUpdated', data: { aggregateId: a.id, uuid: a.uuid, set, removed } }];
}

export function addAggregateHost(command: AddAggregateHost, state: AggregatesState): AggregateEvent[] {
  const a = live(state, command.data.aggregateId);
  const { host } = command.data;
  const zone = zoneOf(a);
  if (zone !== null) assertZoneSafe(state, a, a.name, zone, [host], 'add', null);
  // AggregateHostExists
  if (a.hosts.includes(host)) throw new Conflict(`Aggregate ${a.id} already has host ${host}.`, { aggregateId: a.id, host });
  return [{ type: 'AggregateHostAdded', data: { aggregateId: a.id, uuid: a.uuid, host } }];
}

export function removeAggregateHost(command: RemoveAggregateHost, state: AggregatesState): AggregateEvent[] {
  const { aggregateId, host } = command.data;
  const a = state.aggregates[aggregateId];
  // aggregates.py `_remove_host`: an unknown aggregate and a host not in it get the same 404.
  if (!a || !a.hosts.includes(host)) throw new NotFound(`Cannot remove host ${host} in aggregate ${aggregateId}`, { aggregateId, host });
  return [{ type: 'AggregateHostRemoved', data: { aggregateId, uuid: a.uuid, host } }];
}

export function deleteAggregate(command: DeleteAggregate, state: AggregatesState): AggregateEvent[] {
  const a = live(state, command.data.aggregateId);
  // InvalidAggregateActionDelete
  if (a.hosts.length) throw new InvalidInput(`Cannot remove host from aggregate ${a.id}. Reason: Host aggregate is not empty.`, { aggregateId: a.id });
  return [{ type: 'AggregateDeleted', data: { aggregateId: a.id, uuid: a.uuid, name: a.name } }];
}

export function decideAggregates(command: AggregateCommand, state: AggregatesState): AggregateEvent[] {
  switch (command.type) {
    case 'CreateAggregate':
      return createAggregate(command, state);
    case 'UpdateAggregate':
      return updateAggregate(command, state);
    case 'SetAggregateMetadata':
      return setAggregateMetadata(command, state);
    case 'AddAggregateHost':
      return addAggregateHost(command, state);
    case 'RemoveAggregateHost':
      return removeAggregateHost(command, state);
    case 'DeleteAggregate':
      return deleteAggregate(command, state);
    default:
      return assertNever(command);
  }
}
