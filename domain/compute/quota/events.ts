import { DomainEvent } from '../../kernel';
import { QuotaLimits } from './quotas';

/** The limits changed by one call (os-quota-sets PUT); the others keep their value. */
export type QuotaSetUpdated = DomainEvent<'QuotaSetUpdated', { projectId: string; limits: Partial<QuotaLimits> }>;
/** DELETE os-quota-sets/{project}: back to the defaults. */
export type QuotaSetReverted = DomainEvent<'QuotaSetReverted', { projectId: string }>;

export type QuotaEvent = QuotaSetUpdated | QuotaSetReverted;
