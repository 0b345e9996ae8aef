import { categoryOf } from '../kernel';
import {
  projectStream,
  uniqueApplicationCredentialNameStream,
  uniqueDomainNameStream,
  uniqueProjectNameStream,
  uniqueRoleNameStream,
  uniqueUserNameStream,
  userStream,
} from '.';

describe('identity streams', () => {
  it('puts aggregates in their Keystone category', () => {
    expect(categoryOf(userStream('u1'))).toBe('user');
    expect(categoryOf(projectStream('p1'))).toBe('project');
  });

  it('puts every reservation in the unique category', () => {
    expect(categoryOf(uniqueUserNameStream('default', 'alice'))).toBe('unique');
  });

  it('folds case, as Keystone treats names case-insensitively', () => {
    expect(uniqueUserNameStream('default', 'MyUser')).toBe(uniqueUserNameStream('default', 'myuser'));
    expect(uniqueRoleNameStream(null, 'Member')).toBe('unique-role-name-global-member');
  });

  it('scopes a name by its domain', () => {
    expect(uniqueProjectNameStream('d1', 'demo')).not.toBe(uniqueProjectNameStream('d2', 'demo'));
  });

  it('keeps odd characters readable and unambiguous', () => {
    expect(uniqueDomainNameStream('Ops Team/Ü')).toBe('unique-domain-name-ops%20team%2F%C3%BC');
  });

  it('scopes application credential names by user', () => {
    expect(uniqueApplicationCredentialNameStream('u1', 'CI')).toBe('unique-appcred-name-u1-ci');
  });
});
