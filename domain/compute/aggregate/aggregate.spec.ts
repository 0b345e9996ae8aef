import { Conflict, InvalidInput, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { AggregateCommand, AggregateEvent, aggregatesDecider, aggregateZones } from '.';
import { evolveAggregates, initialAggregatesState, mergeMetadata } from './state';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'req-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(aggregatesDecider);
const cmd = <T extends AggregateCommand['type']>(type: T, data: Extract<AggregateCommand, { type: T }>['data']) => ({ type, data, metadata }) as AggregateCommand;

const created = (aggregateId: number, name: string, availabilityZone: string | null = null): AggregateEvent => ({ type: 'AggregateCreated', data: { aggregateId, uuid: `u${aggregateId}`, name, availabilityZone } });
const hostAdded = (aggregateId: number, host: string): AggregateEvent => ({ type: 'AggregateHostAdded', data: { aggregateId, uuid: `u${aggregateId}`, host } });

describe('host aggregates', () => {
  it('gives each new aggregate the next id, never reusing a deleted one', () => {
    spec.given([]).when(cmd('CreateAggregate', { uuid: 'u1', name: 'a', availabilityZone: null })).then([created(1, 'a')]);
    spec
      .given([created(1, 'a'), created(2, 'b'), { type: 'AggregateDeleted', data: { aggregateId: 2, uuid: 'u2', name: 'b' } }])
      .when(cmd('CreateAggregate', { uuid: 'u3', name: 'b', availabilityZone: 'az1' }))
      .then([created(3, 'b', 'az1')]);
  });

  it("refuses a name taken, in any case, with Nova's AggregateNameExists", () => {
    spec
      .given([created(1, 'Rack-1')])
      .when(cmd('CreateAggregate', { uuid: 'u2', name: 'rack-1', availabilityZone: null }))
      .thenThrows(Conflict, (e) => expect(e.message).toBe('Aggregate rack-1 already exists.'));
    spec.given([created(1, 'a'), created(2, 'b')]).when(cmd('UpdateAggregate', { aggregateId: 2, name: 'a', hostsWithInstances: [] })).thenThrows(Conflict);
  });

  it('renames and moves the zone of an empty aggregate; an unknown id is a 404', () => {
    spec
      .given([created(1, 'a', 'az1')])
      .when(cmd('UpdateAggregate', { aggregateId: 1, name: 'a2', availabilityZone: 'az2', hostsWithInstances: [] }))
      .then([
        { type: 'AggregateRenamed', data: { aggregateId: 1, uuid: 'u1', name: 'a2' } },
        { type: 'AggregateMetadataUpdated', data: { aggregateId: 1, uuid: 'u1', set: { availability_zone: 'az2' }, removed: [] } },
      ]);
    spec
      .given([])
      .when(cmd('UpdateAggregate', { aggregateId: 7, name: 'x', hostsWithInstances: [] }))
      .thenThrows(NotFound, (e) => expect(e.message).toBe('Aggregate 7 could not be found.'));
  });

  it('never empties a zone, and does not move one that holds servers', () => {
    spec
      .given([created(1, 'a', 'az1')])
      .when(cmd('UpdateAggregate', { aggregateId: 1, availabilityZone: null, hostsWithInstances: [] }))
      .thenThrows(InvalidInput, (e) => expect(e.message).toBe('Cannot update aggregate 1. Reason: Aggregate a does not support empty named availability zone.'));
    spec
      .given([created(1, 'a', 'az1')])
      .when(cmd('SetAggregateMetadata', { aggregateId: 1, metadata: { availability_zone: null }, hostsWithInstances: [] }))
      .thenThrows(InvalidInput, (e) => expect(e.message).toBe('Cannot update metadata of aggregate 1. Reason: Aggregate a does not support empty named availability zone.'));
    spec
      .given([created(1, 'a', 'az1'), hostAdded(1, 'h1')])
      .when(cmd('UpdateAggregate', { aggregateId: 1, availabilityZone: 'az2', hostsWithInstances: ['h1'] }))
      .thenThrows(InvalidInput, (e) => expect(e.message).toBe('Cannot update aggregate 1. Reason: One or more hosts contain instances in this zone.'));
    // The same zone again is no move.
    spec.given([created(1, 'a', 'az1'), hostAdded(1, 'h1')]).when(cmd('UpdateAggregate', { aggregateId: 1, availabilityZone: 'az1', hostsWithInstances: ['h1'] })).thenNothingHappens();
  });

  it('keeps a host in one zone', () => {
    const given = [created(1, 'a', 'az1'), hostAdded(1, 'h1'), created(2, 'b', 'az2'), created(3, 'c')];
    spec
      .given(given)
      .when(cmd('AddAggregateHost', { aggregateId: 2, host: 'h1' }))
      .thenThrows(Conflict, (e) => expect(e.message).toBe("Cannot add host to aggregate 2. Reason: One or more hosts already in availability zone(s) ['az1']."));
    // An aggregate without a zone takes any host; so does one of the same zone.
    spec.given(given).when(cmd('AddAggregateHost', { aggregateId: 3, host: 'h1' })).then([hostAdded(3, 'h1')]);
    spec
      .given([...given, hostAdded(3, 'h1')])
      .when(cmd('SetAggregateMetadata', { aggregateId: 3, metadata: { availability_zone: 'az9' }, hostsWithInstances: [] }))
      .thenThrows(InvalidInput, (e) => expect(e.message).toBe("Cannot update metadata of aggregate 3. Reason: One or more hosts already in availability zone(s) ['az1']."));
  });

  it('adds a host once, removes only a member, deletes only an empty aggregate', () => {
    spec
      .given([created(1, 'a'), hostAdded(1, 'h1')])
      .when(cmd('AddAggregateHost', { aggregateId: 1, host: 'h1' }))
      .thenThrows(Conflict, (e) => expect(e.message).toBe('Aggregate 1 already has host h1.'));
    spec
      .given([created(1, 'a')])
      .when(cmd('RemoveAggregateHost', { aggregateId: 1, host: 'h1' }))
      .thenThrows(NotFound, (e) => expect(e.message).toBe('Cannot remove host h1 in aggregate 1'));
    spec
      .given([created(1, 'a'), hostAdded(1, 'h1')])
      .when(cmd('DeleteAggregate', { aggregateId: 1 }))
      .thenThrows(InvalidInput, (e) => expect(e.message).toBe('Cannot remove host from aggregate 1. Reason: Host aggregate is not empty.'));
    spec.given([created(1, 'a'), hostAdded(1, 'h1')]).when(cmd('RemoveAggregateHost', { aggregateId: 1, host: 'h1' })).then([{ type: 'AggregateHostRemoved', data: { aggregateId: 1, uuid: 'u1', host: 'h1' } }]);
    spec.given([created(1, 'a')]).when(cmd('DeleteAggregate', { aggregateId: 1 })).then([{ type: 'AggregateDeleted', data: { aggregateId: 1, uuid: 'u1', name: 'a' } }]);
  });

  it('merges metadata: a value sets its key, null removes it, a missing key is no error', () => {
    const given = [created(1, 'a', 'az1'), { type: 'AggregateMetadataUpdated', data: { aggregateId: 1, uuid: 'u1', set: { k1: 'v1', k2: 'v2' }, removed: [] } } as AggregateEvent];
    spec
      .given(given)
      .when(cmd('SetAggregateMetadata', { aggregateId: 1, metadata: { k1: null, k2: 'v2', k3: 'v3', nope: null }, hostsWithInstances: [] }))
      .then([{ type: 'AggregateMetadataUpdated', data: { aggregateId: 1, uuid: 'u1', set: { k3: 'v3' }, removed: ['k1'] } }]);
    spec.given(given).when(cmd('SetAggregateMetadata', { aggregateId: 1, metadata: {}, hostsWithInstances: [] })).thenNothingHappens();
  });

  it('takes keys named like Object properties as plain keys (__proto__, toString)', () => {
    const given = [created(1, 'a')];
    const asked = JSON.parse('{"__proto__": "x", "toString": null, "constructor": "c"}') as Record<string, string | null>;
    spec
      .given(given)
      .when(cmd('SetAggregateMetadata', { aggregateId: 1, metadata: asked, hostsWithInstances: [] }))
      .then([{ type: 'AggregateMetadataUpdated', data: { aggregateId: 1, uuid: 'u1', set: JSON.parse('{"__proto__": "x", "constructor": "c"}'), removed: [] } }]);
    const merged = mergeMetadata({}, JSON.parse('{"__proto__": "x"}'), []);
    expect(Object.keys(merged)).toEqual(['__proto__']);
    expect(JSON.stringify(merged)).toBe('{"__proto__":"x"}');
  });

  it("gives a host its first zoned aggregate's zone", () => {
    const state = [created(1, 'plain'), hostAdded(1, 'h1'), created(2, 'z', 'az1'), hostAdded(2, 'h1'), hostAdded(2, 'h2')].reduce(evolveAggregates as (s: typeof initialAggregatesState, e: AggregateEvent) => typeof initialAggregatesState, initialAggregatesState);
    expect([...aggregateZones(state)]).toEqual([
      ['h1', 'az1'],
      ['h2', 'az1'],
    ]);
  });
});
