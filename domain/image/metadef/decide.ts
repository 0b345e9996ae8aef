import { assertNever, Conflict, Forbidden, InvalidInput, InvalidState, NotFound } from '../../kernel';
import {
  AssociateMetadefResourceType,
  CreateMetadefNamespace,
  CreateMetadefObject,
  CreateMetadefProperty,
  CreateMetadefResourceType,
  CreateMetadefTag,
  CreateMetadefTags,
  DeleteMetadefNamespace,
  DeleteMetadefObject,
  DeleteMetadefObjects,
  DeleteMetadefProperties,
  DeleteMetadefProperty,
  DeleteMetadefTag,
  DeleteMetadefTags,
  DissociateMetadefResourceType,
  MetadefNamespaceCommand,
  MetadefResourceTypeCommand,
  RenameMetadefNamespace,
  UpdateMetadefNamespace,
  UpdateMetadefObject,
  UpdateMetadefProperty,
  UpdateMetadefTag,
} from './commands';
import { MetadefNamespaceEvent, MetadefObject, MetadefProperty, MetadefResourceTypeAssociation, MetadefResourceTypeEvent, MetadefVisibility } from './events';
import { metadefNameKey } from './names';
import { MetadefNamespace, MetadefNamespaceState, MetadefResourceTypeState } from './state';

// Rules and messages of glance/db/sqlalchemy/metadef_api, glance/domain (the `protected` checks)
// and glance/common/exception.py. JSON-schema shape is checked by the API before a command exists.

export const METADEF_VISIBILITIES: readonly MetadefVisibility[] = ['public', 'private'];
/** `maxLength` of namespace, object, property, tag and resource type names in Glance's schemas. */
export const METADEF_NAME_MAX = 80;

function requireName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidInput(`Invalid value for '${field}': a non-empty string is required.`, { field });
  if (value.length > METADEF_NAME_MAX) throw new InvalidInput(`Invalid value for '${field}': at most ${METADEF_NAME_MAX} characters.`, { field });
  return value;
}

function requireVisibility(value: unknown): MetadefVisibility {
  if (!METADEF_VISIBILITIES.includes(value as MetadefVisibility)) throw new InvalidInput(`Invalid visibility value: ${String(value)}`, { field: 'visibility' });
  return value as MetadefVisibility;
}

const find = <T extends { name: string } | string>(items: T[], name: string): T | undefined =>
  items.find((i) => metadefNameKey(typeof i === 'string' ? i : i.name) === metadefNameKey(name));

function activeNamespace(state: MetadefNamespaceState, name: string): MetadefNamespace {
  if (state.status !== 'active') throw new NotFound(`Metadata definition namespace=${name} was not found.`, { namespace: name });
  return state.namespace;
}

// glance/domain `MetadefNamespace.delete`: also guards DELETE of all objects, properties or tags.
function assertNamespaceDeletable(ns: MetadefNamespace): void {
  if (ns.protected) throw new Forbidden(`Metadata definition namespace ${ns.namespace} is protected and cannot be deleted.`, { namespace: ns.namespace });
}

const duplicateProperty = (name: string, ns: string) => new Conflict(`A metadata definition property with name=${name} already exists in namespace=${ns}.`, { namespace: ns, property: name });
const duplicateObject = (name: string, ns: string) => new Conflict(`A metadata definition object with name=${name} already exists in namespace=${ns}.`, { namespace: ns, object: name });
const duplicateTag = (name: string, ns: string) =>
  new Conflict(`A metadata tag with name=${name} already exists in namespace=${ns}. (Please note that metadata tag names are case insensitive).`, { namespace: ns, tag: name });
const duplicateAssociation = (name: string, ns: string) =>
  new Conflict(`The metadata definition resource-type association of resource-type=${name} to namespace=${ns} already exists.`, { namespace: ns, resourceType: name });

/** The first name that repeats (case-insensitively) an earlier one, as the database's unique index finds it. */
function firstRepeat(names: string[]): string | undefined {
  const seen = new Set<string>();
  for (const name of names) {
    const key = metadefNameKey(name);
    if (seen.has(key)) return name;
    seen.add(key);
  }
  return undefined;
}

function requireProperty(p: MetadefProperty): MetadefProperty {
  requireName(p?.name, 'name');
  if (typeof p.schema !== 'object' || p.schema === null || Array.isArray(p.schema)) throw new InvalidInput('A property definition must be a JSON object.', { property: p.name });
  return p;
}

function requireObject(o: MetadefObject): MetadefObject {
  requireName(o?.name, 'name');
  (o.properties ?? []).forEach(requireProperty);
  return { name: o.name, description: o.description ?? null, required: o.required ?? null, properties: o.properties ?? null };
}

