import { errorMessage } from '@vigil/common';
import { ApiConfig } from './config/api.config';
import { createApp } from './http/create-app';
import { startOpsServer } from './http/ops-server';

async function main(): Promise<void> {
  const config = ApiConfig.fromProcessEnv();
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  if (config.opsPort > 0) await startOpsServer(app, config.opsPort);
}

main().catch((err: unknown) => {
  console.error(`vigil-api: ${errorMessage(err)}`);
  process.exit(1);
});
