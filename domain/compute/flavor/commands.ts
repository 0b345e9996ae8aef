import { Command } from '../../kernel';
import { FlavorCreated } from './events';

/** The API validated the body against Nova's schema (flavor_manage.py `create`) before this command. */
export type CreateFlavor = Command<'CreateFlavor', FlavorCreated['data']>;
export type UpdateFlavorDescription = Command<'UpdateFlavorDescription', { flavorId: string; description: string | null }>;
export type SetFlavorExtraSpecs = Command<'SetFlavorExtraSpecs', { flavorId: string; extraSpecs: Record<string, string> }>;
export type DeleteFlavorExtraSpec = Command<'DeleteFlavorExtraSpec', { flavorId: string; key: string }>;
/** `publicAllowed`: below microversion 2.7 Nova records access to a public flavor instead of refusing it. */
export type AddFlavorAccess = Command<'AddFlavorAccess', { flavorId: string; projectId: string; publicAllowed?: boolean }>;
export type RemoveFlavorAccess = Command<'RemoveFlavorAccess', { flavorId: string; projectId: string }>;
export type DeleteFlavor = Command<'DeleteFlavor', { flavorId: string }>;

export type FlavorCommand = CreateFlavor | UpdateFlavorDescription | SetFlavorExtraSpecs | DeleteFlavorExtraSpec | AddFlavorAccess | RemoveFlavorAccess | DeleteFlavor;
