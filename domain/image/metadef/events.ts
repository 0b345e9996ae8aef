import { DomainEvent } from '../../kernel';

/** Glance metadef namespaces are `public` or `private` (glance/api/v2/metadef_namespaces.py schema). */
export type MetadefVisibility = 'public' | 'private';

/**
 * A property definition: the JSON Glance keeps in `metadef_properties.json_schema` (type, title,
 * enum, ...), already normalised by the API as Glance's WSME model does. Plain JSON.
 */
export type MetadefPropertySchema = { [key: string]: unknown };

/** Ordered maps are arrays: Glance shows properties in the order they were created. */
export interface MetadefProperty {
  name: string;
  schema: MetadefPropertySchema;
}

export interface MetadefObject {
  name: string;
  description: string | null;
  required: string[] | null;
  properties: MetadefProperty[] | null;
}

export interface MetadefResourceTypeAssociation {
  name: string;
  prefix: string | null;
  propertiesTarget: string | null;
}

/** The namespace's own fields; PUT replaces all of them at once. */
export interface MetadefNamespaceFields {
  namespace: string;
  displayName: string | null;
  description: string | null;
  visibility: MetadefVisibility;
  protected: boolean;
  owner: string | null;
}

/** A namespace renamed away from another stream: the projection keeps that stream's times. */
export interface MetadefRenamedFrom {
  namespace: string;
  stream: string;
}

/** A namespace with everything POST /v2/metadefs/namespaces may carry, or all the content a rename moves. */
export type MetadefNamespaceCreated = DomainEvent<
  'MetadefNamespaceCreated',
  MetadefNamespaceFields & {
    properties: MetadefProperty[];
    objects: MetadefObject[];
    tags: string[];
    resourceTypeAssociations: MetadefResourceTypeAssociation[];
    renamedFrom: MetadefRenamedFrom | null;
  }
>;

export type MetadefNamespaceUpdated = DomainEvent<'MetadefNamespaceUpdated', MetadefNamespaceFields>;

/** The name moved to another stream (`newStream`, whose MetadefNamespaceCreated carries the content); this stream's name is free again. */
export type MetadefNamespaceRenamed = DomainEvent<'MetadefNamespaceRenamed', { namespace: string; newNamespace: string; newStream: string }>;

/** Deletes the namespace with its properties, objects, tags and associations (Glance `delete_cascade`). */
export type MetadefNamespaceDeleted = DomainEvent<'MetadefNamespaceDeleted', { namespace: string }>;

export type MetadefPropertyCreated = DomainEvent<'MetadefPropertyCreated', { namespace: string; property: MetadefProperty }>;
/** `name` is the property's name before the update; `property.name` may differ (a rename). */
export type MetadefPropertyUpdated = DomainEvent<'MetadefPropertyUpdated', { namespace: string; name: string; property: MetadefProperty }>;
export type MetadefPropertyDeleted = DomainEvent<'MetadefPropertyDeleted', { namespace: string; name: string }>;

export type MetadefObjectCreated = DomainEvent<'MetadefObjectCreated', { namespace: string; object: MetadefObject }>;
export type MetadefObjectUpdated = DomainEvent<'MetadefObjectUpdated', { namespace: string; name: string; object: MetadefObject }>;
export type MetadefObjectDeleted = DomainEvent<'MetadefObjectDeleted', { namespace: string; name: string }>;

export type MetadefTagCreated = DomainEvent<'MetadefTagCreated', { namespace: string; name: string }>;
export type MetadefTagUpdated = DomainEvent<'MetadefTagUpdated', { namespace: string; name: string; newName: string }>;
export type MetadefTagDeleted = DomainEvent<'MetadefTagDeleted', { namespace: string; name: string }>;

export type MetadefResourceTypeAssociated = DomainEvent<'MetadefResourceTypeAssociated', { namespace: string; association: MetadefResourceTypeAssociation }>;
export type MetadefResourceTypeDissociated = DomainEvent<'MetadefResourceTypeDissociated', { namespace: string; name: string }>;

export type MetadefNamespaceEvent =
  | MetadefNamespaceCreated
  | MetadefNamespaceUpdated
  | MetadefNamespaceRenamed
  | MetadefNamespaceDeleted
  | MetadefPropertyCreated
  | MetadefPropertyUpdated
  | MetadefPropertyDeleted
  | MetadefObjectCreated
  | MetadefObjectUpdated
  | MetadefObjectDeleted
  | MetadefTagCreated
  | MetadefTagUpdated
  | MetadefTagDeleted
  | MetadefResourceTypeAssociated
  | MetadefResourceTypeDissociated;

/**
 * A resource type (`OS::Glance::Image`, ...) on its own stream. `protected` marks the seeded
 * system types (Glance's db_load_metadefs); types a first association names are not recorded here:
 * the association event is their record, as Glance creates them implicitly.
 */
export type MetadefResourceTypeCreated = DomainEvent<'MetadefResourceTypeCreated', { name: string; protected: boolean }>;

export type MetadefResourceTypeEvent = MetadefResourceTypeCreated;
