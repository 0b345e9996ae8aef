import { assertNever, Conflict, Forbidden, NotFound } from '../../kernel';
import { assertDeletable, assertMutable } from '../resource-options';
import { changedFields, isEmpty, mergeOptions, PROJECT_NAME_MAX, requireName } from '../validation';
import { CreateDomain, DeleteDomain, IdentityDomainCommand, UpdateDomain } from './commands';
import { DomainUpdated, IdentityDomainEvent } from './events';
import { IdentityDomain, IdentityDomainState } from './state';

function activeDomain(state: IdentityDomainState, domainId: string): IdentityDomain {
  if (state.status !== 'active') throw new NotFound(`Could not find domain: ${domainId}.`, { domainId });
  return state.domain;
}

export function createDomain(command: CreateDomain, state: IdentityDomainState): IdentityDomainEvent[] {
  const d = command.data;
  if (state.status !== 'absent') {
    throw new Conflict(`Conflict occurred attempting to store domain - Duplicate ID, ${d.domainId}.`, { domainId: d.domainId });
  }
  // A domain is a project acting as a domain in Keystone: same 64-character name, stripped.
  const name = requireName(d.name, PROJECT_NAME_MAX).trim();
  return [
    {
      type: 'DomainCreated',
      data: { domainId: d.domainId, name, description: d.description ?? '', enabled: d.enabled ?? true, options: d.options ?? {} },
    },
  ];
}

export function updateDomain(command: UpdateDomain, state: IdentityDomainState): IdentityDomainEvent[] {
  const d = command.data;
  const domain = activeDomain(state, d.domainId);
  assertMutable('domain', d.domainId, domain.options, d.options);
  const requested = {
    name: d.name === undefined ? undefined : requireName(d.name, PROJECT_NAME_MAX).trim(),
    description: d.description === null ? '' : d.description,
    enabled: d.enabled,
    options: d.options === undefined ? undefined : mergeOptions(domain.options, d.options),
  };
  const changes = changedFields(domain, requested, ['name', 'description', 'enabled', 'options'] as const);
  if (isEmpty(changes)) return [];
  return [{ type: 'DomainUpdated', data: { domainId: d.domainId, ...changes } as DomainUpdated['data'] }];
}

export function deleteDomain(command: DeleteDomain, state: IdentityDomainState): IdentityDomainEvent[] {
  const domain = activeDomain(state, command.data.domainId);
  assertDeletable('domain', domain.domainId, domain.options);
  // Keystone resource core `_delete_domain`: ForbiddenNotSecurity (403) so a domain is never deleted by accident.
  if (domain.enabled) {
    throw new Forbidden('Cannot delete a domain that is enabled, please disable it first.', { domainId: domain.domainId });
  }
  return [{ type: 'DomainDeleted', data: { domainId: domain.domainId, name: domain.name } }];
}

export function decideIdentityDomain(command: IdentityDomainCommand, state: IdentityDomainState): IdentityDomainEvent[] {
  switch (command.type) {
    case 'CreateDomain':
      return createDomain(command, state);
    case 'UpdateDomain':
      return updateDomain(command, state);
    case 'DeleteDomain':
      return deleteDomain(command, state);
    default:
      return assertNever(command);
  }
}
