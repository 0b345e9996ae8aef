import { Decider } from '../../kernel';
import { AggregateCommand } from './commands';
import { decideAggregates } from './decide';
import { AggregateEvent } from './events';
import { AggregatesState, evolveAggregates, initialAggregatesState } from './state';

export * from './commands';
export * from './events';
export { zoneOf, mergeMetadata } from './state';
export type { AggregatesState, HostAggregate } from './state';

/** Nova's host aggregates, all in one stream (`aggregatesStream`). */
export const aggregatesDecider: Decider<AggregateCommand, AggregateEvent, AggregatesState> = {
  initialState: initialAggregatesState,
  evolve: evolveAggregates,
  decide: decideAggregates,
};

/**
 * The availability zone of each host that is in an aggregate with one (nova/availability_zones.py
 * `get_host_availability_zone`); other hosts keep their own (the agent's STRATA_AVAILABILITY_ZONE,
 * Nova's default_availability_zone).
 */
export function aggregateZones(state: AggregatesState): Map<string, string> {
  const zones = new Map<string, string>();
  for (const a of Object.values(state.aggregates).sort((x, y) => x.id - y.id)) {
    const zone = a.metadata.availability_zone;
    if (zone === undefined) continue;
    for (const host of a.hosts) if (!zones.has(host)) zones.set(host, zone);
  }
  return zones;
}
