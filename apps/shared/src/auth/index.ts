export * from './auth-errors';
export * from './policy';
export * from './request-context';
export * from './token.guard';
export type { TokenContext } from '../../../../infra/identity/identity-model';
