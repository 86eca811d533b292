import { type DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import { createPool, migrate } from '@vigil/db';
import { DataSource } from 'typeorm';
import { ApiConfig } from '../config/api.config';
import { ENTITIES } from './entities';
import { SqlFeatures } from './sql-features';

/**
 * Apply (as the owner: tests, an operator's VIGIL_DATABASE_URL) or check (as the API's own role: nothing
 * pending is a read-only check) libs/db's migrations, which hold every table the API maps. The runner is
 * advisory-locked, so the API, `cli.js ensure-admin`, the gateway and the analyzers may start together.
 */
async function migrateShared(databaseUrl: string): Promise<void> {
  const pool = createPool(databaseUrl, { max: 1, application_name: 'vigil-api-migrate' });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
}

/** How the module connects: `online` (the service: connect, migrate, detect features) or `offline` (build the OpenAPI document: nothing is connected). */
export type DatabaseMode = 'online' | 'offline';

/** PostgreSQL through TypeORM. The entities only map tables: their DDL is libs/db's SQL migrations, never TypeORM's. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(mode: DatabaseMode = 'online'): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [ApiConfig],
          useFactory: (config: ApiConfig): TypeOrmModuleOptions => ({
            type: 'postgres',
            // Offline, the data source is never initialised (no connection attempt at all).
            manualInitialization: mode === 'offline',
            url: config.databaseUrl,
            entities: ENTITIES,
            synchronize: false,
            logging: false,
            extra: { max: 10, application_name: 'vigil-api' },
          }),
          dataSourceFactory: async (options) => {
            const ds = new DataSource(options!);
            // Offline: repositories exist (the module graph is complete) but nothing ever connects.
            if (mode === 'offline') return ds;
            await migrateShared((options as { url: string }).url);
            await ds.initialize();
            return ds;
          },
        }),
      ],
      providers: [
        {
          provide: SqlFeatures,
          inject: [DataSource],
          useFactory: async (ds: DataSource): Promise<SqlFeatures> => {
            if (!ds.isInitialized) return new SqlFeatures(false);
            // Detected once: the extension is installed by the telemetry migration when available.
            const rows = (await ds.query(`select exists (select 1 from pg_extension where extname = 'timescaledb') as ts`)) as { ts: boolean }[];
            return new SqlFeatures(rows[0]?.ts === true);
          },
        },
      ],
      exports: [SqlFeatures],
    };
  }
}
