import { FlavorSnapshot } from '../flavor-spec';
import { FlavorEvent } from './events';

export type Flavor = FlavorSnapshot & { projects: string[] };

export type FlavorState = { status: 'absent' } | { status: 'active'; flavor: Flavor } | { status: 'deleted'; flavor: Flavor };

export const initialFlavorState: FlavorState = { status: 'absent' };

export function evolveFlavor(state: FlavorState, event: FlavorEvent): FlavorState {
  if (event.type === 'FlavorCreated') {
    const { flavorId, ...rest } = event.data;
    return { status: 'active', flavor: { id: flavorId, ...rest, extraSpecs: {}, projects: [] } };
  }
  if (state.status !== 'active') return state;
  const f = state.flavor;
  switch (event.type) {
    case 'FlavorDescriptionUpdated':
      return { status: 'active', flavor: { ...f, description: event.data.description } };
    case 'FlavorExtraSpecsSet':
      return { status: 'active', flavor: { ...f, extraSpecs: { ...f.extraSpecs, ...event.data.extraSpecs } } };
    case 'FlavorExtraSpecDeleted': {
      const { [event.data.key]: _gone, ...extraSpecs } = f.extraSpecs;
      return { status: 'active', flavor: { ...f, extraSpecs } };
    }
    case 'FlavorAccessAdded':
      return { status: 'active', flavor: { ...f, projects: [...f.projects, event.data.projectId] } };
    case 'FlavorAccessRemoved':
      return { status: 'active', flavor: { ...f, projects: f.projects.filter((p) => p !== event.data.projectId) } };
    case 'FlavorDeleted':
      return { status: 'deleted', flavor: f };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
