import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiConfig } from '../config/api.config';
import { MIGRATIONS } from './migrations';
import { ENTITIES } from './entities';

/** PostgreSQL through TypeORM; migrations run at start (timestamped, never edited once landed). */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ApiConfig],
      useFactory: (config: ApiConfig) => ({
        type: 'postgres' as const,
        url: config.databaseUrl,
        entities: ENTITIES,
        migrations: MIGRATIONS,
        migrationsRun: true,
        migrationsTableName: 'api_migrations',
        migrationsTransactionMode: 'each' as const,
        synchronize: false,
        logging: false,
        extra: { max: 10, application_name: 'vigil-api' },
      }),
    }),
  ],
})
export class DatabaseModule {}