function requireAssociation(a: MetadefResourceTypeAssociation): MetadefResourceTypeAssociation {
  return { name: requireName(a?.name, 'name'), prefix: a.prefix ?? null, propertiesTarget: a.propertiesTarget ?? null };
}

export function createMetadefNamespace(command: CreateMetadefNamespace, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  const d = command.data;
  const namespace = requireName(d.namespace, 'namespace');
  if (state.status === 'active') {
    if (d.renamedFrom) throw new Conflict(`Invalid update. It would result in a duplicate metadata definition namespace with the same name of ${namespace}`, { namespace });
    throw new Conflict(`The metadata definition namespace=${namespace} already exists.`, { namespace });
  }
  const resourceTypeAssociations = (d.resourceTypeAssociations ?? []).map(requireAssociation);
  const objects = (d.objects ?? []).map(requireObject);
  const tags = (d.tags ?? []).map((t) => requireName(t, 'name'));
  const properties = (d.properties ?? []).map(requireProperty);
  // metadef_namespaces.py `create` adds the namespace, then associations, objects, tags and properties.
  const repeated = [
    [firstRepeat(resourceTypeAssociations.map((a) => a.name)), duplicateAssociation],
    [firstRepeat(objects.map((o) => o.name)), duplicateObject],
    [firstRepeat(tags), duplicateTag],
    [firstRepeat(properties.map((p) => p.name)), duplicateProperty],
  ] as const;
  for (const [name, conflict] of repeated) if (name !== undefined) throw conflict(name, namespace);
  return [
    {
      type: 'MetadefNamespaceCreated',
      data: {
        namespace,
        displayName: d.displayName ?? null,
        description: d.description ?? null,
        visibility: requireVisibility(d.visibility ?? 'private'),
        protected: d.protected ?? false,
        owner: d.owner ?? null,
        properties,
        objects,
        tags,
        resourceTypeAssociations,
        renamedFrom: d.renamedFrom ?? null,
      },
    },
  ];
}

export function updateMetadefNamespace(command: UpdateMetadefNamespace, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  const d = command.data;
  const ns = activeNamespace(state, d.namespace);
  const newNamespace = requireName(d.newNamespace, 'namespace');
  // Another name lives on another stream: that is RenameMetadefNamespace plus a create there.
  if (metadefNameKey(newNamespace) !== metadefNameKey(ns.namespace)) throw new InvalidState(`Namespace ${ns.namespace} cannot take the name ${newNamespace} in place.`, { namespace: ns.namespace });
  const fields = {
    namespace: newNamespace,
    displayName: d.displayName ?? null,
    description: d.description ?? null,
    visibility: requireVisibility(d.visibility ?? 'private'),
    protected: d.protected ?? false,
    owner: d.owner,
  };
  const unchanged = (Object.keys(fields) as (keyof typeof fields)[]).every((k) => fields[k] === ns[k]);
  return unchanged ? [] : [{ type: 'MetadefNamespaceUpdated', data: fields }];
}

export function renameMetadefNamespace(command: RenameMetadefNamespace, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  const d = command.data;
  if (state.status === 'renamed' && state.newNamespace === d.newNamespace) return [];
  const ns = activeNamespace(state, d.namespace);
  return [{ type: 'MetadefNamespaceRenamed', data: { namespace: ns.namespace, newNamespace: requireName(d.newNamespace, 'namespace'), newStream: d.newStream } }];
}

export function deleteMetadefNamespace(command: DeleteMetadefNamespace, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  const ns = activeNamespace(state, command.data.namespace);
  assertNamespaceDeletable(ns);
  return [{ type: 'MetadefNamespaceDeleted', data: { namespace: ns.namespace } }];
}

const propertyNotFound = (name: string) => new NotFound(`Could not find property ${name}`, { property: name });

export function createMetadefProperty(command: CreateMetadefProperty, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  const ns = activeNamespace(state, command.data.namespace);
  const property = requireProperty(command.data.property);
  if (find(ns.properties, property.name)) throw duplicateProperty(property.name, ns.namespace);
  return [{ type: 'MetadefPropertyCreated', data: { namespace: ns.namespace, property } }];
}

export function updateMetadefProperty(command: UpdateMetadefProperty, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  const ns = activeNamespace(state, command.data.namespace);
  const current = find(ns.properties, command.data.name);
  if (!current) throw propertyNotFound(command.data.name);
  const property = requireProperty(command.data.property);
  const clash = find(ns.properties, property.name);
  if (clash && clash !== current) {
    // metadef_api/property.py `update` words it with the name the property still has.
    throw new Conflict(`Invalid update. It would result in a duplicate metadata definition property with the same name=${current.name} in namespace=${ns.namespace}.`, {
      namespace: ns.namespace,
      property: property.name,
    });
  }
  return [{ type: 'MetadefPropertyUpdated', data: { namespace: ns.namespace, name: current.name, property } }];
}

