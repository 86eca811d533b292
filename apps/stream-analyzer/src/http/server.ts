import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage, type Logger } from '@vigil/common';
import type { Registry } from 'prom-client';

/** What GET /healthz answers: `ok` false (HTTP 503) says what is degraded and why. */
export interface HealthReport {
  ok: boolean;
  [key: string]: unknown;
}

/** Health and metrics over plain node:http (two routes need no framework). */
export async function startHttpServer(host: string, port: number, deps: { health: () => Promise<HealthReport>; metrics: Registry; log: Logger }): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET') return send(405, 'application/json', JSON.stringify({ error: { code: 'METHOD_NOT_ALLOWED', message: 'GET only' } }));
    if (path === '/healthz') {
      deps.health().then(
        (h) => send(h.ok ? 200 : 503, 'application/json', JSON.stringify(h)),
        (err: unknown) => send(503, 'application/json', JSON.stringify({ ok: false, error: errorMessage(err) })),
      );
      return;
    }
    if (path === '/metrics') {
      deps.metrics.metrics().then(
        (text) => send(200, deps.metrics.contentType, text),
        (err: unknown) => send(500, 'text/plain', errorMessage(err)),
      );
      return;
    }
    send(404, 'application/json', JSON.stringify({ error: { code: 'NOT_FOUND', message: `no route ${path}` } }));
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolvePromise());
  });
  const { port: bound } = server.address() as AddressInfo;
  const url = `http://${host}:${bound}`;
  deps.log.info({ url }, 'health and metrics listening');
  return { server, url, close: () => new Promise((r) => server.close(() => r())) };
}
