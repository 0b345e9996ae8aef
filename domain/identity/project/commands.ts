import { Command } from '../../kernel';
import { ResourceOptions } from '../validation';

/**
 * `domainId` is resolved before the command (from the body, the parent or the token scope, as
 * Keystone does); checks that need other projects (parent exists, same domain, enabled branch,
 * depth) happen outside this decider.
 */
export type CreateProject = Command<
  'CreateProject',
  {
    projectId: string;
    domainId: string;
    name: string;
    description?: string | null;
    enabled?: boolean;
    parentId?: string | null;
    tags?: string[];
    options?: ResourceOptions;
    /** Keystone's free-form attributes (keys its schema does not name), returned flat with the project. */
    extra?: Record<string, unknown>;
  }
>;

/** PATCH /v3/projects/{id}; `tags` in the body replace the whole list. */
export type UpdateProject = Command<
  'UpdateProject',
  { projectId: string; name?: string; description?: string | null; enabled?: boolean; options?: ResourceOptions; tags?: string[]; extra?: Record<string, unknown> }
>;

export type ReplaceProjectTags = Command<'ReplaceProjectTags', { projectId: string; tags: string[] }>;
export type AddProjectTag = Command<'AddProjectTag', { projectId: string; tag: string }>;
export type RemoveProjectTag = Command<'RemoveProjectTag', { projectId: string; tag: string }>;
export type DeleteProject = Command<'DeleteProject', { projectId: string }>;

export type ProjectCommand = CreateProject | UpdateProject | ReplaceProjectTags | AddProjectTag | RemoveProjectTag | DeleteProject;
