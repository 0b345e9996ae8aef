import { Decider, DomainEvent } from '../../domain/kernel';

/**
 * given(events).when(command).then(events) / .thenThrows(ErrorClass) for deciders
 * (STYLE.md §11, after Emmett's DeciderSpecification).
 */
export function deciderSpec<C, E extends DomainEvent, S>(decider: Decider<C, E, S>) {
  return {
    given(history: E[]) {
      return {
        when(command: C) {
          const run = () => decider.decide(command, history.reduce(decider.evolve, decider.initialState));
          return {
            then(expected: E[]) {
              expect(run()).toEqual(expected);
            },
            thenNothingHappens() {
              expect(run()).toEqual([]);
            },
            thenThrows<T extends Error>(errorClass: new (...args: never[]) => T, check?: (error: T) => void) {
              let thrown: unknown;
              try {
                run();
              } catch (e) {
                thrown = e;
              }
              expect(thrown).toBeInstanceOf(errorClass);
              check?.(thrown as T);
            },
          };
        },
      };
    },
  };
}

/** A fixed clock and deterministic ids for tests (STYLE.md §11). */
export const FIXED_NOW = '2026-01-01T00:00:00.000Z';

export function sequentialIds(prefix = '00000000-0000-4000-8000-') {
  let n = 0;
  return () => `${prefix}${(++n).toString(16).padStart(12, '0')}`;
}
