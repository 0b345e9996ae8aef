import { RecordedEvent } from './event-store';

/**
 * Recorded events are never edited: a schema change bumps `schemaVersion` and registers an
 * upcaster that lifts old payloads on read.
 */
export interface Upcaster {
  type: string;
  /** Applies to events recorded with this schema version; produces fromSchemaVersion + 1. */
  fromSchemaVersion: number;
  upcast(event: { type: string; data: unknown }): { type: string; data: unknown };
}

export class UpcasterRegistry {
  private readonly byType = new Map<string, Map<number, Upcaster>>();

  constructor(upcasters: Upcaster[] = []) {
    upcasters.forEach((u) => this.register(u));
  }

  register(u: Upcaster): void {
    const m = this.byType.get(u.type) ?? new Map<number, Upcaster>();
    if (m.has(u.fromSchemaVersion)) throw new Error(`Duplicate upcaster for ${u.type} v${u.fromSchemaVersion}`);
    m.set(u.fromSchemaVersion, u);
    this.byType.set(u.type, m);
  }

  /** Lifts an event through every registered step until none applies. */
  upcast<E extends RecordedEvent>(event: E): E {
    let current: E = event;
    for (;;) {
      const version = current.metadata.schemaVersion ?? 1;
      const step = this.byType.get(current.type)?.get(version);
      if (!step) return current;
      const lifted = step.upcast({ type: current.type, data: current.data });
      current = { ...current, type: lifted.type, data: lifted.data, metadata: { ...current.metadata, schemaVersion: version + 1 } };
    }
  }
}

export const NO_UPCASTERS = new UpcasterRegistry();
