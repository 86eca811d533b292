import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from '@vigil/common';
import type { CheckResult } from '../health/health.service';
import { EndpointLimiter, type EndpointLimits } from './endpoint-limiter';

/** The only media type POST /v1/batches accepts (what @vigil/agent-transport sends). */
export const TELEMETRY_MEDIA_TYPE = 'application/vnd.vigil.telemetry+avro';
const BATCHES = '/v1/batches';

/** The media type of a Content-Type header without its parameters, lower-cased ('' when absent). */
export function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

const refuse = (reply: FastifyReply, status: number, code: string, message: string): FastifyReply =>
  reply.code(status).type('application/json').send({ error: { code, message } });

/**
 * HTTP-level guards of POST /v1/batches, kept apart from the ingest path:
 * - 415 for any Content-Type but {@link TELEMETRY_MEDIA_TYPE} (before the key is even looked up);
 * - per-endpoint request and byte token buckets, 429 with Retry-After. They run after the key was
 *   authenticated (the route's onRequest) and before the body is read (preParsing, with the declared
 *   Content-Length), so a refused body is never read, decompressed or checked.
 */
export function registerRequestGuards(app: FastifyInstance, opts: { limits: EndpointLimits; maxBodyBytes: number; log: Logger }): EndpointLimiter {
  const limiter = new EndpointLimiter(opts.limits);
  const declared = new WeakMap<object, number>();

  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url !== BATCHES) return;
    const type = mediaTypeOf(request.headers['content-type']);
    if (type !== TELEMETRY_MEDIA_TYPE) {
      // Awaiting the reply waits until it is sent, so Fastify runs no further hook nor the route.
      return await refuse(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Type must be ${TELEMETRY_MEDIA_TYPE}, got ${type ? JSON.stringify(type.slice(0, 100)) : 'none'}`);
    }
  });

  app.addHook('preParsing', async (request, reply, payload) => {
    if (request.routeOptions.url !== BATCHES || request.endpointId === undefined) return payload;
    const length = Number(request.headers['content-length'] ?? 0);
    // Bodies over the limit are refused with 413 by the parser: charge at most the limit.
    const bytes = Number.isFinite(length) ? Math.min(Math.max(0, length), opts.maxBodyBytes) : 0;
    const verdict = limiter.take(request.endpointId, bytes);
    if (!verdict.ok) {
      reply.header('Retry-After', String(verdict.retryAfterS));
      opts.log.debug({ endpointId: request.endpointId, limit: verdict.limit, retryAfterS: verdict.retryAfterS }, 'endpoint over its rate limit');
      const what = verdict.limit === 'requests' ? `${opts.limits.requests.ratePerS} batches/s` : `${opts.limits.bytes.ratePerS} bytes/s`;
      await refuse(reply, 429, 'RATE_LIMITED', `this endpoint is over its limit (${what}); retry after ${verdict.retryAfterS} s`);
      return payload;
    }
    declared.set(request, bytes);
    return payload;
  });

  // A chunked body (no Content-Length) is charged once its size is known.
  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.url !== BATCHES || request.endpointId === undefined || !Buffer.isBuffer(request.body)) return;
    limiter.charge(request.endpointId, request.body.length - (declared.get(request) ?? 0));
  });
  return limiter;
}

/** One dependency's health as /healthz shows it: state and latency, never the error text. */
export interface PublicCheck {
  ok: boolean;
  latencyMs: number;
}

/**
 * /healthz is unauthenticated: an error text can carry host names, ports, user names or driver
 * internals. The answer keeps ok/latency; the text goes to the log, once per change per check.
 */
export class HealthRedactor {
  private readonly lastError = new Map<string, string | undefined>();
  constructor(private readonly log: Logger) {}

  redact(checks: Record<string, CheckResult>): Record<string, PublicCheck> {
    const out: Record<string, PublicCheck> = {};
    for (const [name, c] of Object.entries(checks)) {
      if (this.lastError.get(name) !== c.error) {
        this.lastError.set(name, c.error);
        if (c.error !== undefined) this.log.warn({ check: name, err: c.error }, 'health check failing');
        else this.log.info({ check: name }, 'health check passing');
      }
      out[name] = { ok: c.ok, latencyMs: c.latencyMs };
    }
    return out;
  }
}
