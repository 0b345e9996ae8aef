/**
 * Glance keeps metadef names in MySQL columns with a case-insensitive collation: `Tag` and `tag`
 * collide, and `GET .../namespaces/os::compute::cpupinning` finds `OS::Compute::CPUPinning`.
 * Every name comparison in this aggregate goes through this key; names keep the case given.
 */
export function metadefNameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/**
 * `metadef-<uuid>`: the uuid is derived in infra from `metadefNameKey(namespace)` (a name-based
 * uuid), so the stream of a name is known without a lookup and appending to it with no stream
 * (or after its namespace left) is what makes the name unique.
 */
export const metadefNamespaceStream = (namespaceUuid: string) => `metadef-${namespaceUuid}`;

/** `metadefresourcetype-<uuid>`, the uuid derived from `metadefNameKey(name)` likewise. */
export const metadefResourceTypeStream = (resourceTypeUuid: string) => `metadefresourcetype-${resourceTypeUuid}`;
