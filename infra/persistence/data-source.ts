import { DataSource, DataSourceOptions, EntitySchema, MixedList } from 'typeorm';

export interface ReadModelDataSourceOptions {
  /** DATABASE_URL, or the embedded PostgreSQL's URL. */
  url: string;
  // eslint-disable-next-line @typescript-eslint/ban-types
  entities?: MixedList<Function | string | EntitySchema>;
  /** Default schema of the entities (projections keep their tables in their own schema). */
  schema?: string;
  poolSize?: number;
  applicationName?: string;
}

/**
 * TypeORM for the read side only (DESIGN.md, Read models): the tables belong to the projection
 * engine, which creates them, so TypeORM never synchronises or migrates them.
 */
export function createReadModelDataSource(options: ReadModelDataSourceOptions): DataSource {
  const config: DataSourceOptions = {
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities ?? [],
    synchronize: false,
    migrationsRun: false,
    logging: false,
    applicationName: options.applicationName ?? 'strata-read-models',
    extra: { max: options.poolSize ?? 10 },
  };
  return new DataSource(config);
}

/** Creates and connects; `destroy()` closes it. */
export async function openReadModelDataSource(options: ReadModelDataSourceOptions): Promise<DataSource> {
  const dataSource = createReadModelDataSource(options);
  await dataSource.initialize();
  return dataSource;
}
