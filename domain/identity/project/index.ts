import { Decider } from '../../kernel';
import { ProjectCommand } from './commands';
import { decideProject } from './decide';
import { ProjectEvent } from './events';
import { evolveProject, initialProjectState, ProjectState } from './state';

export * from './commands';
export * from './events';
export { MAX_TAGS, MAX_TAG_LENGTH } from './tags';
export type { Project, ProjectState } from './state';

export const projectDecider: Decider<ProjectCommand, ProjectEvent, ProjectState> = {
  initialState: initialProjectState,
  evolve: evolveProject,
  decide: decideProject,
};
