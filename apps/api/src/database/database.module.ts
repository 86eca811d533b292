import { type DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import { createPool, migrate } from '@vigil/db';
import { DataSource } from 'typeorm';
import { ApiConfig } from '../config/api.config';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { SqlFeatures } from './sql-features';

/**
 * Run pending migrations under a PostgreSQL advisory lock: on a first start the API service and
 * `cli.js ensure-admin` (from `./vigil up`) migrate the same database at the same moment, and
 * TypeORM's own `migrationsRun` would let both try to create the same tables.
 */
async function runMigrationsLocked(ds: DataSource): Promise<void> {
  const lock = ds.createQueryRunner();
  await lock.connect();
  try {
    await lock.query(`select pg_advisory_lock(hashtext('vigil.api.migrations'))`);
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await lock.query(`select pg_advisory_unlock(hashtext('vigil.api.migrations'))`).catch(() => undefined);
    await lock.release();
  }
}

/**
 * The shared schema first (libs/db: endpoints, alerts, activity, processes, baselines — advisory-locked,
 * safe while the gateway and analyzers start too), so the API works on an empty database; then the
 * API's own TypeORM migrations, which build on it.
 */
async function migrateAll(databaseUrl: string, ds: DataSource): Promise<void> {
  const pool = createPool(databaseUrl, { max: 1, application_name: 'vigil-api-migrate' });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
  await runMigrationsLocked(ds);
}

/** How the module connects: `online` (the service: connect, migrate, detect features) or `offline` (build the OpenAPI document: nothing is connected). */
export type DatabaseMode = 'online' | 'offline';

/** PostgreSQL through TypeORM; timestamped migrations (never edited once landed) run at start. */
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
            migrations: MIGRATIONS,
            // Run by dataSourceFactory below, under a lock (same effect as migrationsRun: true).
            migrationsRun: false,
            migrationsTableName: 'api_migrations',
            synchronize: false,
            logging: false,
            extra: { max: 10, application_name: 'vigil-api' },
          }),
          dataSourceFactory: async (options) => {
            const ds = new DataSource(options!);
            // Offline: repositories exist (the module graph is complete) but nothing ever connects.
            if (mode === 'offline') return ds;
            await ds.initialize();
            await migrateAll((options as { url: string }).url, ds);
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
