import { assertNever, Conflict, InvalidInput, NotFound } from '../../kernel';
import { Unauthorized } from '../errors';
import { changedFields, IDENTITY_NAME_MAX, isEmpty, mergeOptions, requireName, requireNonEmpty } from '../validation';
import { ChangeUserPassword, CreateUser, DeleteUser, UpdateUser, UserCommand } from './commands';
import { UserEvent, UserUpdated } from './events';
import { User, UserState } from './state';

const notFound = (userId: string) => new NotFound(`Could not find user: ${userId}.`, { userId });

function activeUser(state: UserState, userId: string): User {
  if (state.status !== 'active') throw notFound(userId);
  return state.user;
}

function requirePasswordHash(hash: string | null | undefined): void {
  if (hash !== null && hash !== undefined) requireNonEmpty(hash, 'password');
}

export function createUser(command: CreateUser, state: UserState): UserEvent[] {
  const d = command.data;
  if (state.status !== 'absent') {
    throw new Conflict(`Conflict occurred attempting to store user - Duplicate ID, ${d.userId}.`, { userId: d.userId });
  }
  requireName(d.name, IDENTITY_NAME_MAX);
  requireNonEmpty(d.domainId, 'domain_id');
  requirePasswordHash(d.passwordHash);
  const passwordHash = d.passwordHash ?? null;
  return [
    {
      type: 'UserCreated',
      data: {
        userId: d.userId,
        domainId: d.domainId,
        name: d.name,
        enabled: d.enabled ?? true,
        defaultProjectId: d.defaultProjectId ?? null,
        description: d.description ?? null,
        ...(d.email !== undefined ? { email: d.email } : {}),
        options: d.options ?? {},
        ...(d.extra !== undefined && !isEmpty(d.extra) ? { extra: d.extra } : {}),
        passwordHash,
        passwordCreatedAt: passwordHash === null ? null : command.metadata.now,
      },
    },
  ];
}

export function updateUser(command: UpdateUser, state: UserState): UserEvent[] {
  const d = command.data;
  const user = activeUser(state, d.userId);
  if (d.name !== undefined) requireName(d.name, IDENTITY_NAME_MAX);
  requirePasswordHash(d.passwordHash);

  const requested = {
    ...d,
    options: d.options === undefined ? undefined : mergeOptions(user.options, d.options),
    extra: d.extra === undefined ? undefined : { ...user.extra, ...d.extra },
  };
  const changes = changedFields(user, requested, ['name', 'defaultProjectId', 'description', 'email', 'options', 'extra'] as const);
  const events: UserEvent[] = [];
  if (!isEmpty(changes)) events.push({ type: 'UserUpdated', data: { userId: d.userId, ...changes } as UserUpdated['data'] });
  if (d.enabled !== undefined && d.enabled !== user.enabled) {
    events.push({ type: d.enabled ? 'UserEnabled' : 'UserDisabled', data: { userId: d.userId } });
  }
  // A password in PATCH /users is an admin reset: recorded even when it hashes the same password anew.
  if (d.passwordHash !== undefined && !(d.passwordHash === null && user.passwordHash === null)) {
    events.push({ type: 'UserPasswordChanged', data: { userId: d.userId, passwordHash: d.passwordHash, changedAt: command.metadata.now, selfService: false } });
  }
  return events;
}

export function changeUserPassword(command: ChangeUserPassword, state: UserState): UserEvent[] {
  const d = command.data;
  const user = activeUser(state, d.userId);
  // Keystone authenticates the original password and answers 401 when it fails or the user is disabled.
  if (!d.originalPasswordVerified || !user.enabled || user.passwordHash === null) {
    throw new Unauthorized('The request you have made requires authentication.', { userId: d.userId });
  }
  if (typeof d.passwordHash !== 'string' || d.passwordHash.length === 0) {
    throw new InvalidInput("Invalid input for field 'password': a value is required.", { field: 'password' });
  }
  return [{ type: 'UserPasswordChanged', data: { userId: d.userId, passwordHash: d.passwordHash, changedAt: command.metadata.now, selfService: true } }];
}

export function deleteUser(command: DeleteUser, state: UserState): UserEvent[] {
  const user = activeUser(state, command.data.userId);
  return [{ type: 'UserDeleted', data: { userId: user.userId, domainId: user.domainId, name: user.name } }];
}

export function decideUser(command: UserCommand, state: UserState): UserEvent[] {
  switch (command.type) {
    case 'CreateUser':
      return createUser(command, state);
    case 'UpdateUser':
      return updateUser(command, state);
    case 'ChangeUserPassword':
      return changeUserPassword(command, state);
    case 'DeleteUser':
      return deleteUser(command, state);
    default:
      return assertNever(command);
  }
}
