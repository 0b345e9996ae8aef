import { createTestDatabase, TestDatabase } from '../../test/support/postgres';
import { openReadModelDataSource } from './data-source';

describe('read-model data source', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('strata_ds');
  });

  afterAll(async () => {
    await db.drop();
  });

  it('connects to the database of the URL and queries it', async () => {
    const ds = await openReadModelDataSource({ url: db.url });
    try {
      const [row] = await ds.query('SELECT current_database() AS name');
      expect(row.name).toBe(db.name);
    } finally {
      await ds.destroy();
    }
  });
});
