import { AGGREGATE_EVENT_TYPES, AggregateEvent, AVAILABILITY_ZONE_KEY, mergeMetadata } from '../../domain/compute/aggregate';
import { RecordedEvent } from '../../domain/kernel';
import { Projection, RowAccess, RowRef } from '../kernel/projection';
import { getRow, table } from '../kernel/rows';

export const AGGREGATES_TABLE = 'compute_aggregates';

/** A host aggregate (os-aggregates); a deleted one leaves the read model, as Nova's API never shows it. */
export type AggregateRow = {
  id: number;
  uuid: string;
  name: string;
  /** metadata.availability_zone, or null. */
  availability_zone: string | null;
  metadata: Record<string, string>;
  /** Host names in the order they joined. */
  hosts: string[];
  created_at: string;
  /** Nova's: null until the first rename (metadata and hosts are rows of other tables there). */
  updated_at: string | null;
  stream_version: number;
};

export const computeAggregatesProjection: Projection = {
  name: AGGREGATES_TABLE,
  version: 1,
  eventTypes: AGGREGATE_EVENT_TYPES,
  tables: [
    table<AggregateRow>({
      name: AGGREGATES_TABLE,
      primaryKey: 'uuid',
      columns: {
        uuid: { type: 'text' },
        id: { type: 'bigint' },
        name: { type: 'text' },
        availability_zone: { type: 'text', nullable: true },
        metadata: { type: 'jsonb' },
        hosts: { type: 'jsonb' },
        created_at: { type: 'timestamptz' },
        updated_at: { type: 'timestamptz', nullable: true },
        stream_version: { type: 'bigint' },
      },
      indexes: [['id']],
    }),
  ],

  rowsFor(event: RecordedEvent): RowRef[] {
    return [{ table: AGGREGATES_TABLE, key: (event.data as { uuid: string }).uuid }];
  },

  apply(event: RecordedEvent, rows: RowAccess): void {
    const e = event as unknown as AggregateEvent;
    const key = e.data.uuid;
    const row = getRow<AggregateRow>(rows, AGGREGATES_TABLE, key);
    const at = event.metadata.occurredAt;
    const version = Number(event.version);
    if (e.type === 'AggregateCreated') {
      if (row && row.stream_version >= version) return;
      const d = e.data;
      const metadata: Record<string, string> = d.availabilityZone === null ? {} : { [AVAILABILITY_ZONE_KEY]: d.availabilityZone };
      rows.put(AGGREGATES_TABLE, { id: d.aggregateId, uuid: d.uuid, name: d.name, availability_zone: d.availabilityZone, metadata, hosts: [], created_at: at, updated_at: null, stream_version: version } satisfies AggregateRow);
      return;
    }
    // STYLE §7: a row that already reflects this event of the stream (or a later one) is left alone.
    if (!row || row.stream_version >= version) return;
    switch (e.type) {
      case 'AggregateRenamed':
        rows.put(AGGREGATES_TABLE, { ...row, name: e.data.name, updated_at: at, stream_version: version });
        return;
      case 'AggregateMetadataUpdated': {
        const metadata = mergeMetadata(row.metadata, e.data.set, e.data.removed);
        // Nova keeps metadata in a table of its own: the aggregate's updated_at stays (its answer shows the time, see the API).
        rows.put(AGGREGATES_TABLE, { ...row, metadata, availability_zone: metadata[AVAILABILITY_ZONE_KEY] ?? null, stream_version: version });
        return;
      }
      case 'AggregateHostAdded':
        rows.put(AGGREGATES_TABLE, { ...row, hosts: row.hosts.includes(e.data.host) ? row.hosts : [...row.hosts, e.data.host], stream_version: version });
        return;
      case 'AggregateHostRemoved':
        rows.put(AGGREGATES_TABLE, { ...row, hosts: row.hosts.filter((h) => h !== e.data.host), stream_version: version });
        return;
      case 'AggregateDeleted':
        rows.delete(AGGREGATES_TABLE, key);
        return;
      default: {
        const unhandled: never = e;
        return unhandled;
      }
    }
  },
};
