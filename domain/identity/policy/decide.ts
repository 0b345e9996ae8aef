import { assertNever, Conflict, InvalidInput, NotFound } from '../../kernel';
import { changedFields, isEmpty } from '../validation';
import { CreatePolicy, DeletePolicy, PolicyCommand, UpdatePolicy } from './commands';
import { PolicyEvent, PolicyUpdated } from './events';
import { Policy, PolicyState } from './state';

// Keystone policy/schema.py: `type` is a string of at most 255 characters.
const TYPE_MAX = 255;

function activePolicy(state: PolicyState, policyId: string): Policy {
  if (state.status !== 'active') throw new NotFound(`Could not find policy: ${policyId}.`, { policyId });
  return state.policy;
}

function requireType(type: string): void {
  if (type.length > TYPE_MAX) throw new InvalidInput(`Invalid input for field 'type': ${JSON.stringify(type)} is too long (maximum ${TYPE_MAX})`, { field: 'type' });
}

export function createPolicy(command: CreatePolicy, state: PolicyState): PolicyEvent[] {
  const d = command.data;
  if (state.status !== 'absent') throw new Conflict(`Conflict occurred attempting to store policy - Duplicate ID, ${d.policyId}.`, { policyId: d.policyId });
  requireType(d.type);
  return [{ type: 'PolicyCreated', data: { policyId: d.policyId, type: d.type, blob: d.blob, extra: d.extra ?? {} } }];
}

export function updatePolicy(command: UpdatePolicy, state: PolicyState): PolicyEvent[] {
  const d = command.data;
  const policy = activePolicy(state, d.policyId);
  if (d.type !== undefined) requireType(d.type);
  const extra = d.extra === undefined ? undefined : { ...policy.extra, ...d.extra };
  const changes = changedFields(policy, { type: d.type, blob: d.blob, extra }, ['type', 'blob', 'extra'] as const);
  if (isEmpty(changes)) return [];
  return [{ type: 'PolicyUpdated', data: { policyId: d.policyId, ...changes } as PolicyUpdated['data'] }];
}

export function deletePolicy(command: DeletePolicy, state: PolicyState): PolicyEvent[] {
  const policy = activePolicy(state, command.data.policyId);
  return [{ type: 'PolicyDeleted', data: { policyId: policy.policyId } }];
}

export function decidePolicy(command: PolicyCommand, state: PolicyState): PolicyEvent[] {
  switch (command.type) {
    case 'CreatePolicy':
      return createPolicy(command, state);
    case 'UpdatePolicy':
      return updatePolicy(command, state);
    case 'DeletePolicy':
      return deletePolicy(command, state);
    default:
      return assertNever(command);
  }
}
