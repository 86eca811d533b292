import { createServer, type Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { MetricsService } from '../modules/health/metrics.service';

/**
 * Prometheus text at `/metrics` without a session, on 127.0.0.1 only (VIGIL_API_OPS_PORT): the main
 * port's /api/metrics needs a session, which a scraper does not have. Closed with the application.
 */
export async function startOpsServer(app: INestApplication, port: number): Promise<Server> {
  const registry = app.get(MetricsService).registry;
  const ops = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => ops.once('error', reject).listen(port, '127.0.0.1', resolve));
  (app.getHttpServer() as Server).once('close', () => ops.close());
  return ops;
}
