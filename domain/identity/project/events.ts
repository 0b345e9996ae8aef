import { DomainEvent } from '../../kernel';
import { ResourceOptions } from '../validation';

export type ProjectCreated = DomainEvent<
  'ProjectCreated',
  {
    projectId: string;
    domainId: string;
    name: string;
    description: string;
    enabled: boolean;
    /** Keystone sets parent_id to the domain id for a top-level project. */
    parentId: string;
    isDomain: false;
    tags: string[];
    options: ResourceOptions;
    /** Keystone's extra attributes; absent when none were given (and in events recorded before them). */
    extra?: Record<string, unknown>;
  }
>;

/** Only the fields that changed, with their new values (`options`: the whole set after the merge). */
export type ProjectUpdated = DomainEvent<
  'ProjectUpdated',
  { projectId: string; name?: string; description?: string; enabled?: boolean; options?: ResourceOptions; extra?: Record<string, unknown> }
>;

export type ProjectTagsReplaced = DomainEvent<'ProjectTagsReplaced', { projectId: string; tags: string[] }>;
export type ProjectTagAdded = DomainEvent<'ProjectTagAdded', { projectId: string; tag: string }>;
export type ProjectTagRemoved = DomainEvent<'ProjectTagRemoved', { projectId: string; tag: string }>;
export type ProjectDeleted = DomainEvent<'ProjectDeleted', { projectId: string; domainId: string; name: string; parentId: string }>;

export type ProjectEvent = ProjectCreated | ProjectUpdated | ProjectTagsReplaced | ProjectTagAdded | ProjectTagRemoved | ProjectDeleted;
