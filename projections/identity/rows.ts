import { nameKey } from '../../domain/identity';
import { Row } from '../kernel/projection';

export * from '../kernel/rows';

/** Changed columns plus `name_key` when the name is among them (readers filter names case-insensitively on it). */
export function withNameKey(changes: Row): Row {
  return typeof changes.name === 'string' ? { ...changes, name_key: nameKey(changes.name) } : changes;
}
