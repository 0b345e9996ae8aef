import { Command } from '../../kernel';

/** Region ids are chosen by the client (`RegionOne`); hierarchy beyond one step is checked outside. */
export type CreateRegion = Command<'CreateRegion', { regionId: string; description?: string | null; parentRegionId?: string | null }>;
export type UpdateRegion = Command<'UpdateRegion', { regionId: string; description?: string | null; parentRegionId?: string | null }>;
/** Keystone refuses (403) a region with endpoints or children; infra checks that before. */
export type DeleteRegion = Command<'DeleteRegion', { regionId: string }>;

export type RegionCommand = CreateRegion | UpdateRegion | DeleteRegion;
