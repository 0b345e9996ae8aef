import { at, recordedStream as recorded } from '../../test/support/recorded-stream';
import { foldStrictly, rowsOf } from '../../test/projections/identity-scenario';
import { identityOAuthConsumersProjection as projection, OAUTH_CONSUMER_SECRETS_TABLE, OAUTH_CONSUMERS_TABLE } from './oauth-consumers';


describe('identity_oauth_consumers projection', () => {
  it('keeps the secret hash apart from the table list and show read, and drops both on delete', () => {
    const events = recorded('oauthconsumer-oc1', [
      { type: 'OAuthConsumerCreated', data: { consumerId: 'oc1', description: null, secretHash: '$scrypt$x', extra: {} } },
      { type: 'OAuthConsumerUpdated', data: { consumerId: 'oc1', description: 'CI' } },
    ]);
    const rows = foldStrictly(projection, events);
    expect(rowsOf(rows, OAUTH_CONSUMERS_TABLE)).toEqual([{ id: 'oc1', description: 'CI', extra: {}, created_at: at(1), updated_at: at(2), stream_version: 1 }]);
    expect(rowsOf(rows, OAUTH_CONSUMER_SECRETS_TABLE)).toEqual([{ id: 'oc1', secret_hash: '$scrypt$x' }]);
    const deleted = foldStrictly(projection, recorded('oauthconsumer-oc1', [...events, { type: 'OAuthConsumerDeleted', data: { consumerId: 'oc1' } }]));
    expect([...rowsOf(deleted, OAUTH_CONSUMERS_TABLE), ...rowsOf(deleted, OAUTH_CONSUMER_SECRETS_TABLE)]).toEqual([]);
  });
});
