import { DomainEvent } from '../../kernel';

export type FlavorCreated = DomainEvent<
  'FlavorCreated',
  {
    flavorId: string;
    name: string;
    vcpus: number;
    memoryMb: number;
    rootGb: number;
    ephemeralGb: number;
    swapMb: number;
    rxtxFactor: number;
    isPublic: boolean;
    description: string | null;
  }
>;
export type FlavorDescriptionUpdated = DomainEvent<'FlavorDescriptionUpdated', { flavorId: string; description: string | null }>;
/** The keys set (added or replaced) by one call; other keys are unchanged. */
export type FlavorExtraSpecsSet = DomainEvent<'FlavorExtraSpecsSet', { flavorId: string; extraSpecs: Record<string, string> }>;
export type FlavorExtraSpecDeleted = DomainEvent<'FlavorExtraSpecDeleted', { flavorId: string; key: string }>;
export type FlavorAccessAdded = DomainEvent<'FlavorAccessAdded', { flavorId: string; projectId: string }>;
export type FlavorAccessRemoved = DomainEvent<'FlavorAccessRemoved', { flavorId: string; projectId: string }>;
export type FlavorDeleted = DomainEvent<'FlavorDeleted', { flavorId: string; name: string }>;

export type FlavorEvent = FlavorCreated | FlavorDescriptionUpdated | FlavorExtraSpecsSet | FlavorExtraSpecDeleted | FlavorAccessAdded | FlavorAccessRemoved | FlavorDeleted;
