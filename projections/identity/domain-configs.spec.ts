import { RecordedEvent, SYSTEM_ACTOR } from '../../domain/kernel';
import { FIXED_NOW } from '../../test/support/decider-spec';
import { foldStrictly, rowsOf } from '../../test/projections/identity-scenario';
import { DOMAIN_CONFIGS_TABLE, identityDomainConfigsProjection as projection } from './domain-configs';

const at = (n: number) => new Date(Date.parse(FIXED_NOW) + n * 1000).toISOString();
/** Events of one stream as the store records them: versions from 0, one second apart. */
function recorded(stream: string, events: Array<{ type: string; data: unknown }>): RecordedEvent[] {
  return events.map((e, i) => ({
    id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    stream,
    version: BigInt(i),
    position: String(i + 1).padStart(20, '0'),
    type: e.type,
    data: e.data,
    metadata: { correlationId: 'c', causationId: 'c', requestId: `req-${i}`, actor: SYSTEM_ACTOR, occurredAt: at(i + 1), schemaVersion: 1 },
    recordedAt: new Date(at(i + 1)),
  }));
}

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
