import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ApiConfig } from '../config/api.config';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

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

/** PostgreSQL through TypeORM; timestamped migrations (never edited once landed) run at start. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ApiConfig],
      useFactory: (config: ApiConfig): DataSourceOptions => ({
        type: 'postgres',
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
        const ds = await new DataSource(options!).initialize();
        await runMigrationsLocked(ds);
        return ds;
      },
    }),
  ],
})
export class DatabaseModule {}
