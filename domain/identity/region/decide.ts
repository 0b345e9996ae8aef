import { assertNever, Conflict, InvalidInput, NotFound } from '../../kernel';
import { changedFields, isEmpty, requireNonEmpty } from '../validation';
import { CreateRegion, DeleteRegion, RegionCommand, UpdateRegion } from './commands';
import { RegionEvent, RegionUpdated } from './events';
import { Region, RegionState } from './state';

function activeRegion(state: RegionState, regionId: string): Region {
  if (state.status !== 'active') throw new NotFound(`Could not find region: ${regionId}.`, { regionId });
  return state.region;
}

// Keystone CircularRegionHierarchyError (400); longer cycles need the other regions and are checked outside.
function requireParent(regionId: string, parentRegionId: string | null | undefined): void {
  if (parentRegionId === regionId) {
    throw new InvalidInput(`The specified parent region ${parentRegionId} would create a circular region hierarchy.`, { field: 'parent_region_id' });
  }
}

export function createRegion(command: CreateRegion, state: RegionState): RegionEvent[] {
  const d = command.data;
  if (state.status !== 'absent') throw new Conflict(`Conflict occurred attempting to store region - Duplicate ID, ${d.regionId}.`, { regionId: d.regionId });
  requireNonEmpty(d.regionId, 'id');
  requireParent(d.regionId, d.parentRegionId);
  return [{ type: 'RegionCreated', data: { regionId: d.regionId, description: d.description ?? '', parentRegionId: d.parentRegionId ?? null } }];
}

export function updateRegion(command: UpdateRegion, state: RegionState): RegionEvent[] {
  const d = command.data;
  const region = activeRegion(state, d.regionId);
  requireParent(d.regionId, d.parentRegionId);
  const changes = changedFields(region, { description: d.description === null ? '' : d.description, parentRegionId: d.parentRegionId }, ['description', 'parentRegionId'] as const);
  if (isEmpty(changes)) return [];
  return [{ type: 'RegionUpdated', data: { regionId: d.regionId, ...changes } as RegionUpdated['data'] }];
}

export function deleteRegion(command: DeleteRegion, state: RegionState): RegionEvent[] {
  const region = activeRegion(state, command.data.regionId);
  return [{ type: 'RegionDeleted', data: { regionId: region.regionId } }];
}

export function decideRegion(command: RegionCommand, state: RegionState): RegionEvent[] {
  switch (command.type) {
    case 'CreateRegion':
      return createRegion(command, state);
    case 'UpdateRegion':
      return updateRegion(command, state);
    case 'DeleteRegion':
      return deleteRegion(command, state);
    default:
      return assertNever(command);
  }
}
