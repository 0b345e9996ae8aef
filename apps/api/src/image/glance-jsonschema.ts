import { GlanceError } from './glance-errors';
import { pformat, repr } from './python-text';

// Glance validates request bodies with `jsonschema.validate(body, schema)` (glance/schema.py
// `Schema.validate`): python3-jsonschema 4.10 (Debian 12), no format checker, and `best_match`
// picks the error it reports. This walks the keywords the image and metadef schemas use in the
// same order and words each error as jsonschema does, so a 400 reads as the real Glance's.

export type JsonSchema = { [keyword: string]: unknown };

/**
 * The order an `additionalProperties: false` error names the extra keys in. jsonschema 4.10 takes
 * them from a `set`, whose order is hash-seeded per Glance process, so no capture fixes it: the
 * metadefs API sorts them, the image API keeps the body's order.
 */

type PathPart = string | number;

interface SchemaError {
  message: string;
  validator: string;
  /** Where in the instance (jsonschema `path`). */
  path: PathPart[];
  /** The keywords that led to the failing one, the failing one last (`relative_schema_path`). */
  schemaPath: PathPart[];
  schema: JsonSchema;
  instance: unknown;
}

type Partial = Omit<SchemaError, 'validator' | 'schema' | 'instance'> & { validator?: string; schema?: JsonSchema; instance?: unknown };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** jsonschema's TYPE_CHECKER (booleans are never numbers). */
function isType(instance: unknown, type: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof instance === 'string';
    case 'integer':
      return typeof instance === 'number' && Number.isInteger(instance);
    case 'number':
      return typeof instance === 'number';
    case 'boolean':
      return typeof instance === 'boolean';
    case 'object':
      return isObject(instance);
    case 'array':
      return Array.isArray(instance);
    case 'null':
      return instance === null;
    default:
      return false;
  }
}

/** Python `==` on JSON values (True == 1 aside: jsonschema's `enum` and `uniqueItems` unbool them). */
function equal(a: unknown, b: unknown): boolean {
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && equal(a[k], b[k]));
  }
  return a === b;
}

/** Python `len(str)` counts code points. */
const length = (s: string) => [...s].length;

const error = (message: string): Partial => ({ message, path: [], schemaPath: [] });

class Validator {
  constructor(private readonly root: JsonSchema) {}