export function deleteMetadefProperty(command: DeleteMetadefProperty, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  const ns = activeNamespace(state, command.data.namespace);
  const current = find(ns.properties, command.data.name);
  if (!current) throw propertyNotFound(command.data.name);
  if (ns.protected) throw new Forbidden(`Metadata definition property ${current.name} is protected and cannot be deleted.`, { namespace: ns.namespace, property: current.name });
  return [{ type: 'MetadefPropertyDeleted', data: { namespace: ns.namespace, name: current.name } }];
}

export function deleteMetadefProperties(command: DeleteMetadefProperties, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  const ns = activeNamespace(state, command.data.namespace);
  assertNamespaceDeletable(ns);
  return ns.properties.map((p) => ({ type: 'MetadefPropertyDeleted', data: { namespace: ns.namespace, name: p.name } }));
}

const objectNotFound = (name: string) => new NotFound(`Could not find metadata object ${name}`, { object: name });

export function createMetadefObject(command: CreateMetadefObject, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  const ns = activeNamespace(state, command.data.namespace);
  const object = requireObject(command.data.object);
  if (find(ns.objects, object.name)) throw duplicateObject(object.name, ns.namespace);
  return [{ type: 'MetadefObjectCreated', data: { namespace: ns.namespace, object } }];
}

export function updateMetadefObject(command: UpdateMetadefObject, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  const ns = activeNamespace(state, command.data.namespace);
  const current = find(ns.objects, command.data.name);
  if (!current) throw objectNotFound(command.data.name);
  const object = requireObject(command.data.object);
  const clash = find(ns.objects, object.name);
  if (clash && clash !== current) {
    throw new Conflict(`Invalid update. It would result in a duplicate metadata definition object with the same name=${current.name} in namespace=${ns.namespace}.`, {
      namespace: ns.namespace,
      object: object.name,
    });
  }
  return [{ type: 'MetadefObjectUpdated', data: { namespace: ns.namespace, name: current.name, object } }];
}

export function deleteMetadefObject(command: DeleteMetadefObject, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  const ns = activeNamespace(state, command.data.namespace);
  const current = find(ns.objects, command.data.name);
  if (!current) throw objectNotFound(command.data.name);
  if (ns.protected) throw new Forbidden(`Metadata definition object ${current.name} is protected and cannot be deleted.`, { namespace: ns.namespace, object: current.name });
  return [{ type: 'MetadefObjectDeleted', data: { namespace: ns.namespace, name: current.name } }];
}

export function deleteMetadefObjects(command: DeleteMetadefObjects, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  const ns = activeNamespace(state, command.data.namespace);
  assertNamespaceDeletable(ns);
  return ns.objects.map((o) => ({ type: 'MetadefObjectDeleted', data: { namespace: ns.namespace, name: o.name } }));
}

const tagNotFound = (name: string) => new NotFound(`Could not find metadata tag ${name}`, { tag: name });

export function createMetadefTag(command: CreateMetadefTag, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  const ns = activeNamespace(state, command.data.namespace);
  const name = requireName(command.data.name, 'name');
  if (find(ns.tags, name)) throw duplicateTag(name, ns.namespace);
  return [{ type: 'MetadefTagCreated', data: { namespace: ns.namespace, name } }];
}

export function createMetadefTags(command: CreateMetadefTags, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  const ns = activeNamespace(state, command.data.namespace);
  const names = command.data.names.map((n) => requireName(n, 'name'));
  // metadef_api/tag.py `create_tags`: an empty list changes nothing, even without append.
  if (names.length === 0) return [];
  const kept = command.data.append ? ns.tags : [];
  const clash = firstRepeat([...kept, ...names]);
  if (clash !== undefined) throw duplicateTag(clash, ns.namespace);
  const removed: MetadefNamespaceEvent[] = command.data.append ? [] : ns.tags.map((name) => ({ type: 'MetadefTagDeleted', data: { namespace: ns.namespace, name } }));
  return [...removed, ...names.map((name): MetadefNamespaceEvent => ({ type: 'MetadefTagCreated', data: { namespace: ns.namespace, name } }))];
}

export function updateMetadefTag(command: UpdateMetadefTag, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  const ns = activeNamespace(state, command.data.namespace);
  const current = find(ns.tags, command.data.name);
  if (current === undefined) throw tagNotFound(command.data.name);
  const newName = requireName(command.data.newName, 'name');
  const clash = find(ns.tags, newName);
  if (clash !== undefined && clash !== current) throw duplicateTag(newName, ns.namespace);
  return [{ type: 'MetadefTagUpdated', data: { namespace: ns.namespace, name: current, newName } }];
}

