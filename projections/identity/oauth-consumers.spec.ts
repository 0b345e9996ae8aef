import { RecordedEvent, SYSTEM_ACTOR } from '../../domain/kernel';
import { FIXED_NOW } from '../../test/support/decider-spec';
import { foldStrictly, rowsOf } from '../../test/projections/identity-scenario';
import { identityOAuthConsumersProjection as projection, OAUTH_CONSUMER_SECRETS_TABLE, OAUTH_CONSUMERS_TABLE } from './oauth-consumers';

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
