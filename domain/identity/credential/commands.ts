import { Command } from '../../kernel';
import { SealedBlob } from './events';

/**
 * The API validates and encrypts the blob before the command exists: the decider sees only the
 * ciphertext. An ec2 credential's id is sha256(access), chosen by infra (Keystone `_assign_unique_id`).
 */
export type CreateCredential = Command<'CreateCredential', { credentialId: string; userId: string; projectId: string | null; type: string; blob: SealedBlob }>;
export type UpdateCredential = Command<'UpdateCredential', { credentialId: string; userId?: string; projectId?: string | null; type?: string; blob?: SealedBlob }>;
export type DeleteCredential = Command<'DeleteCredential', { credentialId: string }>;

export type CredentialCommand = CreateCredential | UpdateCredential | DeleteCredential;
