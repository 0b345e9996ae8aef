import { Command } from '../../kernel';
import { PolicyExtra } from './events';

/** Keystone keeps policy blobs opaque: any string of any `type` (policy/schema.py). */
export type CreatePolicy = Command<'CreatePolicy', { policyId: string; type: string; blob: string; extra?: PolicyExtra }>;
export type UpdatePolicy = Command<'UpdatePolicy', { policyId: string; type?: string; blob?: string; extra?: PolicyExtra }>;
export type DeletePolicy = Command<'DeletePolicy', { policyId: string }>;

export type PolicyCommand = CreatePolicy | UpdatePolicy | DeletePolicy;
