import { createHash } from 'node:crypto';

const names = new Map<string, string>();

/**
 * A name for a prepared statement, the same for the same text: node-postgres parses a named
 * statement once per connection and then only binds it, so PostgreSQL does not parse and plan it
 * again for every call. Texts are few (built from fixed parts), so the names are kept.
 */
export function preparedName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `strata_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}
