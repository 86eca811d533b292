import { createServer } from 'node:http';
import { errorMessage } from '@vigil/common';
import { ApiConfig } from './config/api.config';
import { createApp } from './http/create-app';
import { MetricsService } from './modules/health/metrics.service';

async function main(): Promise<void> {
  const config = ApiConfig.fromProcessEnv();
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  if (config.opsPort > 0) {
    // Prometheus without a session, on loopback only (the main port's /api/metrics needs one).
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
    await new Promise<void>((resolve, reject) => ops.once('error', reject).listen(config.opsPort, '127.0.0.1', resolve));
    app.getHttpServer().once('close', () => ops.close());
  }
}

main().catch((err: unknown) => {
  console.error(`vigil-api: ${errorMessage(err)}`);
  process.exit(1);
});
