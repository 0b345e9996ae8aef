import { validateProjections } from '../../infra/projections/sql';
import { ALL_PROJECTIONS } from '../../projections';
import { APPLICATION_CREDENTIAL_SECRETS_TABLE, IDENTITY_PROJECTIONS, USER_CREDENTIALS_TABLE } from '../../projections/identity';
import { bootstrappedCloud, foldStrictly, IdentityEvent, PASSWORD_HASH, rowsOf, SECRET_HASH } from './identity-scenario';

/** Every identity event type a read model shows (tokens and name reservations have none yet); the compiler keeps it complete. */
const PROJECTED: Record<IdentityEvent['type'], true> = {
  DomainCreated: true,
  DomainUpdated: true,
  DomainDeleted: true,
  ProjectCreated: true,
  ProjectUpdated: true,
  ProjectTagsReplaced: true,
  ProjectTagAdded: true,
  ProjectTagRemoved: true,
  ProjectDeleted: true,
  UserCreated: true,
  UserUpdated: true,
  UserEnabled: true,
  UserDisabled: true,
  UserPasswordChanged: true,
  UserDeleted: true,
  GroupCreated: true,
  GroupUpdated: true,
  GroupDeleted: true,
  UserAddedToGroup: true,
  UserRemovedFromGroup: true,
  RoleCreated: true,
  RoleUpdated: true,
  RoleDeleted: true,
  RoleImplicationAdded: true,
  RoleImplicationRemoved: true,
  RoleAssigned: true,
  RoleUnassigned: true,
  ApplicationCredentialCreated: true,
  ApplicationCredentialDeleted: true,
  AccessRuleCreated: true,
  AccessRuleDeleted: true,
  RegionCreated: true,
  RegionUpdated: true,
  RegionDeleted: true,
  ServiceCreated: true,
  ServiceUpdated: true,
  ServiceDeleted: true,
  EndpointCreated: true,
  EndpointUpdated: true,
  EndpointDeleted: true,
  TrustCreated: true,
  TrustUseConsumed: true,
  TrustDeleted: true,
};

const SECRET_TABLES = [USER_CREDENTIALS_TABLE, APPLICATION_CREDENTIAL_SECRETS_TABLE];

describe('identity projections', () => {
  it('are registered and valid for the engine (names, tables, columns, indexes)', () => {
    expect(ALL_PROJECTIONS).toEqual(expect.arrayContaining(IDENTITY_PROJECTIONS));
    expect(() => validateProjections(ALL_PROJECTIONS)).not.toThrow();
  });

  it('handle every projected identity event type in exactly one projection', () => {
    const handled = IDENTITY_PROJECTIONS.flatMap((p) => p.eventTypes);
    expect([...handled].sort()).toEqual(Object.keys(PROJECTED).sort());
  });

  it('keep password and secret hashes out of every table that list and show read', () => {
    const s = bootstrappedCloud();
    for (const projection of IDENTITY_PROJECTIONS) {
      const rows = foldStrictly(projection, s.recorded());
      for (const table of projection.tables.filter((t) => !SECRET_TABLES.includes(t.name))) {
        expect({ table: table.name, columns: Object.keys(table.columns).filter((c) => /hash|secret|password$/.test(c)) }).toEqual({ table: table.name, columns: [] });
        const text = JSON.stringify(rowsOf(rows, table.name));
        expect(text).not.toContain(PASSWORD_HASH);
        expect(text).not.toContain(SECRET_HASH);
      }
    }
  });
});
