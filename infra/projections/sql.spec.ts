import { Projection, ReadModelTable } from '../../projections/kernel/projection';
import { createIndexSql, createTableSql, validateProjections } from './sql';

const events: ReadModelTable = {
  name: 'events',
  primaryKey: 'position',
  columns: {
    position: { type: 'text', collate: 'C' },
    user_id: { type: 'text', nullable: true, collate: 'C' },
    name: { type: 'text' },
    at: { type: 'timestamptz' },
  },
  indexes: [{ columns: ['user_id', 'position'], whereNotNull: true }, ['name'], ['at']],
};

const projection = (table: ReadModelTable): Projection => ({ name: 'p', version: 1, eventTypes: [], tables: [table], rowsFor: () => [], apply: () => undefined });

describe('read model DDL', () => {
  it('collates identifier columns "C" and leaves the others to the database', () => {
    expect(createTableSql('rm_p_g1', events)).toBe(
      'CREATE TABLE "rm_p_g1"."events" ("position" text COLLATE "C" NOT NULL, "user_id" text COLLATE "C", "name" text NOT NULL, "at" timestamptz NOT NULL, PRIMARY KEY ("position"))',
    );
  });

  it('builds a whereNotNull index over the rows whose first column is set, and plain ones over all', () => {
    expect(createIndexSql('rm_p_g1', events)).toEqual([
      'CREATE INDEX "events_ix1" ON "rm_p_g1"."events" ("user_id", "position") WHERE "user_id" IS NOT NULL',
      'CREATE INDEX "events_ix2" ON "rm_p_g1"."events" ("name")',
      'CREATE INDEX "events_ix3" ON "rm_p_g1"."events" ("at")',
    ]);
  });

  it('refuses a collation on a column that is not text, and an index of an unknown column', () => {
    expect(() => validateProjections([projection(events)])).not.toThrow();
    expect(() => validateProjections([projection({ ...events, columns: { ...events.columns, at: { type: 'timestamptz', collate: 'C' } } })])).toThrow('only a text column may be collated');
    expect(() => validateProjections([projection({ ...events, indexes: [{ columns: ['nope'], whereNotNull: true }] })])).toThrow('Index on unknown column p.events.nope');
  });
});
