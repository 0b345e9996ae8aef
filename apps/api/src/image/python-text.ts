// Glance is Python: its JSON is `json.dumps` and its schema faults print values with `repr` and
// `pprint.pformat(width=72)` (jsonschema's ValidationError.__str__). These reproduce those texts
// for JSON values, so a client comparing bytes or messages with a real Glance sees the same.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isPlainObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Python 3 `repr(str)`: single quotes unless the text has one and no double quote; non-printables escaped. */
export function reprString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code <= 0xa0) || code === 0xad) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code >= 0xd800 && code <= 0xdfff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + quote;
}

const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Python `repr()` of a JSON value as `json.loads` returns it (dict keys in insertion order). */
export function repr(value: unknown, sortKeys = false): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return reprString(value);
  if (Array.isArray(value)) return `[${value.map((v) => repr(v, sortKeys)).join(', ')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (sortKeys) keys.sort(compareKeys);
    return `{${keys.map((k) => `${reprString(k)}: ${repr(value[k], sortKeys)}`).join(', ')}}`;
  }
  return reprString(String(value));
}

/** `pprint.pformat(value, width)`: dicts with sorted keys, one item a line once the repr is too wide. */
export function pformat(value: unknown, width = 80): string {
  const out: string[] = [];
  formatInto(out, value, 0, 0, 0, width);
  return out.join('');
}

function formatInto(out: string[], value: unknown, indent: number, allowance: number, level: number, width: number): void {
  const rep = repr(value, true);
  if (rep.length <= width - indent - allowance) {
    out.push(rep);
    return;
  }
  if (Array.isArray(value) && value.length > 0) {
    out.push('[');
    const inner = indent + 1;
    value.forEach((item, i) => {
      const last = i === value.length - 1;
      if (i > 0) out.push(`,\n${' '.repeat(inner)}`);
      formatInto(out, item, inner, last ? allowance + 1 : 1, level + 1, width);
    });
    out.push(']');
    return;
  }
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    out.push('{');
    const inner = indent + 1;
    const keys = Object.keys(value).sort(compareKeys);
    keys.forEach((key, i) => {
      const last = i === keys.length - 1;
      if (i > 0) out.push(`,\n${' '.repeat(inner)}`);
      const keyRep = reprString(key);
      out.push(`${keyRep}: `);
      formatInto(out, value[key], inner + keyRep.length + 2, last ? allowance + 1 : 1, level + 1, width);
    });
    out.push('}');
    return;
  }
  if (typeof value === 'string' && value.length > 0) {
    out.push(formatString(value, indent, allowance, level + 1, width));
    return;
  }
  out.push(rep);
}

/** `PrettyPrinter._pprint_str`: a long string is split at whitespace into adjacent literals. */
function formatString(text: string, indent: number, allowance: number, level: number, width: number): string {
  const topLevel = level === 1;
  if (topLevel) {
    indent += 1;
    allowance += 1;
  }
  const chunks: string[] = [];
  const lines = text.match(/[^\n\r]*(\r\n|\n|\r|$)/g)!.filter((l, i, all) => l !== '' || i < all.length - 1);
  let maxWidth1 = width - indent;
  const maxWidth = width - indent;
  lines.forEach((line, i) => {
    const lineRep = reprString(line);
    const lastLine = i === lines.length - 1;
    if (lastLine) maxWidth1 -= allowance;
    if (lineRep.length <= maxWidth1) {
      chunks.push(lineRep);
      return;
    }
    const parts = line.match(/\S*\s*/g)!.filter((p) => p !== '');
    let maxWidth2 = maxWidth;
    let current = '';
    parts.forEach((part, j) => {
      const candidate = current + part;
      if (j === parts.length - 1 && lastLine) maxWidth2 -= allowance;
      if (reprString(candidate).length > maxWidth2) {
        if (current) chunks.push(reprString(current));
        current = part;
      } else {
        current = candidate;
      }
    });
    if (current) chunks.push(reprString(current));
  });
  if (chunks.length === 1) return chunks[0];
  const body = chunks.join(`\n${' '.repeat(indent)}`);
  return topLevel ? `(${body})` : body;
}

/** `json.dumps(value)`: `", "` and `": "` separators, non-ASCII as `\uXXXX`. */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  return 'null';
}
