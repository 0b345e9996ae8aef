import { DomainError } from '../kernel';

/**
 * Keystone answers 401 when a self-service password change presents a wrong original password
 * or comes from a disabled user (identity `change_password` → `Unauthorized`); no kernel error maps to 401.
 */
export class Unauthorized extends DomainError {
  readonly code = 'Unauthorized';
}
