import { DomainEvent } from '../../kernel';
import { QuotaLimits } from './quotas';

/** The limits changed by one call (os-quota-sets PUT); the others keep their value. */
export type QuotaSetUpdated = DomainEvent<'QuotaSetUpdated', { projectId: string; limits: Partial<QuotaLimits> }>;
/** DELETE os-quota-sets/{project}: back to the defaults. */
export type QuotaSetReverted = DomainEvent<'QuotaSetReverted', { projectId: string }>;

export type QuotaEvent = QuotaSetUpdated | QuotaSetReverted;

/** The limits of a quota class changed by one call; the others keep their value. */
export type QuotaClassSetUpdated = DomainEvent<'QuotaClassSetUpdated', { className: string; limits: Record<string, number> }>;
export type QuotaClassEvent = QuotaClassSetUpdated;
