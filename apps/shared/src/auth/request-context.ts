import { Actor, CommandMetadata, SYSTEM_ACTOR } from '../../../../domain/kernel';
import { TokenContext } from '../../../../infra/identity/identity-model';
import { newRequestId } from '../../../../infra/ids/ids';

export function actorOf(token: TokenContext | null): Actor {
  if (!token) return SYSTEM_ACTOR;
  const scope = token.scope;
  return {
    userId: token.user.id,
    projectId: scope.type === 'project' ? scope.project.id : null,
    domainId: scope.type === 'project' ? scope.project.domain.id : scope.type === 'domain' ? scope.domain.id : null,
    roles: token.roles.map((r) => r.name),
  };
}

/**
 * The request's context as command metadata: the request id is the `x-openstack-request-id` the
 * response carries (http.ts takes the client's when it sent a valid one, so a retry is recognised),
 * the actor comes from the token, the correlation id from the request unless a caller chains one.
 */
export function commandMetadata(request: { id?: string }, token: TokenContext | null, now: Date = new Date(), correlationId?: string): CommandMetadata {
  const requestId = typeof request.id === 'string' && request.id.startsWith('req-') ? request.id : newRequestId();
  return { requestId, correlationId: correlationId ?? requestId.slice(4), causationId: requestId, actor: actorOf(token), now: now.toISOString() };
}
