import { ConsumerExtra, OAuthConsumerEvent } from './events';

export interface OAuthConsumer {
  consumerId: string;
  description: string | null;
  secretHash: string;
  extra: ConsumerExtra;
}

export type OAuthConsumerState = { status: 'absent' } | { status: 'active'; consumer: OAuthConsumer } | { status: 'deleted'; consumer: OAuthConsumer };

export const initialOAuthConsumerState: OAuthConsumerState = { status: 'absent' };

export function evolveOAuthConsumer(state: OAuthConsumerState, event: OAuthConsumerEvent): OAuthConsumerState {
  switch (event.type) {
    case 'OAuthConsumerCreated':
      return { status: 'active', consumer: { ...event.data } };
    case 'OAuthConsumerUpdated': {
      if (state.status !== 'active') return state;
      const { consumerId: _id, ...changes } = event.data;
      return { status: 'active', consumer: { ...state.consumer, ...changes } };
    }
    case 'OAuthConsumerDeleted':
      return state.status === 'active' ? { status: 'deleted', consumer: state.consumer } : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
