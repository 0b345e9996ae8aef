import { assertNever, Conflict, InvalidInput, NotFound } from '../../kernel';
import { IDENTITY_NAME_MAX, requireInstant, requireName, requireNonEmpty } from '../validation';
import { ApplicationCredentialCommand, CreateApplicationCredential, DeleteApplicationCredential } from './commands';
import { AccessRule, ApplicationCredentialEvent } from './events';
import { ApplicationCredentialState } from './state';

// Keystone application_credential/schema.py `_access_rules_properties`.
const METHODS = ['POST', 'GET', 'HEAD', 'PATCH', 'PUT', 'DELETE'];
const MAX_PATH = 225;

function requireAccessRule(rule: AccessRule): AccessRule {
  if (!METHODS.includes(rule.method)) throw new InvalidInput(`Invalid input for field 'access_rules': method '${rule.method}' is not allowed.`, { field: 'access_rules' });
  if (typeof rule.path !== 'string' || !rule.path.startsWith('/') || rule.path.length > MAX_PATH) {
    throw new InvalidInput(`Invalid input for field 'access_rules': path must start with '/' and have at most ${MAX_PATH} characters.`, { field: 'access_rules' });
  }
  requireNonEmpty(rule.service, 'access_rules.service');
  return { ...(rule.id !== undefined ? { id: rule.id } : {}), service: rule.service, method: rule.method, path: rule.path };
}

export function createApplicationCredential(command: CreateApplicationCredential, state: ApplicationCredentialState): ApplicationCredentialEvent[] {
  const d = command.data;
  if (state.status !== 'absent') throw new Conflict(`Conflict occurred attempting to store application_credential - Duplicate ID, ${d.id}.`, { id: d.id });
  requireName(d.name, IDENTITY_NAME_MAX);
  requireNonEmpty(d.userId, 'user_id');
  requireNonEmpty(d.projectId, 'project_id');
  requireNonEmpty(d.secretHash, 'secret');
  if (!Array.isArray(d.roleIds) || d.roleIds.length === 0) {
    throw new InvalidInput("Invalid input for field 'roles': an application credential needs at least one role.", { field: 'roles' });
  }
  const expiresAt = d.expiresAt ?? null;
  if (expiresAt !== null && requireInstant(expiresAt, 'expires_at') <= requireInstant(command.metadata.now, 'now')) {
    throw new InvalidInput("Invalid input for field 'expires_at': the expiration is in the past.", { field: 'expires_at' });
  }
  const accessRules = d.accessRules?.map(requireAccessRule);
  return [
    {
      type: 'ApplicationCredentialCreated',
      data: {
        id: d.id,
        userId: d.userId,
        projectId: d.projectId,
        name: d.name,
        description: d.description ?? null,
        secretHash: d.secretHash,
        roleIds: [...new Set(d.roleIds)],
        expiresAt,
        // Keystone default: restricted, i.e. it cannot create other credentials or trusts.
        unrestricted: d.unrestricted ?? false,
        ...(accessRules !== undefined ? { accessRules } : {}),
      },
    },
  ];
}

export function deleteApplicationCredential(command: DeleteApplicationCredential, state: ApplicationCredentialState): ApplicationCredentialEvent[] {
  if (state.status !== 'active') throw new NotFound(`Could not find Application Credential: ${command.data.id}.`, { id: command.data.id });
  const { id, userId, name } = state.credential;
  return [{ type: 'ApplicationCredentialDeleted', data: { id, userId, name } }];
}

export function decideApplicationCredential(command: ApplicationCredentialCommand, state: ApplicationCredentialState): ApplicationCredentialEvent[] {
  switch (command.type) {
    case 'CreateApplicationCredential':
      return createApplicationCredential(command, state);
    case 'DeleteApplicationCredential':
      return deleteApplicationCredential(command, state);
    default:
      return assertNever(command);
  }
}
