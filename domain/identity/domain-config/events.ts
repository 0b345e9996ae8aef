import { DomainEvent } from '../../kernel';
import { SealedBlob } from '../credential/events';
import { OptionValue } from '../validation';

/** `{ group: { option: value } }`, values as JSON (Keystone keeps them typed: `list_limit` stays a number). */
export type DomainConfigOptions = Readonly<Record<string, Readonly<Record<string, OptionValue>>>>;
export type SealedDomainConfigOptions = Readonly<Record<string, Readonly<Record<string, SealedBlob>>>>;

/** Replaces the whole configuration (Keystone `create_config`: no conflict, old options dropped). */
export type DomainConfigCreated = DomainEvent<'DomainConfigCreated', { domainId: string; options: DomainConfigOptions; sensitive: SealedDomainConfigOptions }>;
/** Options set or changed, merged into the configuration. */
export type DomainConfigUpdated = DomainEvent<'DomainConfigUpdated', { domainId: string; options: DomainConfigOptions; sensitive: SealedDomainConfigOptions }>;
/** One option, or a whole group (`option` null), removed. */
export type DomainConfigOptionsRemoved = DomainEvent<'DomainConfigOptionsRemoved', { domainId: string; group: string; option: string | null }>;
export type DomainConfigDeleted = DomainEvent<'DomainConfigDeleted', { domainId: string }>;

export type DomainConfigEvent = DomainConfigCreated | DomainConfigUpdated | DomainConfigOptionsRemoved | DomainConfigDeleted;
