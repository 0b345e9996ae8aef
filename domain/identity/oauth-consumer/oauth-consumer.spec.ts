import { Conflict, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { OAuthConsumerCommand, oauthConsumerDecider, OAuthConsumerEvent } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(oauthConsumerDecider);
const create: OAuthConsumerCommand = { type: 'CreateOAuthConsumer', data: { consumerId: 'oc1', secretHash: '$scrypt$x' }, metadata };
const created: OAuthConsumerEvent = { type: 'OAuthConsumerCreated', data: { consumerId: 'oc1', description: null, secretHash: '$scrypt$x', extra: {} } };

describe('oauth consumer', () => {
  it('creates a consumer holding only the secret hash', () => {
    spec.given([]).when(create).then([created]);
  });

  it('refuses a duplicate id', () => {
    spec.given([created]).when(create).thenThrows(Conflict);
  });

  it('updates the description, and does nothing when it is unchanged', () => {
    const update = (description: string | null): OAuthConsumerCommand => ({ type: 'UpdateOAuthConsumer', data: { consumerId: 'oc1', description }, metadata });
    spec.given([created]).when(update('CI')).then([{ type: 'OAuthConsumerUpdated', data: { consumerId: 'oc1', description: 'CI' } }]);
    spec.given([created]).when(update(null)).thenNothingHappens();
  });

  it('deletes it, then answers NotFound', () => {
    const remove: OAuthConsumerCommand = { type: 'DeleteOAuthConsumer', data: { consumerId: 'oc1' }, metadata };
    const deleted: OAuthConsumerEvent = { type: 'OAuthConsumerDeleted', data: { consumerId: 'oc1' } };
    spec.given([created]).when(remove).then([deleted]);
    spec.given([created, deleted]).when(remove).thenThrows(NotFound);
  });
});
