import { Command } from '../../kernel';
import { KeypairCreated } from './events';

export type CreateKeypair = Command<'CreateKeypair', KeypairCreated['data']>;
export type DeleteKeypair = Command<'DeleteKeypair', { userId: string; name: string }>;

export type KeypairCommand = CreateKeypair | DeleteKeypair;
