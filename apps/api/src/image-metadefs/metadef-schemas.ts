import type { JsonSchema } from '../image/glance-jsonschema';

// The JSON schemas of GET /v2/schemas/metadefs/* (glance/api/v2/metadef_*.py `get_schema`,
// `get_collection_schema`, glance/schema.py `Schema.raw`): the API contract glanceclient and
// Horizon validate against. Requests are validated against the same documents (glance-jsonschema.ts),
// as Glance does, so key order follows Glance's dicts: its error texts depend on it.

const PROPERTY_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string', null];
const readOnlyString = { readOnly: true, type: 'string' };
const timestamp = (description: string) => ({ type: 'string', readOnly: true, description, format: 'date-time' });

/** glance.schema.Schema.raw(): the item schema, closed to other keys. */
function document(name: string, properties: JsonSchema, opts: { required?: string[]; definitions?: JsonSchema }): JsonSchema {
  return {
    name,
    properties,
    additionalProperties: false,
    ...(opts.definitions ? { definitions: opts.definitions } : {}),
    ...(opts.required && opts.required.length > 0 ? { required: opts.required } : {}),
  };
}

const LINKS = [
  { rel: 'first', href: '{first}' },
  { rel: 'next', href: '{next}' },
  { rel: 'describedby', href: '{schema}' },
];

/** glance.schema.CollectionSchema / DictCollectionSchema: the item schema's definitions move to the top. */
function collection(name: string, item: JsonSchema, shape: 'array' | 'object'): JsonSchema {
  const { definitions, ...itemWithoutDefinitions } = item;
  const members = shape === 'array' ? { type: 'array', items: itemWithoutDefinitions } : { type: 'object', additionalProperties: itemWithoutDefinitions };
  return {
    name,
    properties: { [name]: members, first: { type: 'string' }, next: { type: 'string' }, schema: { type: 'string' } },
    links: LINKS,
    ...(definitions ? { definitions } : {}),
  };
}

/** A property definition's own keys (metadef_namespaces.py `get_schema_definitions()['property']`). */
function propertyDefinitionKeys(): JsonSchema {
  return {
    name: { type: 'string', maxLength: 80 },
    title: { type: 'string' },
    description: { type: 'string' },
    operators: { type: 'array', items: { type: 'string' } },
    type: { type: 'string', enum: PROPERTY_TYPES },
    required: { $ref: '#/definitions/stringArray' },
    minimum: { type: 'number' },
    maximum: { type: 'number' },
    maxLength: { $ref: '#/definitions/positiveInteger' },
    minLength: { $ref: '#/definitions/positiveIntegerDefault0' },
    pattern: { type: 'string', format: 'regex' },
    enum: { type: 'array' },
    readonly: { type: 'boolean' },
    default: {},
    items: { type: 'object', properties: { type: { type: 'string', enum: PROPERTY_TYPES }, enum: { type: 'array' } } },
    maxItems: { $ref: '#/definitions/positiveInteger' },
    minItems: { $ref: '#/definitions/positiveIntegerDefault0' },
    uniqueItems: { type: 'boolean', default: false },
    additionalItems: { type: 'boolean' },
  };
}

/** The definitions namespaces and objects share; `stringArray` there may be empty. */
function namespaceDefinitions(): JsonSchema {
  return {
    positiveInteger: { type: 'integer', minimum: 0 },
    positiveIntegerDefault0: { allOf: [{ $ref: '#/definitions/positiveInteger' }, { default: 0 }] },
    stringArray: { type: 'array', items: { type: 'string' }, uniqueItems: true },
    property: { type: 'object', additionalProperties: { type: 'object', required: ['title', 'type'], properties: propertyDefinitionKeys() } },
  };
}

/** metadef_properties.py `_get_base_definitions`: here `stringArray` needs an item. */
function propertyDefinitions(): JsonSchema {
  return {
    positiveInteger: { type: 'integer', minimum: 0 },
    positiveIntegerDefault0: { allOf: [{ $ref: '#/definitions/positiveInteger' }, { default: 0 }] },
    stringArray: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true },
  };
}

