import { randomUUID } from 'node:crypto';
import { type DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { createLogger, REDACTED_PATHS } from '@vigil/common';
import { ApiConfig } from './config/api.config';
import { ConfigModule } from './config/config.module';
import { type DatabaseMode, DatabaseModule } from './database/database.module';
import { ActivityModule } from './modules/activity/activity.module';
import { AlertsModule } from './modules/alerts/alerts.module';
import { AuditModule } from './modules/audit/audit.module';
import { AuthModule } from './modules/auth/auth.module';
import { BaselinesModule } from './modules/baselines/baselines.module';
import { EndpointsModule } from './modules/endpoints/endpoints.module';
import { HealthModule } from './modules/health/health.module';
import { IncidentsModule } from './modules/incidents/incidents.module';
import { OverviewModule } from './modules/overview/overview.module';
import { ProcessesModule } from './modules/processes/processes.module';
import { SettingsModule } from './modules/settings/settings.module';
import { RulesModule } from './modules/rules/rules.module';
import { UsersModule } from './modules/users/users.module';

/** Never logged: session cookies in both directions and CSRF tokens. */
const HTTP_REDACTIONS = [...REDACTED_PATHS, 'res.headers["set-cookie"]', 'req.headers["x-csrf-token"]'];

@Module({})
export class AppModule {
  /** `offline`: the complete module graph without a database connection (for the OpenAPI document). */
  static forRoot(config: ApiConfig, database: DatabaseMode = 'online'): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            logger: createLogger('api', { level: config.logLevel, redact: { paths: HTTP_REDACTIONS, censor: '[redacted]' } }),
            // Health and metrics scrapes are frequent and uninteresting.
            autoLogging: { ignore: (req) => /\/api\/(healthz|metrics)$/.test(req.url ?? '') },
            quietReqLogger: true,
            // The UUID createApp's first middleware gave the request: error answers carry it as error.id,
            // so a report finds its log lines.
            genReqId: (req) => (req as { id?: string }).id ?? randomUUID(),
          },
          // Express 5 path syntax (the default '*' is the legacy form and logs a warning).
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
        }),
        DatabaseModule.forRoot(database),
        HealthModule,
        AuditModule,
        UsersModule,
        SettingsModule,
        AuthModule,
        EndpointsModule,
        AlertsModule,
        IncidentsModule,
        ActivityModule,
        ProcessesModule,
        RulesModule,
        BaselinesModule,
        OverviewModule,
      ],
    };
  }
}
