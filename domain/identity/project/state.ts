import { ResourceOptions } from '../validation';
import { ProjectEvent } from './events';

export interface Project {
  projectId: string;
  domainId: string;
  name: string;
  description: string;
  enabled: boolean;
  parentId: string;
  tags: string[];
  options: ResourceOptions;
  extra: Record<string, unknown>;
}

export type ProjectState = { status: 'absent' } | { status: 'active'; project: Project } | { status: 'deleted'; project: Project };

export const initialProjectState: ProjectState = { status: 'absent' };

const active = (project: Project): ProjectState => ({ status: 'active', project });

export function evolveProject(state: ProjectState, event: ProjectEvent): ProjectState {
  switch (event.type) {
    case 'ProjectCreated': {
      const { isDomain: _isDomain, extra, ...project } = event.data;
      return active({ ...project, extra: extra ?? {} });
    }
    case 'ProjectUpdated': {
      if (state.status !== 'active') return state;
      const { projectId: _id, ...changes } = event.data;
      return active({ ...state.project, ...changes });
    }
    case 'ProjectTagsReplaced':
      return state.status === 'active' ? active({ ...state.project, tags: event.data.tags }) : state;
    case 'ProjectTagAdded':
      return state.status === 'active' ? active({ ...state.project, tags: [...state.project.tags, event.data.tag] }) : state;
    case 'ProjectTagRemoved':
      return state.status === 'active' ? active({ ...state.project, tags: state.project.tags.filter((t) => t !== event.data.tag) }) : state;
    case 'ProjectDeleted':
      return state.status === 'active' ? { status: 'deleted', project: state.project } : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
