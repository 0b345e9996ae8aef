import { DomainEvent } from '../../kernel';

export type RegionCreated = DomainEvent<'RegionCreated', { regionId: string; description: string; parentRegionId: string | null }>;
/** Only the fields that changed, with their new values. */
export type RegionUpdated = DomainEvent<'RegionUpdated', { regionId: string; description?: string; parentRegionId?: string | null }>;
export type RegionDeleted = DomainEvent<'RegionDeleted', { regionId: string }>;

export type RegionEvent = RegionCreated | RegionUpdated | RegionDeleted;
