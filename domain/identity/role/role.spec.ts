import { Conflict, Forbidden, InvalidInput, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { AddRoleImplication, CreateRole, RoleCommand, RoleCreated, roleDecider, RoleEvent, UpdateRole } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(roleDecider);

const create = (data: Partial<CreateRole['data']> = {}): RoleCommand => ({ type: 'CreateRole', data: { roleId: 'r-member', name: 'member', ...data }, metadata });
const update = (data: Omit<UpdateRole['data'], 'roleId'>): RoleCommand => ({ type: 'UpdateRole', data: { roleId: 'r-member', ...data }, metadata });
const remove: RoleCommand = { type: 'DeleteRole', data: { roleId: 'r-member' }, metadata };
const imply = (impliedRole: AddRoleImplication['data']['impliedRole'], prohibitedImpliedRoles?: string[]): RoleCommand => ({
  type: 'AddRoleImplication',
  data: { priorRoleId: 'r-member', impliedRole, ...(prohibitedImpliedRoles ? { prohibitedImpliedRoles } : {}) },
  metadata,
});
const unimply = (impliedRoleId: string): RoleCommand => ({ type: 'RemoveRoleImplication', data: { priorRoleId: 'r-member', impliedRoleId }, metadata });

const created = (data: Partial<RoleCreated['data']> = {}): RoleEvent => ({
  type: 'RoleCreated',
  data: { roleId: 'r-member', name: 'member', domainId: null, description: null, options: {}, ...data },
});
const reader = { roleId: 'r-reader', name: 'reader', domainId: null };
const implied: RoleEvent = { type: 'RoleImplicationAdded', data: { priorRoleId: 'r-member', impliedRoleId: 'r-reader' } };
const deleted: RoleEvent = { type: 'RoleDeleted', data: { roleId: 'r-member', name: 'member', domainId: null } };

describe('role', () => {
  describe('when absent', () => {
    it('creates a global role with a null description', () => {
      spec.given([]).when(create()).then([created()]);
    });

    it('creates a domain-specific role', () => {
      spec.given([]).when(create({ domainId: 'd1', description: 'x' })).then([created({ domainId: 'd1', description: 'x' })]);
    });

    it('rejects a name longer than 255 characters', () => {
      spec.given([]).when(create({ name: 'x'.repeat(256) })).thenThrows(InvalidInput);
    });

    it('answers NotFound to an update', () => {
      spec.given([]).when(update({ name: 'x' })).thenThrows(NotFound, (e) => expect(e.message).toBe('Could not find role: r-member.'));
    });

    it('answers NotFound to an implication', () => {
      spec.given([]).when(imply(reader)).thenThrows(NotFound);
    });
  });

  describe('when active', () => {
    it('refuses a second create with the same id', () => {
      spec.given([created()]).when(create()).thenThrows(Conflict);
    });

    it('records only the fields that changed', () => {
      spec.given([created()]).when(update({ name: 'member', description: 'Member' })).then([{ type: 'RoleUpdated', data: { roleId: 'r-member', description: 'Member' } }]);
    });

    it('does nothing when nothing changes', () => {
      spec.given([created()]).when(update({ name: 'member' })).thenNothingHappens();
    });

    it('deletes the role with what is needed to release its name', () => {
      spec.given([created()]).when(remove).then([deleted]);
    });

    it('records an implication on the prior role', () => {
      spec.given([created()]).when(imply(reader)).then([implied]);
    });

    it('rejects a role implying itself', () => {
      spec.given([created()]).when(imply({ roleId: 'r-member', name: 'member', domainId: null })).thenThrows(InvalidInput);
    });

    it('forbids implying admin, Keystone’s default prohibited implied role (InvalidImpliedRole, 403)', () => {
      spec
        .given([created()])
        .when(imply({ roleId: 'r-admin', name: 'admin', domainId: null }))
        .thenThrows(Forbidden, (e) => expect(e.message).toBe('r-admin cannot be an implied roles.'));
    });

    it('follows a configured prohibited list', () => {
      spec.given([created()]).when(imply({ roleId: 'r-admin', name: 'admin', domainId: null }, [])).then([
        { type: 'RoleImplicationAdded', data: { priorRoleId: 'r-member', impliedRoleId: 'r-admin' } },
      ]);
    });

    it('forbids a global role implying a domain-specific one, as Keystone does (403)', () => {
      spec
        .given([created()])
        .when(imply({ roleId: 'r-ops', name: 'ops', domainId: 'd1' }))
        .thenThrows(Forbidden, (e) => expect(e.message).toBe('Global role cannot imply a domain-specific role'));
    });

    it('lets a domain-specific role imply a global one', () => {
      spec.given([created({ domainId: 'd1' })]).when(imply(reader)).then([implied]);
    });

    it('answers NotFound when removing an implication that does not exist', () => {
      spec.given([created()]).when(unimply('r-reader')).thenThrows(NotFound);
    });
  });

  describe('when it implies another role', () => {
    it('does nothing when the implication is added again', () => {
      spec.given([created(), implied]).when(imply(reader)).thenNothingHappens();
    });

    it('removes its implications, one event each, before the role on delete', () => {
      const alsoImplied: RoleEvent = { type: 'RoleImplicationAdded', data: { priorRoleId: 'r-member', impliedRoleId: 'r-other' } };
      spec
        .given([created(), implied, alsoImplied])
        .when(remove)
        .then([
          { type: 'RoleImplicationRemoved', data: { priorRoleId: 'r-member', impliedRoleId: 'r-reader' } },
          { type: 'RoleImplicationRemoved', data: { priorRoleId: 'r-member', impliedRoleId: 'r-other' } },
          deleted,
        ]);
    });

    it('removes the implication', () => {
      spec.given([created(), implied]).when(unimply('r-reader')).then([{ type: 'RoleImplicationRemoved', data: { priorRoleId: 'r-member', impliedRoleId: 'r-reader' } }]);
    });
  });

  describe('when immutable', () => {
    it('refuses an update', () => {
      spec.given([created({ options: { immutable: true } })]).when(update({ name: 'x' })).thenThrows(Forbidden);
    });

    it('refuses a delete', () => {
      spec.given([created({ options: { immutable: true } })]).when(remove).thenThrows(Forbidden);
    });
  });

  describe('when deleted', () => {
    it('answers NotFound to a second delete', () => {
      spec.given([created(), deleted]).when(remove).thenThrows(NotFound);
    });

    it('answers NotFound to an implication', () => {
      spec.given([created(), deleted]).when(imply(reader)).thenThrows(NotFound);
    });
  });
});
