/** Base of every rejection a decider may throw. `code` is stable: API layers map it to each dialect. */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFound extends DomainError {
  readonly code = 'NotFound';
}

export class Conflict extends DomainError {
  readonly code = 'Conflict';
}

export class InvalidState extends DomainError {
  readonly code = 'InvalidState';
}

export class QuotaExceeded extends DomainError {
  readonly code = 'QuotaExceeded';
}

export class Forbidden extends DomainError {
  readonly code = 'Forbidden';
}

export class InvalidInput extends DomainError {
  readonly code = 'InvalidInput';
}
