/**
 * What auditors read: field-level differences between two states of a resource, with secrets
 * masked. States are plain JSON (decider states), so a field is a dotted path to a leaf; arrays
 * are compared and shown whole.
 */

/** Keys whose values are never shown, not even hashed: password, secret and token hashes, private keys. */
const SECRET_KEY = /(password|secret|passcode|private_?key|token_?hash|ciphertext|sensitive)/i;

export const REDACTED = '***';

export interface FieldChange {
  /** Dotted path from the state's root, e.g. `server.vmState`. */
  field: string;
  /** `undefined` (absent) is shown as null; `kind` tells added and removed fields apart. */
  before: unknown;
  after: unknown;
  kind: 'added' | 'removed' | 'changed';
}

/** Whether a key names a secret: asked for every key of every event the audit trail records, so remembered. */
const secretKeys = new Map<string, boolean>();
function isSecretKey(key: string): boolean {
  let secret = secretKeys.get(key);
  if (secret === undefined) {
    secret = SECRET_KEY.test(key);
    // Keys are field names, a bounded set; the bound keeps a caller with data-made keys from growing it.
    if (secretKeys.size < 10_000) secretKeys.set(key, secret);
  }
  return secret;
}

/** `value` with every secret-named field's value replaced by `***` (see `maskFields`). */
export function redactSecrets<T>(value: T): T {
  return maskFields(value, isSecretKey);
}

/**
 * `value` with the (non-null) value of every field whose name `hidden` picks replaced by `***`.
 * Only the objects and arrays on the way to a masked field are copied; everything else, and
 * `value` itself when nothing is masked, is shared: treat the result as read-only.
 */
export function maskFields<T>(value: T, hidden: (key: string) => boolean): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const masked = maskFields(value[i], hidden);
      if (masked !== value[i]) (copy ??= value.slice())[i] = masked;
    }
    return (copy ?? value) as T;
  }
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | null = null;
  for (const key of Object.keys(record)) {
    const v = record[key];
    const masked = hidden(key) && v !== null && v !== undefined ? REDACTED : maskFields(v, hidden);
    if (masked !== v) (copy ??= { ...record })[key] = masked;
  }
  return (copy ?? value) as T;
}

/** The changes with the values of fields `hidden` picks (by any segment of the path) shown as `***`. */
export function maskChanges(changes: FieldChange[], hidden: (key: string) => boolean): FieldChange[] {
  return changes.map((c) =>
    c.field.split('.').some(hidden) ? { ...c, before: c.before === null ? null : REDACTED, after: c.after === null ? null : REDACTED } : c,
  );
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The leaves that differ between `before` and `after`, in the order of `after`'s keys (then the
 * removed ones). Unchanged subtrees are skipped by reference first, so folding a long history and
 * diffing each step stays cheap (evolve shares what it does not change). Secret fields show `***`.
 */
export function diffStates(before: unknown, after: unknown): FieldChange[] {
  const changes: FieldChange[] = [];
  walk(before, after, '', false, changes);
  return changes;
}

function walk(before: unknown, after: unknown, path: string, secret: boolean, out: FieldChange[]): void {
  if (before === after) return;
  if (isRecord(before) && isRecord(after)) {
    // Most fields of a step are the very same values: skipped before their path is even built.
    for (const key of Object.keys(after)) {
      const b = before[key];
      const a = after[key];
      if (a !== b) walk(b, a, path ? `${path}.${key}` : key, secret || isSecretKey(key), out);
    }
    for (const key of Object.keys(before)) {
      if (!(key in after) && before[key] !== undefined) walk(before[key], undefined, path ? `${path}.${key}` : key, secret || isSecretKey(key), out);
    }
    return;
  }
  if (isRecord(after) && (before === undefined || before === null)) {
    // A whole object appears (e.g. a resize starts): one change per leaf reads best.
    for (const key of Object.keys(after)) walk(undefined, after[key], path ? `${path}.${key}` : key, secret || isSecretKey(key), out);
    return;
  }
  if (isRecord(before) && (after === undefined || after === null)) {
    for (const key of Object.keys(before)) walk(before[key], undefined, path ? `${path}.${key}` : key, secret || isSecretKey(key), out);
    return;
  }
  if (sameJson(before, after)) return;
  const kind = before === undefined ? 'added' : after === undefined ? 'removed' : 'changed';
  const show = (v: unknown) => (v === undefined ? null : secret && v !== null ? REDACTED : redactSecrets(v));
  out.push({ field: path, before: show(before), after: show(after), kind });
}

function brief(value: unknown): string {
  if (value === null || value === undefined) return '—';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** One line for a table: `vmState: building → active, taskState: spawning → —` (at most `max` fields, then "+N more"). */
export function summarizeChanges(changes: FieldChange[], max = 4): string {
  if (changes.length === 0) return 'no change to the state';
  const shown = changes.slice(0, max).map((c) => `${c.field}: ${brief(c.before)} → ${brief(c.after)}`);
  const more = changes.length > max ? `, +${changes.length - max} more` : '';
  return shown.join(', ') + more;
}
