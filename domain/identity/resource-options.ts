import { Forbidden } from '../kernel';
import { ResourceOptions } from './validation';

// Keystone exception.py ResourceUpdateForbidden / ResourceDeleteForbidden (403), raised by
// common/resource_options/options/immutable.py for projects, domains and roles.
export function isImmutable(options: ResourceOptions): boolean {
  return options.immutable === true;
}

/** An immutable resource may only be updated by a request that sets `immutable` to false. */
export function assertMutable(type: string, id: string, current: ResourceOptions, patch: ResourceOptions | undefined): void {
  if (isImmutable(current) && patch?.immutable !== false) {
    throw new Forbidden(`Unable to update immutable ${type} resource: \`${id}\`. Set resource option "immutable" to false first.`, { id });
  }
}

export function assertDeletable(type: string, id: string, current: ResourceOptions): void {
  if (isImmutable(current)) {
    throw new Forbidden(`Unable to delete immutable ${type} resource: \`${id}\`. Set resource option "immutable" to false first.`, { id });
  }
}
