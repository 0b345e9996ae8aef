import { at, recordedStream as recorded } from '../../test/support/recorded-stream';
import { foldStrictly, rowsOf } from '../../test/projections/identity-scenario';
import { DOMAIN_CONFIGS_TABLE, identityDomainConfigsProjection as projection } from './domain-configs';


describe('identity_domain_configs projection', () => {
  const sealed = { ciphertext: 'AAAA', keyId: 'k1' };
  const events = recorded('domainconfig-d1', [
    { type: 'DomainConfigCreated', data: { domainId: 'd1', options: { identity: { driver: 'ldap' }, ldap: { url: 'ldap://a' } }, sensitive: { ldap: { password: sealed } } } },
    { type: 'DomainConfigUpdated', data: { domainId: 'd1', options: { identity: { list_limit: 5 } }, sensitive: {} } },
    { type: 'DomainConfigOptionsRemoved', data: { domainId: 'd1', group: 'ldap', option: null } },
  ]);

  it('merges updates, drops removed groups from both halves, and keeps the sensitive half sealed', () => {
    expect(rowsOf(foldStrictly(projection, events), DOMAIN_CONFIGS_TABLE)).toEqual([
      { domain_id: 'd1', config: { identity: { driver: 'ldap', list_limit: 5 } }, sealed: {}, created_at: at(1), updated_at: at(3), stream_version: 2 },
    ]);
    expect(foldStrictly(projection, events.slice(0, 1)).get(DOMAIN_CONFIGS_TABLE, 'd1')).toMatchObject({ sealed: { ldap: { password: sealed } } });
  });

  it('replaces the whole config on a second create and removes it on delete', () => {
    const more = recorded('domainconfig-d1', [
      ...events,
      { type: 'DomainConfigCreated', data: { domainId: 'd1', options: { ldap: { url: 'ldap://b' } }, sensitive: {} } },
    ]);
    expect(foldStrictly(projection, more).get(DOMAIN_CONFIGS_TABLE, 'd1')).toMatchObject({ config: { ldap: { url: 'ldap://b' } }, created_at: at(1), updated_at: at(4) });
    const deleted = recorded('domainconfig-d1', [...events, { type: 'DomainConfigDeleted', data: { domainId: 'd1' } }]);
    expect(rowsOf(foldStrictly(projection, deleted), DOMAIN_CONFIGS_TABLE)).toEqual([]);
  });
});
