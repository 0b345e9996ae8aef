import { foldStrictly, IdentityScenario, rowsOf } from '../../test/projections/identity-scenario';
import { ACCESS_RULES_TABLE, APPLICATION_CREDENTIAL_SECRETS_TABLE, APPLICATION_CREDENTIALS_TABLE, identityApplicationCredentialsProjection as projection, microsecondInstant } from './application-credentials';

const SECRET_HASH = '$scrypt$N=16384,r=8,p=1$YXBwc2FsdA$c2VjcmV0LWhhc2g';

function monitoring(s: IdentityScenario) {
  return s.add('ApplicationCredentialCreated', {
    id: 'ac1',
    userId: 'u1',
    projectId: 'p1',
    name: 'Monitoring',
    description: 'prometheus scraper',
    secretHash: SECRET_HASH,
    roleIds: ['r-reader', 'r-member'],
    expiresAt: '2027-01-01T00:00:00.000Z',
    unrestricted: false,
    accessRules: [{ service: 'compute', method: 'GET', path: '/v2.1/servers' }],
  });
}

describe('identity_application_credentials projection', () => {
  it('names the credential row and its secret row', () => {
    const s = new IdentityScenario();
    monitoring(s);
    expect(projection.rowsFor(s.recorded()[0])).toEqual([
      { table: APPLICATION_CREDENTIALS_TABLE, key: 'ac1' },
      { table: APPLICATION_CREDENTIAL_SECRETS_TABLE, key: 'ac1' },
    ]);
  });

  it('records a created credential, its secret hash only in the secrets table', () => {
    const s = new IdentityScenario();
    const at = monitoring(s);
    const rows = foldStrictly(projection, s.recorded());
    expect(rowsOf(rows, APPLICATION_CREDENTIALS_TABLE)).toEqual([
      {
        id: 'ac1',
        user_id: 'u1',
        project_id: 'p1',
        name: 'Monitoring',
        name_key: 'monitoring',
        description: 'prometheus scraper',
        roles: [{ id: 'r-reader' }, { id: 'r-member' }],
        expires_at: '2027-01-01T00:00:00.000000Z',
        unrestricted: false,
        access_rules: [{ service: 'compute', method: 'GET', path: '/v2.1/servers' }],
        created_at: at,
        updated_at: at,
        stream_version: 0,
      },
    ]);
    expect(rowsOf(rows, APPLICATION_CREDENTIAL_SECRETS_TABLE)).toEqual([{ id: 'ac1', user_id: 'u1', secret_hash: SECRET_HASH }]);
    expect(JSON.stringify(rowsOf(rows, APPLICATION_CREDENTIALS_TABLE))).not.toContain(SECRET_HASH);
    expect(Object.keys(projection.tables.find((t) => t.name === APPLICATION_CREDENTIALS_TABLE)!.columns).filter((c) => /hash|secret/.test(c))).toEqual([]);
  });

  it('defaults to no access rules and no expiry', () => {
    const s = new IdentityScenario();
    s.add('ApplicationCredentialCreated', { id: 'ac2', userId: 'u1', projectId: 'p1', name: 'ci', description: null, secretHash: SECRET_HASH, roleIds: [], expiresAt: null, unrestricted: true });
    const rows = foldStrictly(projection, s.recorded());
    expect(rows.get(APPLICATION_CREDENTIALS_TABLE, 'ac2')).toMatchObject({ description: null, roles: [], expires_at: null, unrestricted: true, access_rules: [] });
  });

  it('removes a deleted credential and its secret', () => {
    const s = new IdentityScenario();
    monitoring(s);
    s.add('ApplicationCredentialCreated', { id: 'ac2', userId: 'u1', projectId: 'p1', name: 'ci', description: null, secretHash: 'other-hash', roleIds: [], expiresAt: null, unrestricted: false });
    s.add('ApplicationCredentialDeleted', { id: 'ac1', userId: 'u1', name: 'Monitoring' });
    const rows = foldStrictly(projection, s.recorded());
    expect(rowsOf(rows, APPLICATION_CREDENTIALS_TABLE).map((r) => r.id)).toEqual(['ac2']);
    expect(rowsOf(rows, APPLICATION_CREDENTIAL_SECRETS_TABLE)).toEqual([{ id: 'ac2', user_id: 'u1', secret_hash: 'other-hash' }]);
  });

  it('keeps the microseconds of the expiry as recorded (Keystone returns them)', () => {
    const s = new IdentityScenario();
    s.add('ApplicationCredentialCreated', { id: 'ac3', userId: 'u1', projectId: 'p1', name: 'x', description: null, secretHash: SECRET_HASH, roleIds: ['r'], expiresAt: '2026-11-25T12:05:36.878353Z', unrestricted: false });
    expect(foldStrictly(projection, s.recorded()).get(APPLICATION_CREDENTIALS_TABLE, 'ac3')).toMatchObject({ expires_at: '2026-11-25T12:05:36.878353Z' });
  });

  it('keeps a user access rule until it is deleted, whatever happens to the credentials using it', () => {
    const s = new IdentityScenario();
    const at = s.add('AccessRuleCreated', { id: 'ar1', userId: 'u1', service: 'compute', method: 'GET', path: '/v2.1/servers/*/ips' });
    s.add('ApplicationCredentialCreated', {
      id: 'ac1', userId: 'u1', projectId: 'p1', name: 'n', description: null, secretHash: SECRET_HASH, roleIds: ['r'], expiresAt: null, unrestricted: false,
      accessRules: [{ id: 'ar1', service: 'compute', method: 'GET', path: '/v2.1/servers/*/ips' }],
    });
    s.add('ApplicationCredentialDeleted', { id: 'ac1', userId: 'u1', name: 'n' });
    expect(rowsOf(foldStrictly(projection, s.recorded()), ACCESS_RULES_TABLE)).toEqual([
      { id: 'ar1', user_id: 'u1', service: 'compute', method: 'GET', path: '/v2.1/servers/*/ips', created_at: at },
    ]);
    s.add('AccessRuleDeleted', { id: 'ar1', userId: 'u1' });
    expect(rowsOf(foldStrictly(projection, s.recorded()), ACCESS_RULES_TABLE)).toEqual([]);
  });
});

describe('microsecondInstant', () => {
  it.each([
    ['2026-11-25T12:05:36.878353', '2026-11-25T12:05:36.878353Z'],
    ['2026-11-25T12:05:36Z', '2026-11-25T12:05:36.000000Z'],
    ['2026-11-25T12:05:36.5+00:00', '2026-11-25T12:05:36.500000Z'],
    ['2026-11-25T14:05:36.123+02:00', '2026-11-25T12:05:36.123000Z'],
  ])('%s → %s', (recorded, expected) => {
    expect(microsecondInstant(recorded)).toBe(expected);
  });
});
