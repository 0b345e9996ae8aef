import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { TokenContext } from '../../../../infra/identity/identity-model';
import { TokenIndex } from '../../../../infra/identity/token-index';
import { TOKEN_INDEX } from '../runtime.tokens';
import { Unauthenticated } from './auth-errors';

/** Where the guard leaves the validated token on the request. */
const TOKEN_KEY = 'strataToken';
type WithToken = { [TOKEN_KEY]?: TokenContext; headers: Record<string, string | string[] | undefined> };

export function authTokenHeader(request: { headers: Record<string, string | string[] | undefined> }, name = 'x-auth-token'): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * X-Auth-Token → TokenContext from the in-memory TokenIndex (never the store); 401 otherwise.
 * Every service guards its routes with it and reads the token with `@CurrentToken()`.
 */
@Injectable()
export class TokenGuard implements CanActivate {
  constructor(@Inject(TOKEN_INDEX) private readonly tokens: TokenIndex) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<WithToken>();
    const value = authTokenHeader(request);
    if (!value) throw new Unauthenticated('missing');
    const result = this.tokens.validate(value);
    if (!result.valid) throw new Unauthenticated(result.reason);
    request[TOKEN_KEY] = result.token;
    return true;
  }
}

export const CurrentToken = createParamDecorator((_: unknown, context: ExecutionContext): TokenContext => {
  const token = context.switchToHttp().getRequest<WithToken>()[TOKEN_KEY];
  if (!token) throw new Unauthenticated('missing');
  return token;
});
