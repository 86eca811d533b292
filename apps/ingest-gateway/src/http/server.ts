import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '@vigil/common';
import type { GatewayConfig } from '../config/gateway.config';
import { GatewayError } from '../errors/gateway.error';
import type { KeyAuthenticator } from '../auth/key-authenticator';
import type { IngestService } from '../ingest/ingest.service';
import type { HealthService } from '../health/health.service';
import type { GatewayMetrics } from '../metrics/gateway.metrics';
import { fromFastifyError, retryAfterOf, statusOf } from './error-mapping';

declare module 'fastify' {
  interface FastifyRequest {
    endpointId?: string;
  }
}

/** Route-level dependencies of the HTTP layer. */
export interface HttpDeps {
  config: GatewayConfig;
  auth: KeyAuthenticator;
  ingest: IngestService;
  health: HealthService;
  metrics: GatewayMetrics;
  /** Id of a schema registered under the telemetry subject, for agents (POST /v1/schemas/telemetry/lookup). */
  lookupSchemaId: (schema: Record<string, unknown>) => Promise<number>;
  log: Logger;
}

/** The Fastify app: routes, body parsing, and the single error → HTTP mapping. */
export function buildServer(deps: HttpDeps): FastifyInstance {
  const { config, metrics, log } = deps;
  const app = Fastify({
    logger: false,
    bodyLimit: config.maxBodyBytes,
    // Slow-loris and idle connections: agents post whole batches quickly.
    requestTimeout: 60_000,
    connectionTimeout: 0,
    keepAliveTimeout: 75_000,
    return503OnClosing: true,
  });

  // Batches are binary: take any non-JSON body as a Buffer (the limit applies while reading).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new GatewayError('BAD_REQUEST', 'invalid JSON body'), undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const sendError = (reply: FastifyReply, err: GatewayError): FastifyReply => {
    const status = statusOf(err.code);
    const retryAfter = retryAfterOf(status, config);
    if (retryAfter !== undefined) reply.header('Retry-After', String(retryAfter));
    if (status === 401) reply.header('WWW-Authenticate', 'Bearer realm="vigil"');
    return reply.code(status).type('application/json').send({ error: { code: err.code, message: err.message } });
  };

  app.setErrorHandler((raw, request, reply) => {
    const err = raw instanceof GatewayError ? raw : fromFastifyError(raw as { code?: string; statusCode?: number; message: string });
    if (err.code === 'INTERNAL') log.error({ err: raw, url: request.url }, 'unexpected error');
    else if (statusOf(err.code) >= 500) log.warn({ code: err.code, endpointId: request.endpointId, cause: (err.cause as Error | undefined)?.message }, err.message);
    return sendError(reply, err);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, new GatewayError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)));

  const authenticate = async (request: FastifyRequest): Promise<void> => {
    request.endpointId = await deps.auth.authenticate(request.headers.authorization);
  };

  // Counted for every outcome of POST /v1/batches, including auth and size failures.
  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.url !== '/v1/batches') return;
    const status = String(reply.statusCode);
    metrics.requests.inc({ status, code: (reply.getHeader('x-vigil-code') as string | undefined) ?? (reply.statusCode < 300 ? 'OK' : 'ERROR') });
    metrics.requestDuration.observe({ status }, reply.elapsedTime / 1000);
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode >= 400 && typeof payload === 'string' && payload.startsWith('{"error"')) {
      const code = /"code":"([A-Z_]+)"/.exec(payload)?.[1];
      if (code) reply.header('x-vigil-code', code);
    }
    return payload;
  });

  app.post('/v1/batches', { onRequest: authenticate }, async (request, reply) => {
    const result = await deps.ingest.ingest(request.endpointId!, request.body, request.headers['content-encoding']);
    return reply.code(202).send(result);
  });

  app.post('/v1/schemas/telemetry/lookup', { onRequest: authenticate }, async (request, reply) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Buffer.isBuffer(body)) throw new GatewayError('BAD_REQUEST', 'the body must be an Avro schema as JSON');
    return reply.send({ id: await deps.lookupSchemaId(body as Record<string, unknown>) });
  });

  app.get('/healthz', async (_request, reply) => {
    // 200 while batches can be accepted (status "degraded" says a dependency is missing), 503 when not.
    const { ok, status, checks } = await deps.health.check();
    return reply.code(ok ? 200 : 503).send({ status, checks });
  });

  app.get('/metrics', async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  return app;
}
