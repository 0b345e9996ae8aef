import { TokenEvent, TokenIssued } from './events';

export type Token = TokenIssued['data'];

export type TokenState = { status: 'absent' } | { status: 'issued'; token: Token } | { status: 'revoked'; token: Token; reason: string };

export const initialTokenState: TokenState = { status: 'absent' };

export function evolveToken(state: TokenState, event: TokenEvent): TokenState {
  switch (event.type) {
    case 'TokenIssued':
      return { status: 'issued', token: event.data };
    case 'TokenRevoked':
      return state.status === 'issued' ? { status: 'revoked', token: state.token, reason: event.data.reason } : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
