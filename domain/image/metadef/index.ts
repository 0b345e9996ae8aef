import { Decider } from '../../kernel';
import { MetadefNamespaceCommand, MetadefResourceTypeCommand } from './commands';
import { decideMetadefNamespace, decideMetadefResourceType } from './decide';
import { MetadefNamespaceEvent, MetadefResourceTypeEvent } from './events';
import {
  evolveMetadefNamespace,
  evolveMetadefResourceType,
  initialMetadefNamespaceState,
  initialMetadefResourceTypeState,
  MetadefNamespaceState,
  MetadefResourceTypeState,
} from './state';

export * from './commands';
export * from './events';
export * from './names';
export { METADEF_NAME_MAX, METADEF_VISIBILITIES } from './decide';
export type { MetadefNamespace, MetadefNamespaceState, MetadefResourceTypeState } from './state';

/** A Glance metadef namespace with its properties, objects, tags and resource type associations. */
export const metadefNamespaceDecider: Decider<MetadefNamespaceCommand, MetadefNamespaceEvent, MetadefNamespaceState> = {
  initialState: initialMetadefNamespaceState,
  evolve: evolveMetadefNamespace,
  decide: decideMetadefNamespace,
};

/** A resource type known before any association (Glance's seeded system types). */
export const metadefResourceTypeDecider: Decider<MetadefResourceTypeCommand, MetadefResourceTypeEvent, MetadefResourceTypeState> = {
  initialState: initialMetadefResourceTypeState,
  evolve: evolveMetadefResourceType,
  decide: decideMetadefResourceType,
};
