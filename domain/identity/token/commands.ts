import { Command } from '../../kernel';
import { TokenIssued } from './events';

/** Authentication (password or token verification, roles, scope) happens before; `issuedAt` is `metadata.now`. */
export type IssueToken = Command<'IssueToken', Omit<TokenIssued['data'], 'issuedAt'>>;

export type RevokeToken = Command<'RevokeToken', { tokenId: string; reason: string }>;

export type TokenCommand = IssueToken | RevokeToken;
