/** No, an unknown, an expired or a revoked X-Auth-Token: each service answers 401 in its own dialect. */
export class Unauthenticated extends Error {
  constructor(readonly reason: string) {
    super('The request you have made requires authentication.');
    this.name = 'Unauthenticated';
  }
}

/** The token is valid but its roles do not satisfy the policy rule (e.g. `identity:create_project`): 403. */
export class PolicyDenied extends Error {
  constructor(readonly rule: string) {
    super(`You are not authorized to perform the requested action: ${rule}.`);
    this.name = 'PolicyDenied';
  }
}
