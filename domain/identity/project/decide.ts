import { assertNever, Conflict, InvalidInput, NotFound } from '../../kernel';
import { assertDeletable, assertMutable } from '../resource-options';
import { changedFields, isEmpty, mergeOptions, PROJECT_NAME_MAX, requireName, requireNonEmpty, sameJson } from '../validation';
import { AddProjectTag, CreateProject, DeleteProject, ProjectCommand, RemoveProjectTag, ReplaceProjectTags, UpdateProject } from './commands';
import { ProjectEvent, ProjectUpdated } from './events';
import { Project, ProjectState } from './state';
import { MAX_TAGS, requireTag, requireTags } from './tags';

function activeProject(state: ProjectState, projectId: string): Project {
  if (state.status !== 'active') throw new NotFound(`Could not find project: ${projectId}.`, { projectId });
  return state.project;
}

export function createProject(command: CreateProject, state: ProjectState): ProjectEvent[] {
  const d = command.data;
  if (state.status !== 'absent') {
    throw new Conflict(`Conflict occurred attempting to store project - Duplicate ID, ${d.projectId}.`, { projectId: d.projectId });
  }
  requireNonEmpty(d.domainId, 'domain_id');
  // Keystone resource core `create_project` strips the name before storing it.
  const name = requireName(d.name, PROJECT_NAME_MAX).trim();
  const tags = requireTags(d.tags ?? []);
  const parentId = d.parentId ?? d.domainId;
  if (parentId === d.projectId) throw new InvalidInput('A project cannot be its own parent.', { field: 'parent_id' });
  return [
    {
      type: 'ProjectCreated',
      data: {
        projectId: d.projectId,
        domainId: d.domainId,
        name,
        description: d.description ?? '',
        enabled: d.enabled ?? true,
        parentId,
        isDomain: false,
        tags,
        options: d.options ?? {},
        ...(d.extra !== undefined && !isEmpty(d.extra) ? { extra: d.extra } : {}),
      },
    },
  ];
}

export function updateProject(command: UpdateProject, state: ProjectState): ProjectEvent[] {
  const d = command.data;
  const project = activeProject(state, d.projectId);
  assertMutable('project', d.projectId, project.options, d.options);
  const name = d.name === undefined ? undefined : requireName(d.name, PROJECT_NAME_MAX).trim();
  if (d.tags !== undefined) requireTags(d.tags);

  const requested = {
    name,
    // Keystone keeps description a string; null in PATCH clears it.
    description: d.description === null ? '' : d.description,
    enabled: d.enabled,
    options: d.options === undefined ? undefined : mergeOptions(project.options, d.options),
    extra: d.extra === undefined ? undefined : { ...project.extra, ...d.extra },
  };
  const changes = changedFields(project, requested, ['name', 'description', 'enabled', 'options', 'extra'] as const);
  const events: ProjectEvent[] = [];
  if (!isEmpty(changes)) events.push({ type: 'ProjectUpdated', data: { projectId: d.projectId, ...changes } as ProjectUpdated['data'] });
  if (d.tags !== undefined && !sameJson(d.tags, project.tags)) events.push({ type: 'ProjectTagsReplaced', data: { projectId: d.projectId, tags: d.tags } });
  return events;
}

export function replaceProjectTags(command: ReplaceProjectTags, state: ProjectState): ProjectEvent[] {
  const project = activeProject(state, command.data.projectId);
  assertMutable('project', project.projectId, project.options, undefined);
  const tags = requireTags(command.data.tags);
  if (sameJson(tags, project.tags)) return [];
  return [{ type: 'ProjectTagsReplaced', data: { projectId: project.projectId, tags } }];
}

export function addProjectTag(command: AddProjectTag, state: ProjectState): ProjectEvent[] {
  const project = activeProject(state, command.data.projectId);
  assertMutable('project', project.projectId, project.options, undefined);
  const tag = requireTag(command.data.tag);
  // PUT /v3/projects/{id}/tags/{tag} answers 201 for a tag already there: nothing to record.
  if (project.tags.includes(tag)) return [];
  if (project.tags.length >= MAX_TAGS) {
    throw new InvalidInput(`Invalid input for field 'tags': a project has at most ${MAX_TAGS} tags.`, { field: 'tags', max: MAX_TAGS });
  }
  return [{ type: 'ProjectTagAdded', data: { projectId: project.projectId, tag } }];
}

export function removeProjectTag(command: RemoveProjectTag, state: ProjectState): ProjectEvent[] {
  const project = activeProject(state, command.data.projectId);
  assertMutable('project', project.projectId, project.options, undefined);
  if (!project.tags.includes(command.data.tag)) {
    throw new NotFound(`Could not find project tag: ${command.data.tag}.`, { projectId: project.projectId, tag: command.data.tag });
  }
  return [{ type: 'ProjectTagRemoved', data: { projectId: project.projectId, tag: command.data.tag } }];
}

export function deleteProject(command: DeleteProject, state: ProjectState): ProjectEvent[] {
  const project = activeProject(state, command.data.projectId);
  assertDeletable('project', project.projectId, project.options);
  return [{ type: 'ProjectDeleted', data: { projectId: project.projectId, domainId: project.domainId, name: project.name, parentId: project.parentId } }];
}

export function decideProject(command: ProjectCommand, state: ProjectState): ProjectEvent[] {
  switch (command.type) {
    case 'CreateProject':
      return createProject(command, state);
    case 'UpdateProject':
      return updateProject(command, state);
    case 'ReplaceProjectTags':
      return replaceProjectTags(command, state);
    case 'AddProjectTag':
      return addProjectTag(command, state);
    case 'RemoveProjectTag':
      return removeProjectTag(command, state);
    case 'DeleteProject':
      return deleteProject(command, state);
    default:
      return assertNever(command);
  }
}
