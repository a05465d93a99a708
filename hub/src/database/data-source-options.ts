import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations';

export interface DatabaseConnection {
  url: string;
  /** Connections in the pool; the embedded server runs one query at a time, so it gets one. */
  poolSize: number;
}

/** Options shared by the hub and by tests: migrations at start, never synchronize. */
export function dataSourceOptions(connection: DatabaseConnection, entities: DataSourceOptions['entities'] = []): DataSourceOptions {
  return {
    type: 'postgres',
    url: connection.url,
    applicationName: 'gitfleet-hub',
    poolSize: connection.poolSize,
    entities,
    migrations: MIGRATIONS,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
  };
}
