import { assertNever, Decider, DomainEvent, Command, Forbidden, NotFound } from '../../kernel';
import { AccessRule } from './events';

/**
 * Keystone's access rules belong to a user and outlive the application credentials that use them
 * (GET/DELETE /v3/users/{user_id}/access_rules). The id is derived in infra from
 * (user, service, method, path), so Keystone's one-rule-per-triple constraint is this stream's.
 */
export const accessRuleStream = (accessRuleId: string) => `accessrule-${accessRuleId}`;

export type AccessRuleCreated = DomainEvent<'AccessRuleCreated', Required<AccessRule> & { userId: string }>;
export type AccessRuleDeleted = DomainEvent<'AccessRuleDeleted', { id: string; userId: string }>;
export type AccessRuleEvent = AccessRuleCreated | AccessRuleDeleted;

/** Creating a rule that exists already is a no-op: the credential references the existing one. */
export type CreateAccessRule = Command<'CreateAccessRule', Required<AccessRule> & { userId: string }>;
/** `usedBy`: the application credentials referencing the rule, as infra found them. */
export type DeleteAccessRule = Command<'DeleteAccessRule', { id: string; userId: string; usedBy: string[] }>;
export type AccessRuleCommand = CreateAccessRule | DeleteAccessRule;

export type AccessRuleState = { status: 'absent' } | { status: 'active'; rule: AccessRuleCreated['data'] } | { status: 'deleted'; rule: AccessRuleCreated['data'] };

export function evolveAccessRule(state: AccessRuleState, event: AccessRuleEvent): AccessRuleState {
  switch (event.type) {
    case 'AccessRuleCreated':
      return { status: 'active', rule: event.data };
    case 'AccessRuleDeleted':
      return state.status === 'active' ? { status: 'deleted', rule: state.rule } : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

export function decideAccessRule(command: AccessRuleCommand, state: AccessRuleState): AccessRuleEvent[] {
  switch (command.type) {
    case 'CreateAccessRule':
      return state.status === 'active' ? [] : [{ type: 'AccessRuleCreated', data: { ...command.data } }];
    case 'DeleteAccessRule': {
      const d = command.data;
      if (state.status !== 'active' || state.rule.userId !== d.userId) throw new NotFound(`Could not find access rule: ${d.id}.`, { id: d.id });
      // Keystone's ForbiddenNotSecurity from the foreign key of application_credential_access_rule.
      if (d.usedBy.length > 0) throw new Forbidden('May not delete access rule in use', { id: d.id, usedBy: d.usedBy });
      return [{ type: 'AccessRuleDeleted', data: { id: d.id, userId: d.userId } }];
    }
    default:
      return assertNever(command);
  }
}

export const accessRuleDecider: Decider<AccessRuleCommand, AccessRuleEvent, AccessRuleState> = {
  initialState: { status: 'absent' },
  evolve: evolveAccessRule,
  decide: decideAccessRule,
};