export function namespaceSchema(): JsonSchema {
  const properties = {
    namespace: { type: 'string', description: 'The unique namespace text.', maxLength: 80 },
    display_name: { type: 'string', description: 'The user friendly name for the namespace. Used by UI if available.', maxLength: 80 },
    description: { type: 'string', description: 'Provides a user friendly description of the namespace.', maxLength: 500 },
    visibility: { type: 'string', description: 'Scope of namespace accessibility.', enum: ['public', 'private'] },
    protected: { type: 'boolean', description: 'If true, namespace will not be deletable.' },
    owner: { type: 'string', description: 'Owner of the namespace.', maxLength: 255 },
    created_at: timestamp('Date and time of namespace creation'),
    updated_at: timestamp('Date and time of the last namespace modification'),
    schema: readOnlyString,
    self: readOnlyString,
    resource_type_associations: {
      type: 'array',
      items: { type: 'object', properties: { name: { type: 'string' }, prefix: { type: 'string' }, properties_target: { type: 'string' } } },
    },
    properties: { $ref: '#/definitions/property' },
    objects: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, description: { type: 'string' }, required: { $ref: '#/definitions/stringArray' }, properties: { $ref: '#/definitions/property' } },
      },
    },
    tags: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
  };
  return document('namespace', properties, { required: ['namespace'], definitions: namespaceDefinitions() });
}

export function objectSchema(): JsonSchema {
  const properties = {
    name: { type: 'string', maxLength: 80 },
    description: { type: 'string' },
    required: { $ref: '#/definitions/stringArray' },
    properties: { $ref: '#/definitions/property' },
    schema: readOnlyString,
    self: readOnlyString,
    created_at: timestamp('Date and time of object creation'),
    updated_at: timestamp('Date and time of the last object modification'),
  };
  return document('object', properties, { required: ['name'], definitions: namespaceDefinitions() });
}

/** `requireName`: a property posted on its own names itself; inside an object or a list the key does. */
export function propertySchema(requireName = true): JsonSchema {
  return document('property', propertyDefinitionKeys(), { required: requireName ? ['type', 'title', 'name'] : ['type', 'title'], definitions: propertyDefinitions() });
}

export function resourceTypeAssociationSchema(): JsonSchema {
  const properties = {
    name: {
      type: 'string',
      description: 'Resource type names should be aligned with Heat resource types whenever possible: https://docs.openstack.org/heat/latest/template_guide/openstack.html',
      maxLength: 80,
    },
    prefix: {
      type: 'string',
      description:
        'Specifies the prefix to use for the given resource type. Any properties in the namespace should be prefixed with this prefix when being applied to the specified resource type. Must include prefix separator (e.g. a colon :).',
      maxLength: 80,
    },
    properties_target: {
      type: 'string',
      description:
        'Some resource types allow more than one key / value pair per instance.  For example, Cinder allows user and image metadata on volumes. Only the image properties metadata is evaluated by Nova (scheduling or drivers). This property allows a namespace target to remove the ambiguity.',
      maxLength: 80,
    },
    created_at: timestamp('Date and time of resource type association'),
    updated_at: timestamp('Date and time of the last resource type association modification'),
  };
  return document('resource_type_association', properties, { required: ['name'] });
}

export function tagSchema(): JsonSchema {
  const properties = {
    name: { type: 'string', maxLength: 80 },
    created_at: timestamp('Date and time of tag creation'),
    updated_at: timestamp('Date and time of the last tag modification'),
  };
  return document('tag', properties, { required: ['name'] });
}

/** metadef_tags.py `get_schema_for_list`: the body of POST .../tags, never served. */
export function tagListSchema(): JsonSchema {
  return document('tags', { tags: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false } } }, {});
}

/** The documents of GET /v2/schemas/metadefs/{name}. */
export const METADEF_SCHEMAS: Record<string, () => JsonSchema> = {
  namespace: namespaceSchema,
  namespaces: () => collection('namespaces', namespaceSchema(), 'array'),
  object: objectSchema,
  objects: () => collection('objects', objectSchema(), 'array'),
  property: () => propertySchema(),
  properties: () => collection('properties', propertySchema(false), 'object'),
  resource_type: resourceTypeAssociationSchema,
  resource_types: () => collection('resource_type_associations', resourceTypeAssociationSchema(), 'array'),
  tag: tagSchema,
  tags: () => collection('tags', tagSchema(), 'array'),
};
