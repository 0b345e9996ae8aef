import { Command } from '../../kernel';
import { MetadefObject, MetadefProperty, MetadefRenamedFrom, MetadefResourceTypeAssociation, MetadefVisibility } from './events';

/**
 * POST /v2/metadefs/namespaces, with any inline content. `owner` is resolved by the API (the body,
 * else the token's project). A rename creates the new name with `renamedFrom` and the moved content.
 */
export type CreateMetadefNamespace = Command<
  'CreateMetadefNamespace',
  {
    namespace: string;
    displayName?: string | null;
    description?: string | null;
    visibility?: MetadefVisibility;
    protected?: boolean;
    owner?: string | null;
    properties?: MetadefProperty[];
    objects?: MetadefObject[];
    tags?: string[];
    resourceTypeAssociations?: MetadefResourceTypeAssociation[];
    renamedFrom?: MetadefRenamedFrom;
  }
>;

/**
 * PUT /v2/metadefs/namespaces/{namespace} keeping the name (its case may change): every field is
 * replaced, absent ones fall back to Glance's defaults (private, unprotected, no texts).
 */
export type UpdateMetadefNamespace = Command<
  'UpdateMetadefNamespace',
  {
    namespace: string;
    newNamespace: string;
    displayName?: string | null;
    description?: string | null;
    visibility?: MetadefVisibility;
    protected?: boolean;
    owner: string | null;
  }
>;

/** The old stream's half of a rename: the content now lives on `newStream`. */
export type RenameMetadefNamespace = Command<'RenameMetadefNamespace', { namespace: string; newNamespace: string; newStream: string }>;
export type DeleteMetadefNamespace = Command<'DeleteMetadefNamespace', { namespace: string }>;

export type CreateMetadefProperty = Command<'CreateMetadefProperty', { namespace: string; property: MetadefProperty }>;
export type UpdateMetadefProperty = Command<'UpdateMetadefProperty', { namespace: string; name: string; property: MetadefProperty }>;
export type DeleteMetadefProperty = Command<'DeleteMetadefProperty', { namespace: string; name: string }>;
/** DELETE /v2/metadefs/namespaces/{namespace}/properties: all of them. */
export type DeleteMetadefProperties = Command<'DeleteMetadefProperties', { namespace: string }>;

export type CreateMetadefObject = Command<'CreateMetadefObject', { namespace: string; object: MetadefObject }>;
export type UpdateMetadefObject = Command<'UpdateMetadefObject', { namespace: string; name: string; object: MetadefObject }>;
export type DeleteMetadefObject = Command<'DeleteMetadefObject', { namespace: string; name: string }>;
export type DeleteMetadefObjects = Command<'DeleteMetadefObjects', { namespace: string }>;

export type CreateMetadefTag = Command<'CreateMetadefTag', { namespace: string; name: string }>;
/** POST /v2/metadefs/namespaces/{namespace}/tags: replaces every tag unless `append` (header `X-Openstack-Append`). */
export type CreateMetadefTags = Command<'CreateMetadefTags', { namespace: string; names: string[]; append: boolean }>;
export type UpdateMetadefTag = Command<'UpdateMetadefTag', { namespace: string; name: string; newName: string }>;
export type DeleteMetadefTag = Command<'DeleteMetadefTag', { namespace: string; name: string }>;
export type DeleteMetadefTags = Command<'DeleteMetadefTags', { namespace: string }>;

export type AssociateMetadefResourceType = Command<'AssociateMetadefResourceType', { namespace: string; association: MetadefResourceTypeAssociation }>;
export type DissociateMetadefResourceType = Command<'DissociateMetadefResourceType', { namespace: string; name: string }>;

export type MetadefNamespaceCommand =
  | CreateMetadefNamespace
  | UpdateMetadefNamespace
  | RenameMetadefNamespace
  | DeleteMetadefNamespace
  | CreateMetadefProperty
  | UpdateMetadefProperty
  | DeleteMetadefProperty
  | DeleteMetadefProperties
  | CreateMetadefObject
  | UpdateMetadefObject
  | DeleteMetadefObject
  | DeleteMetadefObjects
  | CreateMetadefTag
  | CreateMetadefTags
  | UpdateMetadefTag
  | DeleteMetadefTag
  | DeleteMetadefTags
  | AssociateMetadefResourceType
  | DissociateMetadefResourceType;

/** A resource type Strata knows before any association names it (the seeded system types). */
export type CreateMetadefResourceType = Command<'CreateMetadefResourceType', { name: string; protected: boolean }>;

export type MetadefResourceTypeCommand = CreateMetadefResourceType;
