import { type DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { createLogger, REDACTED_PATHS } from '@vigil/common';
import { ApiConfig } from './config/api.config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { AlertsModule } from './modules/alerts/alerts.module';
import { AuditModule } from './modules/audit/audit.module';
import { AuthModule } from './modules/auth/auth.module';
import { EndpointsModule } from './modules/endpoints/endpoints.module';
import { HealthModule } from './modules/health/health.module';
import { UsersModule } from './modules/users/users.module';

/** Never logged: session cookies in both directions and CSRF tokens. */
const HTTP_REDACTIONS = [...REDACTED_PATHS, 'res.headers["set-cookie"]', 'req.headers["x-csrf-token"]'];

@Module({})
export class AppModule {
  static forRoot(config: ApiConfig): DynamicModule {
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
          },
          // Express 5 path syntax (the default '*' is the legacy form and logs a warning).
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
        }),
        DatabaseModule,
        HealthModule,
        AuditModule,
        UsersModule,
        AuthModule,
        EndpointsModule,
        AlertsModule,
      ],
    };
  }
}
