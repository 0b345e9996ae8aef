import { assertNever, Conflict, NotFound } from '../../kernel';
import {
  AddFlavorAccess,
  CreateFlavor,
  DeleteFlavor,
  DeleteFlavorExtraSpec,
  FlavorCommand,
  RemoveFlavorAccess,
  SetFlavorExtraSpecs,
  UpdateFlavorDescription,
} from './commands';
import { FlavorEvent } from './events';
import { Flavor, FlavorState } from './state';

// nova/exception.py FlavorNotFound: "Flavor %(flavor_id)s could not be found."
function liveFlavor(state: FlavorState, flavorId: string): Flavor {
  if (state.status !== 'active') throw new NotFound(`Flavor ${flavorId} could not be found.`, { flavorId });
  return state.flavor;
}

export function createFlavor(command: CreateFlavor, state: FlavorState): FlavorEvent[] {
  // nova/exception.py FlavorIdExists (409). Nova's API database hard-deletes flavors, so a deleted flavor's id may be taken again.
  if (state.status === 'active') throw new Conflict(`Flavor with ID ${command.data.flavorId} already exists.`, { flavorId: command.data.flavorId });
  return [{ type: 'FlavorCreated', data: command.data }];
}

export function updateFlavorDescription(command: UpdateFlavorDescription, state: FlavorState): FlavorEvent[] {
  const f = liveFlavor(state, command.data.flavorId);
  if (f.description === command.data.description) return [];
  return [{ type: 'FlavorDescriptionUpdated', data: command.data }];
}

export function setFlavorExtraSpecs(command: SetFlavorExtraSpecs, state: FlavorState): FlavorEvent[] {
  const f = liveFlavor(state, command.data.flavorId);
  const changed = Object.fromEntries(Object.entries(command.data.extraSpecs).filter(([k, v]) => f.extraSpecs[k] !== v));
  if (Object.keys(changed).length === 0) return [];
  return [{ type: 'FlavorExtraSpecsSet', data: { flavorId: f.id, extraSpecs: changed } }];
}

export function deleteFlavorExtraSpec(command: DeleteFlavorExtraSpec, state: FlavorState): FlavorEvent[] {
  const f = liveFlavor(state, command.data.flavorId);
  // nova/exception.py FlavorExtraSpecsNotFound
  if (!(command.data.key in f.extraSpecs)) throw new NotFound(`Flavor ${f.id} has no extra specs with key ${command.data.key}.`, { flavorId: f.id, key: command.data.key });
  return [{ type: 'FlavorExtraSpecDeleted', data: command.data }];
}

export function addFlavorAccess(command: AddFlavorAccess, state: FlavorState): FlavorEvent[] {
  const f = liveFlavor(state, command.data.flavorId);
  // flavor_access.py `_add_tenant_access` (409 since 2.7); nova/exception.py FlavorAccessExists.
  if (f.isPublic && !command.data.publicAllowed) throw new Conflict('Can not add access to a public flavor.', { flavorId: f.id });
  if (f.projects.includes(command.data.projectId)) {
    throw new Conflict(`Flavor access already exists for flavor ${f.id} and project ${command.data.projectId} combination.`, { flavorId: f.id });
  }
  return [{ type: 'FlavorAccessAdded', data: { flavorId: f.id, projectId: command.data.projectId } }];
}

export function removeFlavorAccess(command: RemoveFlavorAccess, state: FlavorState): FlavorEvent[] {
  const f = liveFlavor(state, command.data.flavorId);
  // nova/exception.py FlavorAccessNotFound (404)
  if (!f.projects.includes(command.data.projectId)) {
    throw new NotFound(`Flavor access not found for ${f.id} / ${command.data.projectId} combination.`, { flavorId: f.id });
  }
  return [{ type: 'FlavorAccessRemoved', data: command.data }];
}

export function deleteFlavor(command: DeleteFlavor, state: FlavorState): FlavorEvent[] {
  const f = liveFlavor(state, command.data.flavorId);
  return [{ type: 'FlavorDeleted', data: { flavorId: f.id, name: f.name } }];
}

export function decideFlavor(command: FlavorCommand, state: FlavorState): FlavorEvent[] {
  switch (command.type) {
    case 'CreateFlavor':
      return createFlavor(command, state);
    case 'UpdateFlavorDescription':
      return updateFlavorDescription(command, state);
    case 'SetFlavorExtraSpecs':
      return setFlavorExtraSpecs(command, state);
    case 'DeleteFlavorExtraSpec':
      return deleteFlavorExtraSpec(command, state);
    case 'AddFlavorAccess':
      return addFlavorAccess(command, state);
    case 'RemoveFlavorAccess':
      return removeFlavorAccess(command, state);
    case 'DeleteFlavor':
      return deleteFlavor(command, state);
    default:
      return assertNever(command);
  }
}
