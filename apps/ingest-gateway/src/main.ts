import { createLogger, errorMessage } from '@vigil/common';
import { loadGatewayConfig } from './config/gateway.config';
import { startGateway } from './app';

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const log = createLogger('ingest-gateway', { level: config.logLevel });
  const gateway = await startGateway(config, log);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    gateway.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err: errorMessage(err) }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(`ingest-gateway: ${errorMessage(err)}`);
  process.exit(1);
});
