/** Who caused a change: copied from the validated token onto every event (DESIGN.md, Events). */
export interface Actor {
  userId: string | null;
  projectId: string | null;
  domainId: string | null;
  roles: string[];
}

/** Metadata on every event. Auditors rely on it: never omit a field. */
export interface EventMetadata {
  correlationId: string;
  causationId: string;
  /** The `x-openstack-request-id` of the API call, `req-<uuid>`. */
  requestId: string;
  actor: Actor;
  /** RFC 3339 instant at which the command was decided. */
  occurredAt: string;
  schemaVersion: number;
  /** Free-form extras (e.g. the command type); never secrets. */
  [extra: string]: unknown;
}

/** What a command carries besides its data: time, ids and request context come from outside the domain. */
export interface CommandMetadata {
  requestId: string;
  correlationId: string;
  causationId: string;
  actor: Actor;
  /** RFC 3339 instant: domain code never reads the clock itself. */
  now: string;
}

export const SYSTEM_ACTOR: Actor = { userId: null, projectId: null, domainId: null, roles: ['system'] };
