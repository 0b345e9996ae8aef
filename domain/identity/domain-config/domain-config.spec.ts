import { Forbidden, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { checkDomainConfig, DomainConfigCommand, domainConfigDecider, DomainConfigEvent, DomainConfigOptions } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(domainConfigDecider);
const password = { ldap: { password: { ciphertext: 'AAAA', keyId: 'k1' } } };
const options: DomainConfigOptions = { identity: { driver: 'ldap' }, ldap: { url: 'ldap://myldap.com:389/' } };
const created: DomainConfigEvent = { type: 'DomainConfigCreated', data: { domainId: 'd1', options, sensitive: password } };
const update = (group: string | null, option: string | null, o: DomainConfigOptions): DomainConfigCommand => ({ type: 'UpdateDomainConfig', data: { domainId: 'd1', group, option, options: o, sensitive: {} }, metadata });
const remove = (group: string | null, option: string | null): DomainConfigCommand => ({ type: 'DeleteDomainConfig', data: { domainId: 'd1', group, option }, metadata });

describe('domain config', () => {
  it('creates a config, the sensitive options sealed apart', () => {
    spec.given([]).when({ type: 'CreateDomainConfig', data: { domainId: 'd1', options, sensitive: password }, metadata }).then([created]);
  });

  it('refuses (403) an empty config, an unsupported group or option', () => {
    expect(() => checkDomainConfig({})).toThrow(Forbidden);
    expect(() => checkDomainConfig({ ldap: {} })).toThrow('Invalid domain specific configuration: The value of group ldap specified in the config should be a dictionary of options.');
    expect(() => checkDomainConfig({ assignment: { driver: 'sql' } })).toThrow('Invalid domain specific configuration: Group assignment is not supported for domain specific configurations.');
    expect(() => checkDomainConfig({ ldap: { password_hash: 'x' } })).toThrow(Forbidden);
    expect(() => checkDomainConfig({ ldap: { url: 'ldap://x', password: 'p' } })).not.toThrow();
  });

  it('merges an update of one group', () => {
    spec
      .given([created])
      .when(update('identity', null, { identity: { driver: 'sql', list_limit: 7 } }))
      .then([{ type: 'DomainConfigUpdated', data: { domainId: 'd1', options: { identity: { driver: 'sql', list_limit: 7 } }, sensitive: {} } }]);
  });

  it('refuses a group update carrying another group (403) or naming a group not configured (404)', () => {
    spec.given([created]).when(update('identity', null, { ldap: { url: 'x' } })).thenThrows(Forbidden);
    spec.given([]).when(update('identity', null, { identity: { driver: 'sql' } })).thenThrows(NotFound);
    spec.given([created]).when(update('identity', 'list_limit', { identity: { list_limit: 3 } })).thenThrows(NotFound);
  });

  it('removes one option, a group, or the whole config', () => {
    spec.given([created]).when(remove('identity', 'driver')).then([{ type: 'DomainConfigOptionsRemoved', data: { domainId: 'd1', group: 'identity', option: 'driver' } }]);
    spec.given([created]).when(remove('ldap', null)).then([{ type: 'DomainConfigOptionsRemoved', data: { domainId: 'd1', group: 'ldap', option: null } }]);
    spec.given([created]).when(remove(null, null)).then([{ type: 'DomainConfigDeleted', data: { domainId: 'd1' } }]);
  });

  it('answers NotFound for an option already removed, and does nothing deleting no config', () => {
    const removed: DomainConfigEvent = { type: 'DomainConfigOptionsRemoved', data: { domainId: 'd1', group: 'identity', option: 'driver' } };
    spec.given([created, removed]).when(remove('identity', 'driver')).thenThrows(NotFound);
    spec.given([created, removed]).when(remove('identity', null)).thenThrows(NotFound);
    spec.given([]).when(remove(null, null)).thenNothingHappens();
  });
});
