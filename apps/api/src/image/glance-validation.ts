import { GlanceError } from './glance-errors';
import { pformat, repr } from './python-text';

// glance/schema.py `Schema.validate`: jsonschema (Draft 4) over the image schema, answering 400
// with the text of jsonschema's best error. The subset the image schema uses: type, enum,
// maxLength, minLength, pattern, items, properties, required, additionalProperties.

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  [key: string]: unknown;
}

type PathItem = string | number;

interface Violation {
  message: string;
  validator: string;
  /** Where the failing subschema sits in the schema (without the validator's own key). */
  schemaPath: PathItem[];
  /** Where the failing value sits in the instance. */
  path: PathItem[];
  schema: JsonSchema;
  instance: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const codePoints = (s: string) => [...s].length;

function isType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    default:
      return true;
  }
}

const types = (schema: JsonSchema) => (schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type]);

function* violations(schema: JsonSchema, instance: unknown, schemaPath: PathItem[], path: PathItem[]): Generator<Violation> {
  const at = (validator: string, message: string): Violation => ({ message, validator, schemaPath, path, schema, instance });
  for (const key of Object.keys(schema)) {
    switch (key) {
      case 'type': {
        const allowed = types(schema);
        if (!allowed.some((t) => isType(instance, t))) yield at('type', `${repr(instance)} is not of type ${allowed.map((t) => repr(t)).join(', ')}`);
        break;
      }
      case 'enum':
        if (!schema.enum!.some((v) => v === instance)) yield at('enum', `${repr(instance)} is not one of ${repr(schema.enum)}`);
        break;
      case 'maxLength':
        if (typeof instance === 'string' && codePoints(instance) > schema.maxLength!) yield at('maxLength', `${repr(instance)} is too long`);
        break;
      case 'minLength':
        if (typeof instance === 'string' && codePoints(instance) < schema.minLength!) yield at('minLength', `${repr(instance)} is too short`);
        break;
      case 'pattern':
        if (typeof instance === 'string' && !new RegExp(schema.pattern!).test(instance)) yield at('pattern', `${repr(instance)} does not match ${repr(schema.pattern)}`);
        break;
      case 'items':
        if (Array.isArray(instance)) {
          for (const [i, item] of instance.entries()) yield* violations(schema.items!, item, [...schemaPath, 'items'], [...path, i]);
        }
        break;
      case 'properties':
        if (isObject(instance)) {
          for (const [name, sub] of Object.entries(schema.properties!)) {
            if (name in instance) yield* violations(sub, instance[name], [...schemaPath, 'properties', name], [...path, name]);
          }
        }
        break;
      case 'required':
        if (isObject(instance)) for (const name of schema.required!) if (!(name in instance)) yield at('required', `${repr(name)} is a required property`);
        break;
      case 'additionalProperties':
        if (isObject(instance)) {
          const extra = Object.keys(instance).filter((name) => !(name in (schema.properties ?? {})));
          if (schema.additionalProperties === false) {
            if (extra.length > 0) yield at('additionalProperties', `Additional properties are not allowed (${extra.map((e) => repr(e)).join(', ')} ${extra.length === 1 ? 'was' : 'were'} unexpected)`);
          } else if (isObject(schema.additionalProperties)) {
            for (const name of extra) yield* violations(schema.additionalProperties as JsonSchema, instance[name], [...schemaPath, 'additionalProperties'], [...path, name]);
          }
        }
        break;
      default:
    }
  }
}

/** jsonschema `best_match`: the shallowest error, a type mismatch before others, the first of equals. */
function bestMatch(all: Iterable<Violation>): Violation | null {
  let best: Violation | null = null;
  let bestKey: [number, number] = [0, 0];
  for (const v of all) {
    const matchesType = types(v.schema).some((t) => isType(v.instance, t));
    const key: [number, number] = [-v.path.length, matchesType ? 0 : 1];
    if (best === null || key[0] > bestKey[0] || (key[0] === bestKey[0] && key[1] > bestKey[1])) {
      best = v;
      bestKey = key;
    }
  }
  return best;
}

const index = (container: string, items: PathItem[]) => (items.length === 0 ? container : `${container}[${items.map((i) => repr(i)).join('][')}]`);
const indented = (text: string) => text.split('\n').join('\n    ');

/** `str(ValidationError)` of jsonschema 4 (Debian 12's python3-jsonschema). */
function describe(v: Violation): string {
  return [
    v.message,
    '',
    `Failed validating ${repr(v.validator)} in ${index('schema', v.schemaPath)}:`,
    `    ${indented(pformat(v.schema, 72))}`,
    '',
    `On ${index('instance', v.path)}:`,
    `    ${indented(pformat(v.instance, 72))}`,
  ]
    .join('\n')
    .trimEnd();
}

/** Throws Glance's 400 when `instance` does not match the schema named `name`. */
export function validateAgainst(name: string, schema: JsonSchema, instance: unknown): void {
  const found = bestMatch(violations(schema, instance, [], []));
  if (found) throw new GlanceError(400, `Provided object does not match schema '${name}': ${describe(found)}`);
}
