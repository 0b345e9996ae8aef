import { MetadefNamespaceEvent, MetadefNamespaceFields, MetadefObject, MetadefProperty, MetadefResourceTypeAssociation, MetadefResourceTypeEvent } from './events';
import { metadefNameKey } from './names';

export interface MetadefNamespace extends MetadefNamespaceFields {
  properties: MetadefProperty[];
  objects: MetadefObject[];
  tags: string[];
  resourceTypeAssociations: MetadefResourceTypeAssociation[];
}

/**
 * A namespace stream is named by its name, so it outlives the namespace: once deleted or renamed
 * away, the name may be created again on the same stream.
 */
export type MetadefNamespaceState =
  | { status: 'absent' }
  | { status: 'active'; namespace: MetadefNamespace }
  | { status: 'deleted'; namespace: string }
  | { status: 'renamed'; namespace: string; newNamespace: string };

export const initialMetadefNamespaceState: MetadefNamespaceState = { status: 'absent' };

const sameName = (key: string) => (item: { name: string } | string) => metadefNameKey(typeof item === 'string' ? item : item.name) === key;
const without = <T extends { name: string } | string>(items: T[], name: string): T[] => items.filter((i) => !sameName(metadefNameKey(name))(i));
const replacing = <T extends { name: string } | string>(items: T[], name: string, next: T): T[] => items.map((i) => (sameName(metadefNameKey(name))(i) ? next : i));

export function evolveMetadefNamespace(state: MetadefNamespaceState, event: MetadefNamespaceEvent): MetadefNamespaceState {
  if (event.type === 'MetadefNamespaceCreated') {
    const { renamedFrom: _from, ...namespace } = event.data;
    return { status: 'active', namespace };
  }
  if (state.status !== 'active') return state;
  const ns = state.namespace;
  const active = (namespace: MetadefNamespace): MetadefNamespaceState => ({ status: 'active', namespace });
  switch (event.type) {
    case 'MetadefNamespaceUpdated':
      return active({ ...ns, ...event.data });
    case 'MetadefNamespaceRenamed':
      return { status: 'renamed', namespace: event.data.namespace, newNamespace: event.data.newNamespace };
    case 'MetadefNamespaceDeleted':
      return { status: 'deleted', namespace: event.data.namespace };
    case 'MetadefPropertyCreated':
      return active({ ...ns, properties: [...ns.properties, event.data.property] });
    case 'MetadefPropertyUpdated':
      return active({ ...ns, properties: replacing(ns.properties, event.data.name, event.data.property) });
    case 'MetadefPropertyDeleted':
      return active({ ...ns, properties: without(ns.properties, event.data.name) });
    case 'MetadefObjectCreated':
      return active({ ...ns, objects: [...ns.objects, event.data.object] });
    case 'MetadefObjectUpdated':
      return active({ ...ns, objects: replacing(ns.objects, event.data.name, event.data.object) });
    case 'MetadefObjectDeleted':
      return active({ ...ns, objects: without(ns.objects, event.data.name) });
    case 'MetadefTagCreated':
      return active({ ...ns, tags: [...ns.tags, event.data.name] });
    case 'MetadefTagUpdated':
      return active({ ...ns, tags: replacing(ns.tags, event.data.name, event.data.newName) });
    case 'MetadefTagDeleted':
      return active({ ...ns, tags: without(ns.tags, event.data.name) });
    case 'MetadefResourceTypeAssociated':
      return active({ ...ns, resourceTypeAssociations: [...ns.resourceTypeAssociations, event.data.association] });
    case 'MetadefResourceTypeDissociated':
      return active({ ...ns, resourceTypeAssociations: ns.resourceTypeAssociations.filter((a) => a.name !== event.data.name) });
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

export type MetadefResourceTypeState = { status: 'absent' } | { status: 'active'; name: string; protected: boolean };

export const initialMetadefResourceTypeState: MetadefResourceTypeState = { status: 'absent' };

export function evolveMetadefResourceType(state: MetadefResourceTypeState, event: MetadefResourceTypeEvent): MetadefResourceTypeState {
  switch (event.type) {
    case 'MetadefResourceTypeCreated':
      return { status: 'active', name: event.data.name, protected: event.data.protected };
    default: {
      const _exhaustive: never = event.type;
      return state;
    }
  }
}
