import { repr } from '../../image/python-text';
import { badRequest } from '../nova-errors';

/**
 * The part of JSON Schema (draft 4) Nova's request schemas use, with Nova's 400 texts
 * (nova/api/validation/validators.py `_SchemaValidator.validate`): the first error jsonschema
 * yields, keywords checked in the schema's own key order, numbers given as strings compared as
 * numbers (Nova's `_validate_minimum`/`_validate_maximum`), `format` checkers raising InvalidName.
 */
export type NovaSchema = { [keyword: string]: unknown };

interface SchemaError {
  path: (string | number)[];
  instance: unknown;
  message: string;
  /** A format checker's own message (InvalidName), shown alone. */
  own?: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
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
    default:
      return false;
  }
}

/** Nova's `_number_from_str`: int(), then float(), else not a number. */
function numberFrom(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return null;
  const t = value.trim();
  if (/^[-+]?\d+$/.test(t) || /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  return null;
}

const pyNumber = (n: number) => String(n);

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Printable characters, no leading or trailing whitespace (parameter_types.valid_name_regex). */
const NAME_REASON = 'printable characters. Can not start or end with whitespace.';
const printable = (s: string) => !/[\u0000-\u001f\u007f-\u009f]/.test(s);

/**
 * The forms iso8601.parse_date takes (Nova's `date-time` format, timeutils.parse_isotime): YYYY, YYYY-M(M),
 * YYYY-M(M)-D(D) or YYYYMMDD, then a time after 'T' or ' ' (hh, hh:mm or hhmm, seconds with a fraction
 * after '.' or ','), then Z, ±hh, ±hhmm or ±hh:mm.
 */
const ISO_8601 = /^(\d{4})(?:(?:-(\d{1,2})|(\d{2})(?!$))(?:(?:-(\d{1,2})|(\d{2}))(?:[ T](\d{2})(?::?(\d{2}))?(?::?(\d{1,2})(?:[.,](\d+))?)?(Z|([-+])(\d{2}):?(\d{2})?)?)?)?)?$/;

/**
 * The instant an ISO 8601 text names, as Nova reads it: a time without zone is UTC (iso8601's default
 * zone), whatever the zone this process runs in; null for a text it refuses, or a date that does not exist.
 */
export function parseIsoTime(text: string): Date | null {
  const m = ISO_8601.exec(text);
  if (!m) return null;
  const [, y, monthDash, month, dayDash, day, hh, mm, ss, fraction, zone, sign, tzh, tzm] = m;
  const n = (v: string | undefined, dflt: number) => (v === undefined ? dflt : Number(v));
  const [year, mon, d, hour, minute, second] = [Number(y), n(monthDash ?? month, 1), n(dayDash ?? day, 1), n(hh, 0), n(mm, 0), n(ss, 0)];
  const lastDay = new Date(Date.UTC(year, mon, 0)).getUTCDate();
  if (mon < 1 || mon > 12 || d < 1 || d > lastDay || hour > 23 || minute > 59 || second > 59) return null;
  const offsetMinutes = zone === undefined || zone === 'Z' ? 0 : (sign === '-' ? -1 : 1) * (Number(tzh) * 60 + n(tzm, 0));
  if (Math.abs(offsetMinutes) >= 24 * 60) return null;
  const ms = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  const utc = new Date(0);
  utc.setUTCFullYear(year, mon - 1, d);
  utc.setUTCHours(hour, minute, second, ms);
  return new Date(utc.getTime() - offsetMinutes * 60_000);
}

const KEYPAIR_CHARS_20 = '_- 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const KEYPAIR_CHARS_292 = '@._- 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** nova/api/validation/validators.py format checkers: each returns the InvalidName reason on failure. */
const FORMATS: Record<string, (s: string) => string | null> = {
  name: (s) => (printable(s) && s.trim() === s && s.length > 0 ? null : NAME_REASON),
  name_with_leading_trailing_spaces: (s) => (printable(s) && s.trim().length > 0 ? null : 'printable characters with at least one non space character'),
  az_name: (s) => (printable(s) && s.trim() === s && s.length > 0 && !s.includes(':') ? null : 'printable characters except :.Can not start or end with whitespace.'),
  keypair_name_20: (s) => ([...s].every((c) => KEYPAIR_CHARS_20.includes(c)) ? null : `Only expected characters: [${KEYPAIR_CHARS_20}]`),
  keypair_name_292: (s) => ([...s].every((c) => KEYPAIR_CHARS_292.includes(c)) ? null : `Only expected characters: [${KEYPAIR_CHARS_292}]`),
};

function* check(schema: NovaSchema, value: unknown, path: (string | number)[]): Generator<SchemaError> {
  for (const [keyword, arg] of Object.entries(schema)) {
    switch (keyword) {
      case 'type': {
        const types = Array.isArray(arg) ? (arg as string[]) : [arg as string];
        if (!types.some((t) => isType(value, t))) yield { path, instance: value, message: `${repr(value)} is not of type ${types.map((t) => repr(t)).join(', ')}` };
        break;
      }
      case 'enum':
        if (!(arg as unknown[]).some((e) => deepEqual(e, value))) yield { path, instance: value, message: `${repr(value)} is not one of ${repr(arg)}` };
        break;
      case 'minLength':
        if (typeof value === 'string' && [...value].length < (arg as number)) yield { path, instance: value, message: `${repr(value)} is too short` };
        break;
      case 'maxLength':
        if (typeof value === 'string' && [...value].length > (arg as number)) yield { path, instance: value, message: `${repr(value)} is too long` };
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(arg as string, 'u').test(value)) yield { path, instance: value, message: `${repr(value)} does not match ${repr(arg)}` };
        break;
      case 'format': {
        // What iso8601.parse_date accepts (Nova's `date-time` checker): a plain jsonschema format error.
        if (arg === 'date-time') {
          if (typeof value === 'string' && parseIsoTime(value) === null) yield { path, instance: value, message: `${repr(value)} is not a 'date-time'` };
          break;
        }
        // oslo uuidutils.is_uuid_like, a plain jsonschema format error (not InvalidName).
        if (arg === 'uuid') {
          if (typeof value === 'string' && !/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(value)) yield { path, instance: value, message: `${repr(value)} is not a 'uuid'` };
          break;
        }
        const checker = FORMATS[arg as string];
        const reason = typeof value === 'string' && checker ? checker(value) : null;
        if (reason !== null) yield { path, instance: value, message: `An invalid 'name' value was provided. The name must be: ${reason}`, own: true };
        break;
      }
      case 'minimum': {
        const n = numberFrom(value);
        if (n === null || typeof value === 'boolean') break;
        const exclusive = schema.exclusiveMinimum === true;
        if (exclusive ? n <= (arg as number) : n < (arg as number)) {
          yield { path, instance: value, message: `${pyNumber(n)} is less than ${exclusive ? 'or equal to ' : ''}the minimum of ${pyNumber(arg as number)}` };
        }
        break;
      }
      case 'maximum': {
        const n = numberFrom(value);
        if (n === null || typeof value === 'boolean') break;
        if (n > (arg as number)) yield { path, instance: value, message: `${pyNumber(n)} is greater than the maximum of ${pyNumber(arg as number)}` };
        break;
      }
      case 'properties':
        if (isObject(value)) {
          for (const [name, sub] of Object.entries(arg as Record<string, NovaSchema>)) {
            if (name in value) yield* check(sub, value[name], [...path, name]);
          }
        }
        break;
      case 'patternProperties':
        if (isObject(value)) {
          for (const [pattern, sub] of Object.entries(arg as Record<string, NovaSchema>)) {
            const re = new RegExp(pattern, 'u');
            for (const [k, v] of Object.entries(value)) if (re.test(k)) yield* check(sub, v, [...path, k]);
          }
        }
        break;
      case 'required':
        if (isObject(value)) {
          for (const name of arg as string[]) if (!(name in value)) yield { path, instance: value, message: `${repr(name)} is a required property` };
        }
        break;
      case 'additionalProperties':
        if (isObject(value) && arg === false) {
          const known = Object.keys((schema.properties as object | undefined) ?? {});
          const patterns = Object.keys((schema.patternProperties as object | undefined) ?? {}).map((p) => new RegExp(p, 'u'));
          // jsonschema lists the unexpected names sorted.
          const extras = Object.keys(value).filter((k) => !known.includes(k) && !patterns.some((re) => re.test(k))).sort();
          if (extras.length > 0) {
            yield { path, instance: value, message: `Additional properties are not allowed (${extras.map((e) => repr(e)).join(', ')} ${extras.length === 1 ? 'was' : 'were'} unexpected)` };
          }
        }
        break;
      case 'oneOf':
      case 'anyOf': {
        // jsonschema: one error for the keyword, whatever failed inside.
        const valid = (arg as NovaSchema[]).filter((sub) => check(sub, value, path).next().done).length;
        if (valid === 0) yield { path, instance: value, message: `${repr(value)} is not valid under any of the given schemas` };
        else if (keyword === 'oneOf' && valid > 1) yield { path, instance: value, message: `${repr(value)} is valid under each of ${repr(arg)}` };
        break;
      }
      case 'minProperties':
        if (isObject(value) && Object.keys(value).length < (arg as number)) yield { path, instance: value, message: `${repr(value)} does not have enough properties` };
        break;
      case 'maxProperties':
        if (isObject(value) && Object.keys(value).length > (arg as number)) yield { path, instance: value, message: `${repr(value)} has too many properties` };
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < (arg as number)) yield { path, instance: value, message: `${repr(value)} is too short` };
        break;
      case 'maxItems':
        if (Array.isArray(value) && value.length > (arg as number)) yield { path, instance: value, message: `${repr(value)} is too long` };
        break;
      case 'uniqueItems':
        if (Array.isArray(value) && arg === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) {
          yield { path, instance: value, message: `${repr(value)} has non-unique elements` };
        }
        break;
      case 'items':
        if (Array.isArray(value)) {
          if (Array.isArray(arg)) {
            for (let i = 0; i < Math.min(arg.length, value.length); i++) yield* check(arg[i] as NovaSchema, value[i], [...path, i]);
          } else {
            for (let i = 0; i < value.length; i++) yield* check(arg as NovaSchema, value[i], [...path, i]);
          }
        }
        break;
      default:
        break;
    }
  }
}

