import { DomainConfigEvent, DomainConfigOptions, SealedDomainConfigOptions } from './events';

/** `absent` until a config is created, and again after it is deleted; options may be empty in between. */
export type DomainConfigState =
  | { status: 'absent' }
  | { status: 'configured'; options: DomainConfigOptions; sensitive: SealedDomainConfigOptions };

export const initialDomainConfigState: DomainConfigState = { status: 'absent' };

/** Options merged group by group: what is given is set, the rest kept. */
export function mergeConfig<V>(current: Readonly<Record<string, Readonly<Record<string, V>>>>, patch: Readonly<Record<string, Readonly<Record<string, V>>>>): Record<string, Record<string, V>> {
  const out: Record<string, Record<string, V>> = {};
  for (const [group, options] of Object.entries(current)) out[group] = { ...options };
  for (const [group, options] of Object.entries(patch)) out[group] = { ...(out[group] ?? {}), ...options };
  return out;
}

/** Drops one option (or the whole group when `option` is null), and groups left empty. */
export function removeFromConfig<V>(current: Readonly<Record<string, Readonly<Record<string, V>>>>, group: string, option: string | null): Record<string, Record<string, V>> {
  const out: Record<string, Record<string, V>> = {};
  for (const [g, options] of Object.entries(current)) {
    if (g !== group) {
      out[g] = { ...options };
      continue;
    }
    if (option === null) continue;
    const { [option]: _removed, ...rest } = options;
    if (Object.keys(rest).length > 0) out[g] = rest;
  }
  return out;
}

export function evolveDomainConfig(state: DomainConfigState, event: DomainConfigEvent): DomainConfigState {
  switch (event.type) {
    case 'DomainConfigCreated':
      return { status: 'configured', options: event.data.options, sensitive: event.data.sensitive };
    case 'DomainConfigUpdated': {
      const current = state.status === 'configured' ? state : { options: {}, sensitive: {} };
      return { status: 'configured', options: mergeConfig(current.options, event.data.options), sensitive: mergeConfig(current.sensitive, event.data.sensitive) };
    }
    case 'DomainConfigOptionsRemoved': {
      if (state.status !== 'configured') return state;
      const { group, option } = event.data;
      return { status: 'configured', options: removeFromConfig(state.options, group, option), sensitive: removeFromConfig(state.sensitive, group, option) };
    }
    case 'DomainConfigDeleted':
      return { status: 'absent' };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
