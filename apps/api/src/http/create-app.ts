import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type INestApplication, Logger as NestLogger, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ApiProperty, DocumentBuilder, getSchemaPath, SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule } from '../app.module';
import type { ApiConfig } from '../config/api.config';
import type { DatabaseMode } from '../database/database.module';
import { ApiError, ApiErrorCode } from '../errors/api-error';
import { AuditService } from '../modules/audit/audit.service';
import { sessionToken, type VigilRequest } from '../modules/auth/auth.decorators';
import { AuthService } from '../modules/auth/auth.service';
import { MetricsService } from '../modules/health/metrics.service';
import { ApiExceptionFilter, sendError } from './api-exception.filter';
import { serveWebUi } from './web-ui';

/** Every error answer: `{"error":{"code","message","id"}}`. */
export class ErrorDetailDto {
  @ApiProperty({ enum: Object.values(ApiErrorCode), enumName: 'ApiErrorCode' }) code!: ApiErrorCode;
  @ApiProperty({ description: 'for people' }) message!: string;
  @ApiProperty({ description: 'the request id: the API log lines about this request carry it too' }) id!: string;
}

export class ErrorDto {
  @ApiProperty({ type: ErrorDetailDto }) error!: ErrorDetailDto;
}

/** Build the OpenAPI document from the controllers' DTOs; every operation documents the error body as its default answer. */
export function openApiDocument(app: INestApplication): ReturnType<typeof SwaggerModule.createDocument> {
  const doc = new DocumentBuilder()
    .setTitle('Vigil API')
    .setDescription('Endpoint security monitoring: authentication, enrolment, alerts. Every route needs a session cookie unless noted; state-changing requests also need the x-csrf-token header.')
    .setVersion('1')
    .addCookieAuth('vigil_session')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-csrf-token' }, 'csrf')
    .build();
  const document = SwaggerModule.createDocument(app, doc, { extraModels: [ErrorDto] });
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const op = item[method];
      if (op) op.responses.default ??= { description: 'error', content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorDto) } } } };
    }
  }
  return document;
}

/**
 * The configured Nest application (not yet listening): prefix /api, one error filter, validation, OpenAPI, metrics.
 * `database: 'offline'` builds the same application without connecting anywhere (OpenAPI generation).
 */
export async function createApp(config: ApiConfig, database: DatabaseMode = 'online'): Promise<NestExpressApplication> {
  const httpsOptions = config.tlsCertFile && config.tlsKeyFile ? { cert: readFileSync(config.tlsCertFile), key: readFileSync(config.tlsKeyFile) } : undefined;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, database), { bufferLogs: true, httpsOptions });
  app.useLogger(app.get(Logger));
  // Only the listed proxies' X-Forwarded-For/-Proto count: otherwise req.ip is the socket's address.
  app.set('trust proxy', config.trustedProxies.length > 0 ? config.trustedProxies : false);
  app.disable('x-powered-by');
  app.setGlobalPrefix('api');
  app.enableShutdownHooks();

  const metrics = app.get(MetricsService);
  app.use((req: Request, res: Response, next: NextFunction) => {
    // The request id, first of all: error answers (error.id), X-Request-Id and pino's req.id share it.
    const id = randomUUID();
    (req as Request & { id?: string }).id = id;
    res.setHeader('X-Request-Id', id);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (req.path.startsWith('/api/') && !req.path.startsWith('/api/docs')) res.setHeader('Cache-Control', 'no-store');
    const stop = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      stop({ method: req.method, route });
    });
    next();
  });
  app.use(cookieParser());
  serveWebUi(app, config.webDist);
  const audit = app.get(AuditService);
  const filterLogger = new NestLogger('ApiExceptionFilter');
  // The OpenAPI document and its UI are served outside Nest's router: the session check is done here.
  const auth = app.get(AuthService);
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.path !== '/api/docs' && !req.path.startsWith('/api/docs/') && req.path !== '/api/docs-json') return next();
    const token = sessionToken(req as VigilRequest, config.cookieSecure || req.secure);
    (token ? auth.authenticate(token, req.ip ?? null) : Promise.resolve(undefined)).then(
      (session) => {
        if (session && !session.pending) return next();
        const err = session
          ? session.pending === 'password_change'
            ? new ApiError(ApiErrorCode.PasswordChangeRequired, 'choose a new password first (POST /api/auth/password)')
            : new ApiError(ApiErrorCode.TotpEnrolmentRequired, 'admins must enrol a second factor first')
          : new ApiError(ApiErrorCode.Unauthenticated, 'log in first (no valid session)');
        (req as VigilRequest).vigil = session;
        void sendError(err, req as VigilRequest, res, audit, filterLogger);
      },
      (err: unknown) => void sendError(err, req as VigilRequest, res, audit, filterLogger),
    );
  });
  app.useGlobalFilters(new ApiExceptionFilter(audit));
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) =>
        new ApiError(ApiErrorCode.ValidationFailed, errors.flatMap((e) => Object.values(e.constraints ?? { [e.property]: `${e.property} is invalid` })).join('; ')),
    }),
  );
  SwaggerModule.setup('api/docs', app, () => openApiDocument(app), { jsonDocumentUrl: 'api/docs-json' });
  return app;
}