/** Python's `%s` of a JSON value: strings bare, the rest as repr. */
const pyStr = (v: unknown) => (typeof v === 'string' ? v : repr(v));

/** Validates a request body; a failure is Nova's 400 "Invalid input for field/attribute ...". */
export function validateBody(schema: NovaSchema, body: unknown): void {
  const first = check(schema, body, []).next();
  if (first.done) return;
  const e = first.value;
  if (e.own) throw badRequest(e.message);
  if (e.path.length > 0) throw badRequest(`Invalid input for field/attribute ${e.path[e.path.length - 1]}. Value: ${pyStr(e.instance)}. ${e.message}`);
  throw badRequest(e.message);
}

export type RawQuery = Record<string, string | string[] | undefined>;

/**
 * Query strings are validated as lists of strings (Nova's `multi_params`); the value shown is the
 * last one given, as Nova's `_validate_query` reports it. `strict` (additionalProperties false):
 * names the schema does not know are refused after the known ones are checked, all of them in one
 * message without a path, as jsonschema words it (a 2.75 query with `foo`: `Additional properties
 * are not allowed ('foo' was unexpected)`, seen on the Nova anchor).
 */
export function validateQuery(properties: Record<string, NovaSchema>, query: RawQuery, strict: boolean): void {
  const extras: string[] = [];
  for (const [name, raw] of Object.entries(query)) {
    if (raw === undefined) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    const schema = properties[name];
    if (!schema) {
      extras.push(name);
      continue;
    }
    for (const value of values) {
      const first = check(schema, value, [name]).next();
      if (!first.done) throw badRequest(`Invalid input for query parameters ${name}. Value: ${value}. ${first.value.message}`);
    }
  }
  // jsonschema lists the unexpected names sorted.
  if (strict && extras.length) throw badRequest(`Additional properties are not allowed (${extras.sort().map((name) => repr(name)).join(', ')} ${extras.length === 1 ? 'was' : 'were'} unexpected)`);
}