export function deleteMetadefTag(command: DeleteMetadefTag, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  const ns = activeNamespace(state, command.data.namespace);
  const current = find(ns.tags, command.data.name);
  if (current === undefined) throw tagNotFound(command.data.name);
  if (ns.protected) throw new Forbidden(`Metadata definition tag ${current} is protected and cannot be deleted.`, { namespace: ns.namespace, tag: current });
  return [{ type: 'MetadefTagDeleted', data: { namespace: ns.namespace, name: current } }];
}

export function deleteMetadefTags(command: DeleteMetadefTags, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  const ns = activeNamespace(state, command.data.namespace);
  assertNamespaceDeletable(ns);
  return ns.tags.map((name) => ({ type: 'MetadefTagDeleted', data: { namespace: ns.namespace, name } }));
}

export function associateMetadefResourceType(command: AssociateMetadefResourceType, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  const ns = activeNamespace(state, command.data.namespace);
  const association = requireAssociation(command.data.association);
  if (find(ns.resourceTypeAssociations, association.name)) throw duplicateAssociation(association.name, ns.namespace);
  return [{ type: 'MetadefResourceTypeAssociated', data: { namespace: ns.namespace, association } }];
}

export function dissociateMetadefResourceType(command: DissociateMetadefResourceType, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  const ns = activeNamespace(state, command.data.namespace);
  const name = command.data.name;
  // metadef_resource_types.py `delete` compares names in Python: here, unlike everywhere else, case matters.
  if (!ns.resourceTypeAssociations.some((a) => a.name === name)) throw new NotFound(`Failed to find resource type ${name} to delete`, { namespace: ns.namespace, resourceType: name });
  if (ns.protected) throw new Forbidden(`Metadata definition resource-type-association ${name} is protected and cannot be deleted.`, { namespace: ns.namespace, resourceType: name });
  return [{ type: 'MetadefResourceTypeDissociated', data: { namespace: ns.namespace, name } }];
}

export function decideMetadefNamespace(command: MetadefNamespaceCommand, state: MetadefNamespaceState): MetadefNamespaceEvent[] {
  switch (command.type) {
    case 'CreateMetadefNamespace':
      return createMetadefNamespace(command, state);
    case 'UpdateMetadefNamespace':
      return updateMetadefNamespace(command, state);
    case 'RenameMetadefNamespace':
      return renameMetadefNamespace(command, state);
    case 'DeleteMetadefNamespace':
      return deleteMetadefNamespace(command, state);
    case 'CreateMetadefProperty':
      return createMetadefProperty(command, state);
    case 'UpdateMetadefProperty':
      return updateMetadefProperty(command, state);
    case 'DeleteMetadefProperty':
      return deleteMetadefProperty(command, state);
    case 'DeleteMetadefProperties':
      return deleteMetadefProperties(command, state);
    case 'CreateMetadefObject':
      return createMetadefObject(command, state);
    case 'UpdateMetadefObject':
      return updateMetadefObject(command, state);
    case 'DeleteMetadefObject':
      return deleteMetadefObject(command, state);
    case 'DeleteMetadefObjects':
      return deleteMetadefObjects(command, state);
    case 'CreateMetadefTag':
      return createMetadefTag(command, state);
    case 'CreateMetadefTags':
      return createMetadefTags(command, state);
    case 'UpdateMetadefTag':
      return updateMetadefTag(command, state);
    case 'DeleteMetadefTag':
      return deleteMetadefTag(command, state);
    case 'DeleteMetadefTags':
      return deleteMetadefTags(command, state);
    case 'AssociateMetadefResourceType':
      return associateMetadefResourceType(command, state);
    case 'DissociateMetadefResourceType':
      return dissociateMetadefResourceType(command, state);
    default:
      return assertNever(command);
  }
}

export function createMetadefResourceType(command: CreateMetadefResourceType, state: MetadefResourceTypeState): MetadefResourceTypeEvent[] {
  const name = requireName(command.data.name, 'name');
  if (state.status !== 'absent') throw new Conflict(`A metadata definition resource-type with name=${name} already exists.`, { resourceType: name });
  return [{ type: 'MetadefResourceTypeCreated', data: { name, protected: command.data.protected } }];
}

export function decideMetadefResourceType(command: MetadefResourceTypeCommand, state: MetadefResourceTypeState): MetadefResourceTypeEvent[] {
  switch (command.type) {
    case 'CreateMetadefResourceType':
      return createMetadefResourceType(command, state);
    default:
      return assertNever(command.type);
  }
}
