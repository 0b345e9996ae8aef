import { DomainEvent } from '../../kernel';
import { OptionValue } from '../validation';

/** Attributes beyond type and blob, which Keystone keeps and returns (`additionalProperties: true`). */
export type PolicyExtra = Readonly<Record<string, OptionValue>>;

export type PolicyCreated = DomainEvent<'PolicyCreated', { policyId: string; type: string; blob: string; extra: PolicyExtra }>;
/** Only the fields that changed; `extra` is the merged result. */
export type PolicyUpdated = DomainEvent<'PolicyUpdated', { policyId: string; type?: string; blob?: string; extra?: PolicyExtra }>;
export type PolicyDeleted = DomainEvent<'PolicyDeleted', { policyId: string }>;

export type PolicyEvent = PolicyCreated | PolicyUpdated | PolicyDeleted;