/** The last value of a query parameter (webob's `req.params[name]`). */
export function queryValue(query: RawQuery, name: string): string | undefined {
  const raw = query[name];
  return Array.isArray(raw) ? raw[raw.length - 1] : raw;
}

// nova/api/validation/parameter_types.py
const MAX_INT = 0x7fffffff;
export const PARAMETER_TYPES = {
  name: { type: 'string', minLength: 1, maxLength: 255, format: 'name' },
  nameWithSpaces: { type: 'string', minLength: 1, maxLength: 255, format: 'name_with_leading_trailing_spaces' },
  description: { type: ['string', 'null'], minLength: 0, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f-\\u009f]*$' },
  boolean: {
    type: ['boolean', 'string'],
    enum: [true, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', false, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'],
  },
  positiveInteger: { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 1, maximum: MAX_INT },
  nonNegativeInteger: { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 0, maximum: MAX_INT },
  flavorParamPositive: { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 1, maximum: MAX_INT },
  flavorParamNonNegative: { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 0, maximum: MAX_INT },
  quotaLimit: { type: ['integer', 'string'], pattern: '^-?[0-9]+$', minimum: -1, maximum: MAX_INT },
  keypairName20: { type: 'string', minLength: 1, maxLength: 255, format: 'keypair_name_20' },
  keypairName292: { type: 'string', minLength: 1, maxLength: 255, format: 'keypair_name_292' },
} satisfies Record<string, NovaSchema>;

const TRUE_STRINGS = ['true', '1', 'on', 'yes', 'y', 't'];

/** oslo `strutils.bool_from_string` (non-strict) of a value the boolean schema accepted. */
export function asBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  return TRUE_STRINGS.includes(String(value).trim().toLowerCase());
}

/** oslo `strutils.bool_from_string(strict=True)`: null when the text is no boolean. */
export function strictBoolean(text: string): boolean | null {
  const t = text.trim().toLowerCase();
  if (TRUE_STRINGS.includes(t)) return true;
  if (['false', '0', 'off', 'no', 'n', 'f'].includes(t)) return false;
  return null;
}

/** An object body member (`{"flavor": {...}}`) after validation. */
export function member<T = Record<string, unknown>>(body: unknown, key: string): T {
  return (body as Record<string, unknown>)[key] as T;
}
