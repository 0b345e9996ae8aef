import { at, recordedStream as recorded } from '../../test/support/recorded-stream';
import { foldStrictly, rowsOf } from '../../test/projections/identity-scenario';
import { CREDENTIALS_TABLE, identityCredentialsProjection as projection } from './credentials';


describe('identity_credentials projection', () => {
  const sealed = { ciphertext: 'AAAA', keyId: 'k1' };
  const events = recorded('credential-c1', [
    { type: 'CredentialCreated', data: { credentialId: 'c1', userId: 'u1', projectId: 'p1', type: 'ec2', blob: sealed } },
    { type: 'CredentialUpdated', data: { credentialId: 'c1', projectId: 'p2', blob: { ciphertext: 'BBBB', keyId: 'k1' } } },
  ]);

  it('keeps the blob sealed and applies only the changed fields', () => {
    const rows = foldStrictly(projection, events);
    expect(rowsOf(rows, CREDENTIALS_TABLE)).toEqual([
      { id: 'c1', user_id: 'u1', project_id: 'p2', type: 'ec2', blob_ciphertext: 'BBBB', key_id: 'k1', created_at: at(1), updated_at: at(2), stream_version: 1 },
    ]);
  });

  it('ignores an event it already applied, and removes a deleted credential', () => {
    const rows = foldStrictly(projection, [...events, events[0]]);
    expect(rows.get(CREDENTIALS_TABLE, 'c1')).toMatchObject({ project_id: 'p2', stream_version: 1 });
    const deleted = recorded('credential-c1', [...events, { type: 'CredentialDeleted', data: { credentialId: 'c1', userId: 'u1' } }]);
    expect(rowsOf(foldStrictly(projection, deleted), CREDENTIALS_TABLE)).toEqual([]);
  });
});
