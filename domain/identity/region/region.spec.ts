import { Conflict, InvalidInput, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { RegionCommand, regionDecider, RegionEvent } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'c-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(regionDecider);
const create = (parentRegionId?: string): RegionCommand => ({ type: 'CreateRegion', data: { regionId: 'RegionOne', ...(parentRegionId ? { parentRegionId } : {}) }, metadata });
const update = (data: { description?: string | null; parentRegionId?: string | null }): RegionCommand => ({ type: 'UpdateRegion', data: { regionId: 'RegionOne', ...data }, metadata });
const remove: RegionCommand = { type: 'DeleteRegion', data: { regionId: 'RegionOne' }, metadata };
const created: RegionEvent = { type: 'RegionCreated', data: { regionId: 'RegionOne', description: '', parentRegionId: null } };
const deleted: RegionEvent = { type: 'RegionDeleted', data: { regionId: 'RegionOne' } };

describe('region', () => {
  describe('when absent', () => {
    it('creates a top-level region with an empty description', () => {
      spec.given([]).when(create()).then([created]);
    });

    it('rejects a region that is its own parent', () => {
      spec.given([]).when(create('RegionOne')).thenThrows(InvalidInput);
    });

    it('answers NotFound to an update', () => {
      spec.given([]).when(update({ description: 'x' })).thenThrows(NotFound);
    });
  });

  describe('when active', () => {
    it('refuses a second create with the same id', () => {
      spec.given([created]).when(create()).thenThrows(Conflict);
    });

    it('records only the fields that changed', () => {
      spec.given([created]).when(update({ description: 'Main', parentRegionId: null })).then([{ type: 'RegionUpdated', data: { regionId: 'RegionOne', description: 'Main' } }]);
    });

    it('does nothing when nothing changes', () => {
      spec.given([created]).when(update({ description: '' })).thenNothingHappens();
    });

    it('rejects making it its own parent', () => {
      spec.given([created]).when(update({ parentRegionId: 'RegionOne' })).thenThrows(InvalidInput);
    });

    it('deletes it', () => {
      spec.given([created]).when(remove).then([deleted]);
    });
  });

  describe('when deleted', () => {
    it('answers NotFound to a second delete', () => {
      spec.given([created, deleted]).when(remove).thenThrows(NotFound);
    });
  });
});