  private resolve(ref: string): JsonSchema {
    if (!ref.startsWith('#/')) throw new Error(`Unresolvable $ref ${ref}`);
    let node: unknown = this.root;
    for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown>)[part];
    return node as JsonSchema;
  }

  private *descend(instance: unknown, schema: JsonSchema, path?: PathPart, schemaPath?: PathPart): Generator<SchemaError> {
    for (const e of this.iterErrors(instance, schema)) {
      if (path !== undefined) e.path.unshift(path);
      if (schemaPath !== undefined) e.schemaPath.unshift(schemaPath);
      yield e;
    }
  }

  *iterErrors(instance: unknown, schema: JsonSchema): Generator<SchemaError> {
    for (const [keyword, value] of Object.entries(schema)) {
      for (const e of this.keyword(keyword, value, instance, schema)) {
        const full: SchemaError = { ...e, validator: e.validator ?? keyword, schema: e.schema ?? schema, instance: 'instance' in e ? e.instance : instance };
        if (keyword !== '$ref') full.schemaPath.unshift(keyword);
        yield full;
      }
    }
  }

  private *keyword(keyword: string, value: unknown, instance: unknown, schema: JsonSchema): Generator<Partial> {
    switch (keyword) {
      case '$ref':
        yield* this.descend(instance, this.resolve(value as string));
        return;
      case 'allOf':
        for (const [i, sub] of (value as JsonSchema[]).entries()) yield* this.descend(instance, sub, undefined, i);
        return;
      case 'type': {
        const types = Array.isArray(value) ? value : [value];
        if (!types.some((t) => isType(instance, t))) yield error(`${repr(instance)} is not of type ${types.map((t) => repr(t)).join(', ')}`);
        return;
      }
      case 'enum':
        if (!(value as unknown[]).some((v) => equal(v, instance))) yield error(`${repr(instance)} is not one of ${repr(value)}`);
        return;
      case 'maxLength':
        if (typeof instance === 'string' && length(instance) > (value as number)) yield error(`${repr(instance)} is too long`);
        return;
      case 'minLength':
        if (typeof instance === 'string' && length(instance) < (value as number)) yield error(`${repr(instance)} is too short`);
        return;
      case 'pattern':
        if (typeof instance === 'string' && !new RegExp(value as string).test(instance)) yield error(`${repr(instance)} does not match ${repr(value)}`);
        return;
      case 'minimum':
        if (typeof instance === 'number' && instance < (value as number)) yield error(`${repr(instance)} is less than the minimum of ${repr(value)}`);
        return;
      case 'maximum':
        if (typeof instance === 'number' && instance > (value as number)) yield error(`${repr(instance)} is greater than the maximum of ${repr(value)}`);
        return;
      case 'minItems':
        if (Array.isArray(instance) && instance.length < (value as number)) yield error(`${repr(instance)} is too short`);
        return;
      case 'maxItems':
        if (Array.isArray(instance) && instance.length > (value as number)) yield error(`${repr(instance)} is too long`);
        return;
      case 'uniqueItems':
        if (value === true && Array.isArray(instance) && instance.some((x, i) => instance.slice(i + 1).some((y) => equal(x, y)))) yield error(`${repr(instance)} has non-unique elements`);
        return;
      case 'required':
        if (!isObject(instance)) return;
        for (const name of value as string[]) if (!(name in instance)) yield error(`${repr(name)} is a required property`);
        return;
      case 'properties':
        if (!isObject(instance)) return;
        for (const [name, sub] of Object.entries(value as Record<string, JsonSchema>)) if (name in instance) yield* this.descend(instance[name], sub, name, name);
        return;
      case 'additionalProperties': {
        if (!isObject(instance)) return;
        const declared = isObject(schema.properties) ? schema.properties : {};
        const extras = Object.keys(instance).filter((k) => !(k in declared));
        if (isObject(value)) {
          for (const extra of extras) yield* this.descend(instance[extra], value, extra);
        } else if (value === false && extras.length > 0) {
          // Python takes them from a set (an order per process); sorted is one of those orders, and stable.
          const names = [...extras].sort().map((k) => repr(k));
          yield error(`Additional properties are not allowed (${names.join(', ')} ${extras.length === 1 ? 'was' : 'were'} unexpected)`);
        }
        return;
      }
      case 'items':
        if (Array.isArray(instance)) for (const [i, item] of instance.entries()) yield* this.descend(item, value as JsonSchema, i);
        return;
      default:
        // Annotations (description, default, readOnly, format without a checker) and Glance's own keys.
        return;
    }
  }
}

/** jsonschema `relevance`: shallow errors first, then those whose instance is not even of the schema's type. */
function relevance(e: SchemaError): number[] {
  const type = e.schema.type;
  const matchesType = type === undefined ? false : (Array.isArray(type) ? type : [type]).some((t) => isType(e.instance, t));
  return [-e.path.length, 1, 0, matchesType ? 0 : 1];
}

function moreRelevant(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return false;
}

/** `format_as_index`: `schema['properties']['type']`. */
const index = (container: string, parts: PathPart[]) => container + parts.map((p) => `[${repr(p)}]`).join('');
const indent = (text: string) => text.split('\n').join(`\n${' '.repeat(4)}`);

/** `str(ValidationError)`. */
function describe(e: SchemaError): string {
  return [
    e.message,
    '',
    `Failed validating ${repr(e.validator)} in ${index('schema', e.schemaPath.slice(0, -1))}:`,
    `    ${indent(pformat(e.schema, 72))}`,
    '',
    `On ${index('instance', e.path)}:`,
    `    ${indent(pformat(e.instance, 72))}`,
  ].join('\n');
}

/** glance.schema.Schema.validate: the best error, as `Provided object does not match schema '<name>': ...` (400). */
export function validateAgainst(schema: JsonSchema, body: unknown): void {
  let best: SchemaError | undefined;
  for (const e of new Validator(schema).iterErrors(body, schema)) if (!best || moreRelevant(relevance(e), relevance(best))) best = e;
  if (best) throw new GlanceError(400, `Provided object does not match schema '${String(schema.name)}': ${describe(best)}`);
}
