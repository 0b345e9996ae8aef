/** A domain event as a decider sees it: plain JSON, no class instances, no secrets. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

/** A decider is a plain object (STYLE.md §4): pure `decide`, total `evolve`. */
export interface Decider<Command, Event extends DomainEvent, State> {
  initialState: State;
  evolve(state: State, event: Event): State;
  /** Returns the events the command causes ([] = no-op) or throws a DomainError. */
  decide(command: Command, state: State): Event[];
}

export function fold<Event extends DomainEvent, State>(
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
  events: Iterable<Event>,
): State {
  let state = decider.initialState;
  for (const e of events) state = decider.evolve(state, e);
  return state;
}

/** Exhaustiveness check for `switch (x.type)`. */
export function assertNever(x: never): never {
  throw new Error(`Unexpected variant: ${JSON.stringify(x)}`);
}
